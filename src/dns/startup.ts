// What a vpn-tcp session does with its DNS server at start: teach the pod the workstation's search
// suffixes (Telepresence 1's hellotelepresence probes), run Telepresence 2's recursion check, and
// wait until fresh names resolve through the system's own resolver path (the readiness test).
import { beforeDeadline, pause } from '../deadline.js';
import { promises as nodeDns } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { ClusterError } from '../errors.js';
import { PROBE_ANSWER, PROBE_PREFIX } from '../protocol/index.js';
import type { RecursionState } from './cache.js';
import { TYPE } from './records.js';
import { RECURSION_CHECK_NAME, type WorkstationDns } from './workstation-dns.js';

/** Telepresence 1's text when the probes never resolved. */
export const TUNNEL_DID_NOT_CONNECT = 'vpn-tcp tunnel did not connect';
/** The pod answers every probe with this address (src/protocol). */
export { PROBE_ANSWER };
export const RESOLVER_FILES = ['/etc/resolv.conf', '/etc/nsswitch.conf', '/etc/hosts'];

/** IPv4 addresses of a name as a program on this host gets them (getaddrinfo: nsswitch, resolv.conf, search). */
export type SystemLookup = (name: string) => Promise<string[]>;

export const systemLookup: SystemLookup = async (name) =>
  (await nodeDns.lookup(name, { family: 4, all: true })).map((a) => a.address);

/**
 * The path of a user's question where no getaddrinfo of ours can stand in for it (the container
 * method: the question is asked inside the container's namespace, of the VIF's DNS address): straight
 * into our resolver, so that the marker goes out its cluster path (pod -> cluster DNS) and the check
 * sees whether it comes back to this resolver while in flight.
 */
export function resolverLookup(resolver: WorkstationDns): SystemLookup {
  return async (name) => (await resolver.resolve(name, TYPE.A)).answers.flatMap((a) => (a.type === TYPE.A && a.address ? [a.address] : []));
}

/** Rejects when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return beforeDeadline(promise, Date.now() + ms, `no answer within ${ms} ms`);
}

/**
 * Sends `hellotelepresence-s<i>.<suffix>` for each search suffix straight through our resolver, so
 * the pod learns all of them (the system path only ever tries until the first one answers).
 * Returns the suffixes the pod acknowledged (answered PROBE_ANSWER).
 */
export async function teachSearchSuffixes(resolver: WorkstationDns, suffixes: readonly string[]): Promise<string[]> {
  // All at once: on a dead tunnel each one waits for the look-up timeout.
  const answered = await Promise.all(
    suffixes.map(async (suffix, i) => (await resolver.resolve(`${PROBE_PREFIX}-s${i}.${suffix}`, TYPE.A)).answers.some((a) => a.address === PROBE_ANSWER)),
  );
  return suffixes.filter((_, i) => answered[i]);
}

/**
 * Asks for the marker name through the system path and reports whether it came back to our server
 * while in flight. 'unknown' when the question never reached us (the resolver is not in effect).
 */
export async function checkRecursion(
  resolver: WorkstationDns,
  lookup: SystemLookup = systemLookup,
  timeoutMs = 10_000,
): Promise<RecursionState> {
  resolver.cache.recursion = 'checking';
  await within(lookup(RECURSION_CHECK_NAME), timeoutMs).catch(() => undefined);
  if (resolver.cache.recursion === 'checking') resolver.cache.recursion = 'unknown';
  return resolver.cache.recursion;
}

export interface ReadinessOptions {
  lookup?: SystemLookup;
  /** The whole wait (config timeouts.dnsReadyMs; Telepresence 1: 35 s). */
  deadlineMs: number;
  /** How many fresh names must resolve (Telepresence 1: 3). */
  needed?: number;
  attemptTimeoutMs?: number;
  /** Pause after a failed attempt, so a dead tunnel is not asked in a tight loop. */
  retryDelayMs?: number;
  resolverFiles?: readonly string[];
  log?: (line: string) => void;
}

/**
 * Resolves fresh `hellotelepresence-<run>-<n>` names until `needed` have resolved to the pod's
 * answer; on the deadline, logs the resolver files and throws `vpn-tcp tunnel did not connect`.
 */
export async function waitForDnsReady(options: ReadinessOptions): Promise<{ names: string[]; elapsedMs: number }> {
  const lookup = options.lookup ?? systemLookup;
  const needed = options.needed ?? 3;
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const run = started.toString(36);
  const resolved: string[] = [];
  let lastError = 'no attempt finished';
  for (let n = 0; resolved.length < needed; n += 1) {
    const left = started + options.deadlineMs - Date.now();
    if (left <= 0) break;
    const name = `${PROBE_PREFIX}-${run}-${n}`;
    try {
      const ips = await within(lookup(name), Math.min(left, options.attemptTimeoutMs ?? 3000));
      if (ips.includes(PROBE_ANSWER)) {
        resolved.push(name);
        continue;
      }
      lastError = `${name} resolved to ${ips.join(', ')}, not the proxy pod's ${PROBE_ANSWER}`;
    } catch (err) {
      lastError = `${name}: ${err instanceof Error ? err.message : String(err)}`;
    }
    log(`vpn-tcp: DNS not ready yet (${lastError})`);
    const wait = Math.min(options.retryDelayMs ?? 250, started + options.deadlineMs - Date.now());
    if (wait > 0) await pause(wait);
  }
  const elapsedMs = Date.now() - started;
  if (resolved.length >= needed) {
    log(`vpn-tcp: DNS ready: ${resolved.join(', ')} resolved in ${elapsedMs} ms`);
    return { names: resolved, elapsedMs };
  }
  log(`vpn-tcp: ${resolved.length} of ${needed} probe names resolved in ${elapsedMs} ms; last failure: ${lastError}`);
  await logResolverFiles(options.resolverFiles ?? RESOLVER_FILES, log);
  throw new ClusterError(TUNNEL_DID_NOT_CONNECT);
}

export async function logResolverFiles(files: readonly string[], log: (line: string) => void): Promise<void> {
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => `(cannot read: ${err.code ?? err.message})`);
    log(`vpn-tcp: ${file}:\n${text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}`);
  }
}
