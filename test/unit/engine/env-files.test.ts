import { expect } from 'chai';
import { clusterEnvironment, formatEnvFile, formatEnvJson } from '../../../src/engine/env-files.js';

const tp = { pod: 'p-1', container: 'c', method: 'inject-tcp', mounts: '/var/run/secrets', root: '/tmp/tel-x' };

describe('environment of the user process', () => {
  it('drops HOME, PATH and HOSTNAME of the pod and adds the TELEPRESENCE_* variables', () => {
    const env = clusterEnvironment({ HOME: '/root', PATH: '/bin', HOSTNAME: 'p-1', ECHO_SERVICE_HOST: '10.130.0.7', A: '1' }, tp);
    expect(env).to.deep.equal({
      ECHO_SERVICE_HOST: '10.130.0.7', A: '1',
      TELEPRESENCE_POD: 'p-1', TELEPRESENCE_CONTAINER: 'c', TELEPRESENCE_METHOD: 'inject-tcp',
      TELEPRESENCE_MOUNTS: '/var/run/secrets', TELEPRESENCE_ROOT: '/tmp/tel-x',
    });
  });

  const cases: { env: Record<string, string>; json: string; file: string; skipped: string[] }[] = [
    { env: {}, json: '{}\n', file: '', skipped: [] },
    { env: { B: '2', A: '1' }, json: '{\n    "A": "1",\n    "B": "2"\n}\n', file: 'A=1\nB=2\n', skipped: [] },
    { env: { Z: 'x=y z', M: 'two\nlines' }, json: '{\n    "M": "two\\nlines",\n    "Z": "x=y z"\n}\n', file: 'Z=x=y z\n', skipped: ['M'] },
  ];
  for (const c of cases) {
    it(`formats ${JSON.stringify(c.env)} as --env-json and --env-file`, () => {
      expect(formatEnvJson(c.env)).to.equal(c.json);
      expect(formatEnvFile(c.env)).to.deep.equal({ text: c.file, skipped: c.skipped });
    });
  }
});
