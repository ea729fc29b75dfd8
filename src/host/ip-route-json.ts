// Pure parser: the JSON that `ip -j route show table all` prints -> the engine's HostRoute[].
// No I/O, so it is tested from captured tables; the Linux route table reader feeds it.
import type { HostRoute } from '../engine/types.js';
import { parseCidr } from '../engine/index.js';

export type AddressFamily = 4 | 6;

/** Route types that carry no traffic anywhere; the kernel still names a device for some (IPv6 gives `lo`). */
const DEVICELESS_TYPES = new Set(['unreachable', 'blackhole', 'prohibit', 'throw']);

interface IpNexthop {
  gateway?: unknown;
  dev?: unknown;
  via?: unknown;
}

type IpRoute = Record<string, unknown> & IpNexthop & { nexthops?: unknown };

export class RouteJsonError extends Error {
  /** The index of the bad entry in the array, when one entry is at fault. */
  index: number | null = null;
}

/** JSON of a value for a message, cut short: a saved file can hold anything, nested without end. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Array.isArray(value) ? '[...]' : '{...}';
  }
  return text.length > 120 ? `${text.slice(0, 120)}...` : text;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** `gateway` is the usual key; a gateway of the other family comes as `via: {family, host}`. */
function gatewayOf(hop: IpNexthop): string | null {
  const gateway = str(hop.gateway);
  if (gateway) return gateway;
  if (hop.via && typeof hop.via === 'object') return str((hop.via as Record<string, unknown>).host);
  return null;
}

/**
 * `default` and bare host addresses carry no family of their own. The reader knows it (it runs
 * `ip -4` and `ip -6`); for a saved file, an IPv6 route shows itself by an IPv6 gateway or source,
 * or by the `pref` key that only IPv6 routes have.
 */
function familyOf(route: IpRoute, dst: string, hint: AddressFamily | undefined): AddressFamily {
  if (dst !== 'default') return dst.includes(':') ? 6 : 4;
  if (hint) return hint;
  const gateway = gatewayOf(route) ?? '';
  const prefsrc = str(route.prefsrc) ?? '';
  if (gateway.includes(':') || prefsrc.includes(':') || 'pref' in route) return 6;
  return 4;
}

function canonicalDst(dst: string, family: AddressFamily): string {
  if (dst === 'default') return family === 6 ? '::/0' : '0.0.0.0/0';
  if (dst.includes('/')) return parseCidr(dst);
  return parseCidr(`${dst}/${family === 6 ? 128 : 32}`);
}

/** Normalise one entry of the array; throws RouteJsonError naming the entry when it has no usable dst. */
export function parseIpRoute(raw: unknown, familyHint?: AddressFamily): HostRoute {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RouteJsonError(`expected a route object, got ${show(raw)}`);
  }
  const route = raw as IpRoute;
  const dst = str(route.dst);
  if (!dst) throw new RouteJsonError(`route without "dst": ${show(raw)}`);
  if (dst.length > 100) throw new RouteJsonError(`route with a bad "dst" ${show(dst)}: expected a CIDR, an address or default`);
  const family = familyOf(route, dst, familyHint);
  let cidr: string;
  try {
    cidr = canonicalDst(dst, family);
  } catch (err) {
    throw new RouteJsonError(`route with a bad "dst" ${JSON.stringify(dst)}: ${(err as Error).message}`);
  }
  const type = str(route.type) ?? 'unicast';
  // A multipath route names its devices per next hop; the first one stands for the route.
  const hops = Array.isArray(route.nexthops) ? (route.nexthops as IpNexthop[]) : [];
  const firstHop: IpNexthop = hops.find((h) => h && typeof h === 'object') ?? {};
  const dev = DEVICELESS_TYPES.has(type) ? null : (str(route.dev) ?? str(firstHop.dev));
  const metric = typeof route.metric === 'number' ? route.metric : null;
  return {
    dst: cidr,
    type,
    dev,
    gateway: gatewayOf(route) ?? gatewayOf(firstHop),
    src: str(route.prefsrc),
    table: route.table === undefined ? 'main' : String(route.table),
    metric,
    isDefault: cidr === '0.0.0.0/0' || cidr === '::/0',
  };
}

/** Parse the whole text `ip -j route show table all` printed. */
export function parseIpRouteJson(text: string, familyHint?: AddressFamily): HostRoute[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // V8 quotes the text around the position, line breaks included: keep the message one line.
    throw new RouteJsonError(`not JSON: ${(err as Error).message.replace(/\r?\n/g, '\\n')}`);
  }
  if (!Array.isArray(data)) throw new RouteJsonError('expected a JSON array of routes');
  return data.map((entry, index) => {
    try {
      return parseIpRoute(entry, familyHint);
    } catch (err) {
      if (err instanceof RouteJsonError) err.index = index;
      throw err;
    }
  });
}
