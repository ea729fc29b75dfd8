// Linux route table reader: `ip -4 -j route show table all` and `ip -6 ...`, parsed by ip-route-json,
// minus the routes of devices that are down or lack an address of the family (`ip -j addr show`).
// Each family is asked for separately so that `default` and bare addresses get the right family.
import type { HostRoute } from '../engine/types.js';
import { HostError } from '../errors.js';
import { commandLine, runHostCommand } from './command.js';
import { parseIpAddrJson, usableRoutes } from './ip-addr-json.js';
import { parseIpRouteJson } from './ip-route-json.js';
import { netnsIpCommand } from './netns.js';
import type { RouteTable } from './route-table.js';

export class LinuxRouteTable implements RouteTable {
  /** `netns`: read the routes of that network namespace (a container's /proc/PID/ns/net) instead of the host's. */
  constructor(private readonly ipCommand = 'ip', private readonly netns?: string) {}

  async read(): Promise<HostRoute[]> {
    const [v4, v6, links] = await Promise.all([
      this.run([`-4`, '-j', 'route', 'show', 'table', 'all'], (text) => parseIpRouteJson(text, 4)),
      this.run([`-6`, '-j', 'route', 'show', 'table', 'all'], (text) => parseIpRouteJson(text, 6)),
      this.run(['-j', 'addr', 'show'], parseIpAddrJson),
    ]);
    return usableRoutes([...(v4 ?? []), ...(v6 ?? [])], links ?? new Map());
  }

  /** Runs ip and parses its output; null when it printed nothing (e.g. -6 on a host without IPv6). */
  private async run<T>(args: string[], parse: (text: string) => T): Promise<T | null> {
    const cmd = this.netns === undefined ? { file: this.ipCommand, args } : netnsIpCommand(this.netns, args);
    const shown = commandLine(cmd.file, cmd.args);
    const failed = (why: string, cause?: unknown) =>
      new HostError(`could not read the route table: '${shown}' failed: ${why}`, { value: shown, cause });
    const result = await runHostCommand(cmd.file, cmd.args).catch((err: Error) => {
      throw err instanceof HostError ? failed(err.message, err) : err;
    });
    if (result.exitCode !== 0) throw failed(result.stderr.trim() || `exit code ${result.exitCode}`);
    if (result.stdout.trim() === '') return null;
    try {
      return parse(result.stdout);
    } catch (err) {
      throw new HostError(`could not read the route table: '${shown}' printed ${(err as Error).message}`, { value: shown, cause: err });
    }
  }
}
