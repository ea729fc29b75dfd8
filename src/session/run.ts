// One run of a session, as its list of steps: check the request, find the cluster, repair what dead
// sessions left, check the proxy operation, journal, method preflight, proxy pod, tunnel, the --proxy-via
// relays, the pod's volumes, environment, method set-up, user process. One undo stack is unwound on every exit path (normal exit, Ctrl-C,
// SIGTERM, SIGHUP, a lost connection); what must survive a SIGKILL is in the journal.
import { randomBytes } from 'node:crypto';
import type { Config, SessionOptions } from '../config/index.js';
import { setCommandLog } from '../host/command.js';
import type { Cluster, ProxyOperation, ProxyPod } from '../kube/index.js';
import { openLog } from '../log.js';
import type { SessionKey } from '../tunnel/session-key.js';
import type { Method } from '../../methods/method.js';
import { connectToPod } from './connect.js';
import { defaultDeps } from './deps.js';
import { podEnvironment, startPodInfo } from './environment.js';
import { exposeInbound } from './inbound.js';
import { mountVolumes } from './mount.js';
import { SessionJournal } from './journal.js';
import { launchUserProcess } from './launch.js';
import { decideLocalCluster } from './local-cluster.js';
import { preflightMethod, prepareMethod } from './method.js';
import { startProxy } from './proxy.js';
import { startProxyViaRelays } from './proxy-via.js';
import { repairDeadSessions, repairExpiredSwaps } from './repair.js';
import { checkRequest } from './request.js';
import type { PodConnection, Session, SessionDeps, Terminal } from './session.js';
import { SessionSignals } from './signals.js';
import { UndoStack } from './undo.js';

export async function runSession(options: SessionOptions, config: Config, terminal: Terminal, env = process.env, deps: SessionDeps = defaultDeps(env)): Promise<number> {
  const log = openLog(options.logfile, { verbose: options.verbose });
  const restoreCommandLog = setCommandLog(log);
  const s: Session = {
    options, config, env, terminal, deps, log, undo: new UndoStack(), signals: new SessionSignals(log),
    progress: (line) => { terminal.stderr(`T: ${line}\n`); log(line); },
    warn: (line) => { terminal.stderr(`${line}\n`); log(line); },
  };
  try {
    return await steps(s);
  } catch (err) {
    if (s.signals.received) return s.signals.exitCode();
    throw err;
  } finally {
    s.signals.dispose();
    for (const f of await s.undo.unwind(log)) terminal.stderr(`telepresence: cleanup: ${f.step} failed: ${f.message}\n`);
    restoreCommandLog();
  }
}

async function steps(s: Session): Promise<number> {
  const method = checkRequest(s);
  s.log(`telepresence ${process.argv.slice(2).join(' ')}`);
  const { context, namespace } = s.options;
  const cluster = await s.deps.openCluster({
    context: context ?? undefined, namespace: namespace ?? undefined, timeoutMs: s.config.timeouts.clusterConnectMs, env: s.env, log: s.log,
  });
  s.signals.check();
  s.log(`context ${cluster.context}, namespace ${cluster.namespace}, server ${cluster.server}`);
  await repairDeadSessions(s, cluster);
  await repairExpiredSwaps(s, cluster);
  const operation = cluster.operation(s.options.deployment, { swapLeaseMs: s.config.timeouts.swapLeaseMs });
  await operation.check();
  const sessionId = randomBytes(6).toString('hex');
  const journal = openJournal(s, sessionId, cluster.context, cluster.namespace, operation.deployment, method.name);
  await preflightMethod(s, method, cluster, journal);
  const local = await decideLocalCluster(s, cluster, s.deps.readRoutes);
  const key = s.deps.generateKey(sessionId);
  const { pod, connection } = await proxyAndTunnel(s, cluster, operation, method, sessionId, key, journal, local?.podEnv);
  // podinfo (an exec over SSH, a node start in the pod) runs while the relays start and the volumes mount.
  const info = startPodInfo(s, connection, pod);
  const relays = await startProxyViaRelays(s, cluster, connection, sessionId, journal);
  const root = await mountVolumes(s, connection, sessionId, journal);
  const podView = await podEnvironment(s, connection, pod, method, root, info);
  await prepareMethod(s, method, cluster, connection, journal, sessionId, podView, relays);
  await exposeInbound(s, connection, pod.automaticPorts ?? [], method.inbound);
  return launchUserProcess(s, method, podView.env, connection, cluster.context);
}

/**
 * The proxy pod and the tunnel to it. An operation that names its pod before it is prepared (--deployment: one
 * exec) gets the tunnel's port-forward and SSH key exchange started meanwhile; both are awaited, so that what
 * failed first is what the session reports, with nothing left running (openLeg stops its port-forward).
 */
async function proxyAndTunnel(s: Session, cluster: Cluster, operation: ProxyOperation, method: Method, sessionId: string, key: SessionKey,
  journal: SessionJournal, podEnv?: Readonly<Record<string, string>>): Promise<{ pod: ProxyPod; connection: PodConnection }> {
  let chosen: (podName: string) => void = () => undefined;
  const named = new Promise<string>((resolve) => { chosen = resolve; });
  const podPromise = startProxy(s, operation, method, sessionId, key, journal, cluster.namespace, podEnv, (name) => chosen(name));
  // Set before the race below hears of the pod (callbacks run in the order they were added).
  let known: ProxyPod | undefined;
  podPromise.then((p) => { known = p; }, () => undefined);
  const early = Promise.race([named, podPromise.then((p) => p.podName)])
    .then((name) => connectToPod(s, cluster, name, known ?? podPromise, key, journal));
  const [podResult, connectionResult] = await Promise.allSettled([podPromise, early]);
  if (podResult.status === 'rejected') throw podResult.reason;
  if (connectionResult.status === 'rejected') throw connectionResult.reason;
  return { pod: podResult.value, connection: connectionResult.value };
}

/** The journal exists from here on; at the end it is removed once every change in it was undone. */
function openJournal(s: Session, sessionId: string, context: string, namespace: string, deployment: string, method: string): SessionJournal {
  const journal = SessionJournal.open(s.deps.journalDir, {
    sessionId, pid: process.pid, context, namespace, deployment, started: new Date().toISOString(),
    method, operation: s.options.deployment.kind,
  });
  s.undo.push(`close the journal of session ${sessionId}`, () => {
    if (!journal.close()) {
      throw new Error(`kept its journal for the next run, which will repair: ${journal.pending.map((e) => e.kind).join(', ')}`);
    }
  });
  return journal;
}
