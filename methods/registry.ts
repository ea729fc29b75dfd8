// The --method registry: each name to its method. Methods that are not built yet say so in one line.
import { containersRepairer } from './container/containers.js';
import { ContainerMethod } from './container/method.js';
import { hostLockRepairer } from './host-lock.js';
import { InjectTcpMethod } from './inject-tcp.js';
import type { Method, MethodFeatures, MethodName } from './method.js';
import { VpnTcpMethod } from './vpn-tcp.js';

class NotYetMethod implements Method {
  constructor(readonly name: MethodName, readonly features: MethodFeatures) {}
  checkSupported(): string {
    return `the ${this.name} method is not available in this release yet; use --method inject-tcp`;
  }
  async prepare(): Promise<void> {
    throw new Error(this.checkSupported());
  }
  wrap(): never {
    throw new Error(this.checkSupported());
  }
}

const WHOLE_HOST: MethodFeatures = { needsRoot: true, coversWholeHost: true, udp: true, containers: false, routesSubnets: true };

export function methodFor(name: MethodName): Method {
  switch (name) {
    case 'inject-tcp':
      return new InjectTcpMethod();
    case 'vpn-tcp':
      return new VpnTcpMethod();
    case 'teleproxy':
      return new NotYetMethod(name, WHOLE_HOST);
    case 'container':
      return new ContainerMethod();
  }
}

/** Repairers of the journal kinds the methods write (the whole-host lock, the container method's containers). */
export const methodRepairers = [hostLockRepairer, containersRepairer];
