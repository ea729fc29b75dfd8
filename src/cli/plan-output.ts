// The human form of a routing plan: the virtual subnet, then one row per subnet.
import type { Plan } from '../engine/types.js';

const HEADERS = ['SUBNET', 'SOURCE', 'ACTION', 'VIA', 'CONFLICTS WITH'];

export function formatPlan(plan: Plan): string {
  const rows = plan.subnets.map((s) => [s.cidr, s.source, s.action, s.via ?? '-', s.conflictsWith ?? '-']);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const lines = [`virtual subnet: ${plan.virtualSubnet}`, '', line(HEADERS), ...rows.map(line)];
  if (plan.subnets.length === 0) lines.push('(no subnets to route)');
  if (plan.neverProxy.length > 0) lines.push('', `kept off the tunnel (never-proxy): ${plan.neverProxy.join(', ')}`);
  const count = plan.errors.length;
  const verdict =
    count === 0
      ? 'The plan can be applied.'
      : `The plan cannot be applied: ${count} error${count > 1 ? 's' : ''} (on stderr).`;
  lines.push('', verdict);
  return `${lines.join('\n')}\n`;
}
