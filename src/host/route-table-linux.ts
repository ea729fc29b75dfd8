// Linux route table reader: `ip -4 -j route show table all` and `ip -6 ...`, parsed by ip-route-json.
// Each family is asked for separately so that `default` and bare addresses get the right family.
import { execa } from 'execa';
import type { HostRoute } from '../engine/types.js';
import { ClusterError } from '../errors.js';
import { parseIpRouteJson, type AddressFamily } from './ip-route-json.js';
import type { RouteTable } from './route-table.js';

export class HostCommandError extends ClusterError {}

export class LinuxRouteTable implements RouteTable {
  constructor(private readonly ipCommand = 'ip') {}

  async read(): Promise<HostRoute[]> {
    const [v4, v6] = await Promise.all([this.readFamily(4), this.readFamily(6)]);
    return [...v4, ...v6];
  }

  private async readFamily(family: AddressFamily): Promise<HostRoute[]> {
    const args = [`-${family}`, '-j', 'route', 'show', 'table', 'all'];
    const shown = `${this.ipCommand} ${args.join(' ')}`;
    const result = await execa(this.ipCommand, args, { reject: false });
    if (result.failed) {
      const why = result.stderr.trim() || result.shortMessage;
      throw new HostCommandError(`could not read the route table: '${shown}' failed: ${why}`);
    }
    // A host with IPv6 disabled prints nothing at all for -6.
    if (result.stdout.trim() === '') return [];
    try {
      return parseIpRouteJson(result.stdout, family);
    } catch (err) {
      throw new HostCommandError(`could not read the route table: '${shown}' printed ${(err as Error).message}`);
    }
  }
}
