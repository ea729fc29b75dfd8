// The workstation's route table, per platform: an interface and a switch that picks the
// implementation (Linux now; macOS and Windows plug in here as route-table-darwin.ts / -windows.ts).
import type { HostRoute } from '../engine/types.js';
import { PlatformError } from '../errors.js';
import { LinuxRouteTable } from './route-table-linux.js';

/** Reads the live routes of every table of both address families. Changes nothing. */
export interface RouteTable {
  read(): Promise<HostRoute[]>;
}

export function createRouteTable(platform: NodeJS.Platform = process.platform): RouteTable {
  switch (platform) {
    case 'linux':
      return new LinuxRouteTable();
    default:
      throw new PlatformError('reading the route table', platform, ['linux'], 'pass a saved table with --route-table FILE');
  }
}
