// A ClusterFixture whose namespace lives for a whole `describe` (created in before(), deleted in after()),
// so that a suite can start all its pods at once and each test only waits for its own.
import crypto from 'node:crypto';

import { type ClusterFixture, connectFixture, createFixtureNamespace, deleteFixtureNamespace, newFixture } from './cluster.js';

export function useSharedFixture(prefix = 'tp-e2e'): ClusterFixture {
  const fx = newFixture(`${prefix}-${crypto.randomBytes(3).toString('hex')}`);
  before(async function () {
    this.timeout(300_000);
    await connectFixture(fx);
    await createFixtureNamespace(fx);
  });
  after(async function () {
    this.timeout(120_000);
    await deleteFixtureNamespace(fx, fx.namespace);
  });
  return fx;
}
