// --swap-deployment exposes the swapped container's TCP ports by itself (Telepresence 1's automatic
// ports): each to the same port here, unless the user's --expose already maps that pod port.
import type { PortMapping } from '../config/index.js';

/** The user's mappings, then one PORT:PORT for each automatic pod port the user did not map. */
export function withAutomaticPorts(user: readonly PortMapping[], automatic: readonly number[]): PortMapping[] {
  const mapped = new Set(user.map((m) => m.podPort));
  const added = [...new Set(automatic)].filter((p) => !mapped.has(p)).sort((a, b) => a - b);
  return [...user, ...added.map((p) => ({ podPort: p, workstationPort: p }))];
}
