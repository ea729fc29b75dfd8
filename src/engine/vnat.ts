// --vnat and --proxy-via: parsing the flag values and checking them together, with Telepresence
// 2's rules (pkg/client/cli/connect parseProxyVias / parseSubnetViaWorkload).
import { UsageError } from '../errors.js';
import type { VnatRequest } from './types.js';
import { formatNet, netOverlaps, toNet, tryNet } from './cidr.js';
import { overlappingMessage } from './format.js';

export const VNAT_SYMBOLS = ['also', 'service', 'pods', 'all'] as const;
export type VnatSymbol = (typeof VNAT_SYMBOLS)[number];

/** The workload of `--vnat X`: the translation happens on the workstation, traffic leaves via the manager side. */
export const LOCAL_VIA = 'local';

export const isVnatSymbol = (s: string): s is VnatSymbol => (VNAT_SYMBOLS as readonly string[]).includes(s);

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes' IsDNS1123Label: lower-case alphanumerics and '-', alphanumeric at both ends, at most 63. */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

function parseTarget(flag: string, raw: string, target: string): string {
  if (isVnatSymbol(target)) return target;
  const net = tryNet(target);
  if (net && target.includes('/')) return formatNet(net);
  throw new UsageError(
    `${flag} ${JSON.stringify(raw)}: ${JSON.stringify(target)} is neither a CIDR nor one of ` +
      `${VNAT_SYMBOLS.join(', ')}; use e.g. 10.130.0.0/16 or service`,
  );
}

/** `--vnat X` (X a CIDR or also|service|pods|all) is `--proxy-via X=local`. */
export function parseVnatFlag(value: string): VnatRequest {
  return { target: parseTarget('--vnat', value, value.trim()), via: LOCAL_VIA };
}

/** `--proxy-via CIDR=WORKLOAD` (CIDR may be a symbol); WORKLOAD must be a DNS-1123 label. */
export function parseProxyViaFlag(value: string): VnatRequest {
  const eq = value.indexOf('=');
  if (eq <= 0) {
    throw new UsageError(
      `--proxy-via ${JSON.stringify(value)} is not in the format CIDR=WORKLOAD; use e.g. 10.130.0.0/16=echo or all=echo`,
    );
  }
  const target = parseTarget('--proxy-via', value, value.slice(0, eq).trim());
  const via = value.slice(eq + 1).trim();
  if (!isDns1123Label(via)) {
    throw new UsageError(
      `--proxy-via ${JSON.stringify(value)}: workload ${JSON.stringify(via)} is not a valid name (a DNS-1123 label: ` +
        `at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)`,
    );
  }
  return { target, via };
}

/**
 * Checks the requests together, in order, as Telepresence 2 does: two CIDRs that overlap, a symbol
 * given twice, or `all` after any symbol fail with `CIDRs A and B are overlapping` (a UsageError).
 * Returns the requests with `all` replaced by also, pods and service.
 */
export function checkVnatRequests(reqs: VnatRequest[]): VnatRequest[] {
  const out: VnatRequest[] = [];
  for (const req of reqs) {
    if (isVnatSymbol(req.target)) {
      // TP2 walks the earlier entries from the last one back and reports the first clash it meets.
      for (let i = out.length - 1; i >= 0; i--) {
        const prev = out[i]!;
        if (!isVnatSymbol(prev.target)) continue;
        if (req.target === 'all' || prev.target === req.target) {
          throw new UsageError(overlappingMessage(prev.target, req.target));
        }
      }
      if (req.target === 'all') {
        for (const sym of ['also', 'pods', 'service']) out.push({ target: sym, via: req.via });
      } else out.push(req);
      continue;
    }
    const net = toNet(req.target);
    for (let i = out.length - 1; i >= 0; i--) {
      const prev = out[i]!;
      if (isVnatSymbol(prev.target)) continue;
      if (netOverlaps(toNet(prev.target), net)) {
        throw new UsageError(overlappingMessage(prev.target, formatNet(net)));
      }
    }
    out.push({ target: formatNet(net), via: req.via });
  }
  return out;
}
