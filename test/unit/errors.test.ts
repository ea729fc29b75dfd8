// The error categories: their exit codes, the fields every error carries, and the one text of
// "not on this platform".
import { expect } from 'chai';
import {
  ClusterError, ConfigError, ConflictError, EXIT_CODES, HostError, PlatformError, TelepresenceError, UnsupportedError, UsageError,
  type ErrorCategory,
} from '../../src/errors.js';

describe('errors', () => {
  it('maps each category to its exit code', () => {
    expect(EXIT_CODES).to.deep.equal({
      user: 2, config: 2, conflict: 1, unsupported: 1, platform: 1, cluster: 255, host: 255, bug: 255,
    } satisfies Record<ErrorCategory, number>);
  });

  const classes: [string, TelepresenceError, ErrorCategory][] = [
    ['UsageError', new UsageError('m'), 'user'],
    ['ConfigError', new ConfigError('m'), 'config'],
    ['ClusterError', new ClusterError('m'), 'cluster'],
    ['HostError', new HostError('m'), 'host'],
    ['ConflictError', new ConflictError('m'), 'conflict'],
    ['UnsupportedError', new UnsupportedError('m'), 'unsupported'],
    ['PlatformError', new PlatformError('x', 'aix', ['linux']), 'platform'],
  ];
  for (const [name, err, category] of classes) {
    it(`${name}: category ${category}, named, a TelepresenceError`, () => {
      expect([err.name, err.category, err instanceof TelepresenceError]).to.deep.equal([name, category, true]);
    });
  }

  it('a message alone stays exactly as given, with no fields', () => {
    const err = new UsageError('argument --method: invalid choice');
    expect([err.message, err.value, err.hint, 'cause' in err]).to.deep.equal(['argument --method: invalid choice', undefined, undefined, false]);
  });

  it('carries the offending value, the cause and the next step; the message ends with the step', () => {
    const cause = new Error('EACCES');
    const err = new HostError("'ip addr add 1.2.3.4/16 dev tp0' failed", { value: 'ip addr add 1.2.3.4/16 dev tp0', hint: 'run as root', cause });
    expect(err.message).to.equal("'ip addr add 1.2.3.4/16 dev tp0' failed; run as root");
    expect([err.value, err.hint, err.cause]).to.deep.equal(['ip addr add 1.2.3.4/16 dev tp0', 'run as root', cause]);
  });

  it('PlatformError: one text for every "not on this platform"', () => {
    const err = new PlatformError('reading the route table', 'darwin', ['linux'], 'pass a saved table with --route-table FILE');
    expect(err.message).to.equal('reading the route table is not supported on darwin yet (supported: linux); pass a saved table with --route-table FILE');
    expect([err.value, err.hint, EXIT_CODES[err.category]]).to.deep.equal(['darwin', 'pass a saved table with --route-table FILE', 1]);
    expect(new PlatformError('inject-tcp', 'win32', ['linux', 'darwin']).message).to.equal('inject-tcp is not supported on win32 yet (supported: linux, darwin)');
  });
});
