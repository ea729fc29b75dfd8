// A fake cluster, tunnel, method and user process for driving the session's steps without a cluster
// or root: every call and every undo is written to `events`, and any step can be made to fail.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Repairer } from '../../../src/changes.js';
import { createSessionParser } from '../../../src/cli/session-parser.js';
import { resolveSessionOptions } from '../../../src/cli/options.js';
import { defaultConfig, type Config } from '../../../src/config/index.js';
import type { HostRoute } from '../../../src/engine/types.js';
import type { MissingPiece } from '../../../src/engine/mount.js';
import type { Cluster } from '../../../src/kube/index.js';
import { runSession } from '../../../src/session/run.js';
import type { SessionDeps } from '../../../src/session/session.js';
import type { Method } from '../../../methods/method.js';
import { POD_PROTOCOL_VERSION } from '../../../src/protocol/index.js';

export const STEPS = ['openCluster', 'check', 'preflight', 'apply', 'connect', 'podinfo', 'mount', 'prepare', 'startUserProcess'] as const;
export type Step = (typeof STEPS)[number];

export interface FakeRun {
  code: number | null;
  error: string | null;
  stderr: string;
  events: string[];
  journalDir: string;
  /** The user process's environment (when it started). */
  userEnv: Record<string, string> | null;
  /** The variables the session asked the operation to give the proxy program (a local cluster's). */
  podEnv: Readonly<Record<string, string>> | undefined;
  /** The fingerprint of the host key the session handed to connect (null: connect was not reached). */
  pinned: string | null;
}

export const POD_INFO = JSON.stringify({ protocolVersion: POD_PROTOCOL_VERSION, env: { FROM_POD: 'yes' }, hostname: 'p', hosts: '', resolv: '', mountpoints: [] });

export interface FakeOptions {
  failAt?: Step;
  journalDir?: string;
  clusterRepairers?: Repairer<never>[];
  hostRepairers?: Repairer<never>[];
  argv?: string[];
  /** What the operation's pod exposes by itself (a swapped container's ports). */
  automaticPorts?: number[];
  /** What the cluster-side repair of expired swaps reports. */
  swapRepairs?: { restored: string[]; alive: string[] };
  /** What the fake workstation lacks for sshfs (default: nothing). */
  missingPiece?: MissingPiece;
  /** The cluster's context and API server addresses (default: fake, none). */
  cluster?: { context: string; apiServerIps: string[] };
  /** The workstation's routes (local cluster detection); counted in `routeReads`. */
  routes?: HostRoute[];
  config?: Config;
  /** The fake method routes subnets (so --vnat and --proxy-via are accepted). */
  routesSubnets?: boolean;
  /** startProxyViaRelay of this workload fails with this message. */
  relayFailure?: { workload: string; message: string };
  /** The host key line the fake pod publishes (default: HOST_KEY, a valid one). */
  hostKey?: string;
}

/** A valid ed25519 public key line: what a fake pod publishes as its SSH host key. */
export const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrKCqbjKuflSlZdQDt38jc34vo6gcxi9YdSzUWghYti telepresence-proxy';

export async function runFakeSession(o: FakeOptions = {}): Promise<FakeRun> {
  const events: string[] = [];
  let userEnv: Record<string, string> | null = null;
  let podEnv: Readonly<Record<string, string>> | undefined;
  let pinned: string | null = null;
  const step = (name: Step) => {
    events.push(name);
    if (o.failAt === name) throw new Error(`${name} failed`);
  };
  const undo = (name: string) => () => { events.push(`undo ${name}`); };
  const cluster: Cluster = {
    context: o.cluster?.context ?? 'fake', namespace: 'ns', server: 'https://fake', apiServerIps: o.cluster?.apiServerIps ?? [], kubectlArgs: [],
    discoverSubnets: async () => ({ podSubnets: [], serviceSubnets: [] }),
    watchNamespaces: async () => ({ names: ['ns'], stop: () => undefined }),
    watchClusterDns: async () => ({ mode: 'cluster-wide', endpointsApi: 'endpoints', namespaces: ['ns'], setNamespaces: () => undefined, stop: () => undefined }),
    operation: (choice) => ({
      deployment: choice.name,
      check: async () => step('check'),
      apply: async (ctx) => {
        step('apply');
        podEnv = ctx.podEnv;
        const entry = ctx.journal.record('fake-objects', { sessionId: ctx.sessionId });
        ctx.undo.push('delete the proxy', entry.settleAfter(undo('proxy')));
        return { podName: 'proxy-1', podIp: '10.1.0.1', hostKey: o.hostKey ?? HOST_KEY, sshUser: 'telepresence', automaticPorts: o.automaticPorts };
      },
    }),
    startProxyViaRelay: async (workload, ro) => {
      events.push(`relay ${workload}`);
      if (o.relayFailure?.workload === workload) throw new Error(o.relayFailure.message);
      const entry = ro.journal!.record('fake-relay', { workload });
      const stop = entry.settleAfter(undo(`relay ${workload}`));
      return {
        workload: `Deployment ${workload}`, namespace: 'ns', podName: `${workload}-pod`, podIp: '10.1.0.9', port: 9056,
        container: `telepresence-relay-${ro.sessionId}`, username: 'telepresence', stop: async () => { await stop(); },
      };
    },
    repairers: o.clusterRepairers ?? [],
    repairExpiredSwaps: async () => o.swapRepairs ?? { restored: [], alive: [] },
  };
  const method: Method = {
    name: 'inject-tcp',
    features: { needsRoot: false, coversWholeHost: false, udp: false, containers: false, routesSubnets: o.routesSubnets ?? false },
    checkSupported: () => null,
    preflight: async (ctx) => { step('preflight'); ctx.undo.push('preflight', undo('preflight')); },
    prepare: async (ctx) => {
      step('prepare');
      if (ctx.relays.size > 0) events.push(`method relays ${[...ctx.relays.keys()].join(' ')}`);
      ctx.undo.push('method', undo('method'));
    },
    wrap: (launch) => launch,
  };
  const deps: SessionDeps = {
    openCluster: async () => { step('openCluster'); return cluster; },
    connect: async (_cluster, _pod, _key, opts) => {
      step('connect');
      pinned = (await opts.hostKey).fingerprint;
      return {
        tunnel: {
          openStream: () => Promise.reject(new Error('no streams in this fake')),
          openSubsystem: () => Promise.reject(new Error('no subsystems in this fake')),
          exec: async () => { step('podinfo'); return POD_INFO; },
          forwardIn: async (_addr, port) => {
            events.push(`forwardIn ${port}`);
            return { port, cancel: async () => { events.push(`undo forwardIn ${port}`); } };
          },
        },
        lost: new Promise(() => undefined),
        onReconnected: () => () => undefined,
        close: undo('connection'),
      };
    },
    methodFor: () => method,
    volumes: {
      missing: () => o.missingPiece ?? null,
      mount: async (_tunnel, mo) => {
        step('mount');
        return { mountPoint: mo.mountPoint, unmount: async () => { events.push('undo mount'); return 'unmounted' as const; } };
      },
    },
    startUserProcess: async (launch) => {
      step('startUserProcess');
      events.push(`user env FROM_POD=${launch.env.FROM_POD}`);
      userEnv = launch.env;
      return { exited: Promise.resolve(7), signal: () => undefined, stop: async () => 7 };
    },
    generateKey: () => ({ privateKey: 'private', publicKey: 'ssh-ed25519 AAAA fake' }),
    journalDir: o.journalDir ?? mkdtempSync(path.join(os.tmpdir(), 'tp-journal-')),
    hostRepairers: o.hostRepairers ?? [],
    readRoutes: async () => {
      events.push('readRoutes');
      return o.routes ?? [];
    },
  };
  const logfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'tp-log-')), 'telepresence.log');
  const argv = o.argv ?? ['-m', 'inject-tcp', '--run', 'true'];
  const options = resolveSessionOptions(createSessionParser('0.0.0').parse_args([...argv, '--logfile', logfile]));
  let stderr = '';
  const terminal = { stdout: () => undefined, stderr: (t: string) => { stderr += t; } };
  try {
    const code = await runSession(options, o.config ?? defaultConfig(), terminal, { PATH: process.env.PATH }, deps);
    return { code, error: null, stderr, events, journalDir: deps.journalDir, userEnv, podEnv, pinned };
  } catch (err) {
    return { code: null, error: (err as Error).message, stderr, events, journalDir: deps.journalDir, userEnv, podEnv, pinned };
  }
}
