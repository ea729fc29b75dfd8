// The published entry: `import { coveringCidrs } from 'telepresence/engine'` resolves through the
// package's exports map (self-reference) to the compiled engine, and nothing else is exposed.
import { expect } from 'chai';
import * as engine from '../../../src/engine/index.js';

// A variable specifier keeps tsc from resolving the package at compile time (on a clean checkout
// dist/ does not exist yet); at run time Node resolves it exactly as a user's import.
const ENTRY: string = 'telepresence/engine';

describe('engine: published entry telepresence/engine', () => {
  it('resolves to the compiled engine module', async () => {
    const published = (await import(ENTRY)) as typeof engine;
    expect(published.coveringCidrs).to.equal(engine.coveringCidrs);
    expect(published.coveringCidrs(['10.1.2.3', '10.1.5.6'])).to.deep.equal(['10.1.0.0/21']);
  });

  it('exports the whole public API', async () => {
    const published = (await import(ENTRY)) as Record<string, unknown>;
    for (const name of [
      'coveringCidrs', 'uniqueSubnets', 'covers', 'overlaps', 'parseCidr', 'VirtualIpAllocator', 'translateEnvironment',
      'planRoutes', 'tunRoutes', 'parseVnatFlag', 'parseProxyViaFlag', 'checkVnatRequests', 'dnsDestination', 'formatRoute',
    ]) {
      expect(typeof published[name], name).to.equal('function');
    }
  });

  it('does not expose the engine files one by one', async () => {
    const deep: string = 'telepresence/engine/plan.js';
    let code = '';
    try {
      await import(deep);
    } catch (e) {
      code = (e as { code?: string }).code ?? '';
    }
    expect(code).to.equal('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});
