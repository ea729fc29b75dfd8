// The --method registry: each name to its method.
import { containersRepairer } from './container/containers.js';
import { ContainerMethod } from './container/method.js';
import { hostLockRepairer } from './host-lock.js';
import { InjectTcpMethod } from './inject-tcp.js';
import type { Method, MethodName } from './method.js';
import { TeleproxyMethod } from './teleproxy.js';
import { VpnTcpMethod } from './vpn-tcp.js';

export function methodFor(name: MethodName): Method {
  switch (name) {
    case 'inject-tcp':
      return new InjectTcpMethod();
    case 'vpn-tcp':
      return new VpnTcpMethod();
    case 'teleproxy':
      return new TeleproxyMethod();
    case 'container':
      return new ContainerMethod();
  }
}

/** Repairers of the journal kinds the methods write (the whole-host lock, the container method's containers). */
export const methodRepairers = [hostLockRepairer, containersRepairer];
