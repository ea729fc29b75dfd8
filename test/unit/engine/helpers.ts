// Shared helpers of the engine unit tests: exact error messages, route and input builders.
import { expect } from 'chai';
import type { HostRoute, PlanInput, RoutingConfig } from '../../../src/engine/types.js';

/** Runs fn, expects it to throw an instance of cls, and returns the message for an exact comparison. */
export function thrown(fn: () => unknown, cls: abstract new (...args: never[]) => Error): string {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(cls);
    return (e as Error).message;
  }
  expect.fail('expected an exception');
}

export function route(dst: string, dev: string | null, extra: Partial<HostRoute> = {}): HostRoute {
  return {
    dst, type: 'unicast', dev, gateway: null, src: null, table: 'main', metric: null,
    isDefault: dst === '0.0.0.0/0' || dst === '::/0', ...extra,
  };
}

export function routing(extra: Partial<RoutingConfig> = {}): RoutingConfig {
  return {
    allowConflictingSubnets: [], autoResolveConflicts: true, virtualSubnet: '246.246.0.0/16',
    alsoProxySubnets: [], neverProxySubnets: [], ...extra,
  };
}

export function input(extra: Partial<PlanInput> = {}): PlanInput {
  return {
    serviceSubnets: [], podSubnets: [], alsoProxy: [], apiServerIps: [], vnat: [], routing: routing(),
    routes: [], tunDevice: 'tel0', ...extra,
  };
}
