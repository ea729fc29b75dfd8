// The VIF's TUN configuration: its address, link state and routes, set with `ip` through the host
// runner, on the host or (netnsIpRunner) inside the network namespace the TUN was opened in.
// Every change registers its undo the moment it is made. No rp_filter change is needed: the fake
// sources lie in the TUN's own subnet and the destinations are routed to the TUN, so replies pass
// strict reverse-path filtering (tested with rp_filter 1 and 0).
import type { UndoRegistry } from '../changes.js';
import { runChecked } from '../host/command.js';
import { netnsIpCommand } from '../host/netns.js';

export { netnsIpCommand };

export type { UndoRegistry };

/** Runs `ip` with arguments; a failure is a HostError `'ip ARGS' failed: STDERR`. */
export type IpRunner = (args: string[]) => Promise<void>;

export const runIp: IpRunner = async (args) => {
  await runChecked('ip', args);
};

/** An IpRunner for a TUN opened with openTunInNetns(nsPath, ...): configureDevice then never touches the host. */
export function netnsIpRunner(nsPath: string): IpRunner {
  return async (args) => {
    const cmd = netnsIpCommand(nsPath, args);
    await runChecked(cmd.file, cmd.args);
  };
}

export interface DeviceConfig {
  name: string;
  /** The TUN's own address with the prefix of its subnet, e.g. "198.18.0.1/16". */
  address: string;
  /** CIDRs routed to the TUN (the plan's routed and VNAT subnets). */
  routes: readonly string[];
}

/** Address, link up, then one route per CIDR; each step's undo pushed as soon as it succeeded. */
export async function configureDevice(cfg: DeviceConfig, undo: UndoRegistry, ip: IpRunner = runIp): Promise<void> {
  const { name, address } = cfg;
  await ip(['addr', 'add', address, 'dev', name]);
  undo.push(`remove address ${address} from ${name}`, () => ip(['addr', 'del', address, 'dev', name]));
  await ip(['link', 'set', 'dev', name, 'up']);
  undo.push(`set ${name} down`, () => ip(['link', 'set', 'dev', name, 'down']));
  for (const cidr of cfg.routes) {
    await ip(['route', 'add', cidr, 'dev', name]);
    undo.push(`remove route ${cidr} dev ${name}`, () => ip(['route', 'del', cidr, 'dev', name]));
  }
}
