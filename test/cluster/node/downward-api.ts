// The downward API as a volume (and the resourceFieldRef of env): metadata fields, labels and
// annotations in the kubelet's `key="value"` format, and container resources with their divisor,
// limits falling back to the node's allocatable as the kubelet's do. Pure.
import { ContainerConfigError, type Container, type Pod } from './pod-types.js';

export interface NodeAllocatable {
  cpuCores: number;
  memoryBytes: number;
}

/** Go's %q of a string: JSON's escapes, but control characters as \x.. and no escaped '/'. */
export function goQuote(s: string): string {
  return `"${[...s].map((ch) => {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') return `\\${ch}`;
    if (ch === '\n') return '\\n';
    if (ch === '\t') return '\\t';
    if (ch === '\r') return '\\r';
    if (c < 0x20 || c === 0x7f) return `\\x${c.toString(16).padStart(2, '0')}`;
    return ch;
  }).join('')}"`;
}

/** fieldpath.FormatMap: sorted `key="value"` lines, no newline at the end. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${goQuote(m![k]!)}`).join('\n');
}

/** A fieldRef a downwardAPI volume may name (the API server allows only metadata here). */
export function volumeFieldValue(pod: Pod, fieldPath: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace;
    case 'metadata.uid': return pod.metadata.uid;
    case 'metadata.labels': return formatMap(pod.metadata.labels);
    case 'metadata.annotations': return formatMap(pod.metadata.annotations);
    default: throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A resource.Quantity as a number (`500m` -> 0.5, `1Gi` -> 1073741824). */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(q.trim());
  const scale = m ? BINARY[m[2]!] ?? DECIMAL[m[2]!] : undefined;
  if (!m || scale === undefined || Number.isNaN(Number(m[1]))) throw new ContainerConfigError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${q}`);
  return Number(m[1]) * scale;
}

/** resourceFieldRef: limits.cpu|memory|ephemeral-storage, requests.*, with the divisor; ceil, as the kubelet rounds. */
export function resourceValue(c: Container, resource: string, divisor: string | number | undefined, node: NodeAllocatable): string {
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const res = c.resources ?? {};
  const fallback: Record<string, number> = { cpu: node.cpuCores, memory: node.memoryBytes, 'ephemeral-storage': 0 };
  if (!['limits', 'requests'].includes(kind) || !(name in fallback)) throw new ContainerConfigError(`unsupported container resource: ${resource}`);
  const set = res[kind]?.[name] ?? (kind === 'requests' ? res.limits?.[name] : undefined);
  const value = set !== undefined ? parseQuantity(set) : kind === 'limits' ? fallback[name]! : 0;
  const div = parseQuantity(divisor ?? '1');
  if (div === 0) throw new ContainerConfigError(`invalid divisor for ${resource}: 0`);
  // The kubelet works in milli-units for cpu; ceil(value/divisor) either way.
  return String(Math.ceil(Math.round((value / div) * 1e6) / 1e6));
}
