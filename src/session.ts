// One run: config -> cluster -> proxy pod -> tunnel -> method -> user process, with one undo stack
// that is unwound on every exit path (normal exit, Ctrl-C, SIGTERM, SIGHUP, a lost connection).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { methodFor } from '../methods/registry.js';
import { whichCommand } from '../methods/preload-reach.js';
import type { Io } from './cli/io.js';
import type { SessionOptions } from './cli/options.js';
import type { Config } from './config/index.js';
import { clusterEnvironment, formatEnvFile, formatEnvJson } from './engine/env-files.js';
import { ClusterError, UnsupportedError, UsageError } from './errors.js';
import {
  connectToProxy, deleteSessionObjects, deployProxy, describeObjects, discoverSubnets, findLeftovers, resolveClusterTarget,
  watchNamespaces, SOCKS_PORT, DNS_PORT, type ClusterTarget,
} from './kube/index.js';
import { openLog, type Log } from './log.js';
import { readPodInfo } from './session/pod-info.js';
import { registryDir, SessionRegistry } from './session/registry.js';
import { SessionSignals } from './session/signals.js';
import { UndoStack } from './session/undo.js';
import { shellLaunch, UserProcess } from './session/user-process.js';
import { generateSessionKey } from './tunnel/session-key.js';
import { portForwardPattern } from './tunnel/port-forward.js';
import { LOST_CONNECTION_MESSAGE } from './tunnel/ssh.js';

/** ping and traceroute (not TCP): stubs that say so, first on every user process's PATH. */
const STUB_DIR = fileURLToPath(new URL('../../shim/stubs/all', import.meta.url));

/** The proxy image; TELEPRESENCE_PROXY_IMAGE overrides it (a registry build, or a test). */
export function proxyImage(env: NodeJS.ProcessEnv): string {
  return env.TELEPRESENCE_PROXY_IMAGE || 'telepresence/proxy:dev';
}

export async function runSession(options: SessionOptions, config: Config, io: Io, env = process.env): Promise<number> {
  const log = openLog(options.logfile);
  const method = methodFor(options.method);
  const unsupported = method.checkSupported() ?? unsupportedChoice(options);
  if (unsupported) throw new UnsupportedError(unsupported);
  if (options.run.kind === 'command' && !whichCommand(options.run.argv[0], env.PATH ?? '')) {
    throw new UsageError(`--run: command not found: ${options.run.argv[0]} (not on PATH)`);
  }
  log(`telepresence ${process.argv.slice(2).join(' ')}`);
  const undo = new UndoStack();
  const signals = new SessionSignals(log);
  const progress = (line: string) => { io.stderr(`T: ${line}\n`); log(line); };
  try {
    return await setUpAndRun(options, config, io, env, { log, undo, signals, progress, method });
  } catch (err) {
    if (signals.received) return signals.exitCode();
    throw err;
  } finally {
    signals.dispose();
    const failures = await undo.unwind(log);
    for (const f of failures) io.stderr(`telepresence: cleanup: ${f.step} failed: ${f.message}\n`);
  }
}

function unsupportedChoice(options: SessionOptions): string | null {
  if (options.deployment.kind !== 'new') {
    return `--${options.deployment.kind === 'swap' ? 'swap-deployment' : 'deployment'} is not available in this release yet; use --new-deployment`;
  }
  if (options.expose.length > 0) return '--expose is not available in this release yet';
  return null;
}

interface Steps {
  log: Log;
  undo: UndoStack;
  signals: SessionSignals;
  progress: (line: string) => void;
  method: ReturnType<typeof methodFor>;
}

async function setUpAndRun(options: SessionOptions, config: Config, io: Io, env: NodeJS.ProcessEnv, s: Steps): Promise<number> {
  const { log, undo, signals, progress, method } = s;
  const target = await resolveClusterTarget({
    context: options.context ?? undefined, namespace: options.namespace ?? undefined,
    timeoutMs: config.timeouts.clusterConnectMs, env,
  });
  signals.check();
  log(`context ${target.context}, namespace ${target.namespace}, server ${target.server}`);
  const registry = new SessionRegistry(registryDir(env));
  await repairLeftovers(registry, target, progress);
  const cluster = {
    context: target.context, namespace: target.namespace, apiServerIps: target.apiServerIps,
    discoverSubnets: () => discoverSubnets(target),
    watchNamespaces: (onChange: (names: readonly string[]) => void) => watchNamespaces(target, onChange, { log }),
  };
  await method.preflight?.({ log, undo, cluster, config, routing: options.routing });
  signals.check();
  const sessionId = randomBytes(6).toString('hex');
  const key = generateSessionKey(sessionId);
  const name = options.deployment.name;
  const forget = registry.add({
    sessionId, pid: process.pid, context: target.context, namespace: target.namespace, deployment: name, started: new Date().toISOString(),
  });
  undo.push(`forget session ${sessionId}`, async () => {
    // Kept while anything of the session is left, so that the next run removes it.
    const left = (await findLeftovers(target)).filter((o) => o.sessionId === sessionId);
    if (left.length > 0) throw new Error(`kept its record for the next run, which will remove ${describeObjects(left)}`);
    forget();
  });
  progress(`Starting proxy with method '${method.name}' in namespace ${target.namespace} (deployment ${name})`);
  const proxy = await deployProxy(target, {
    name, image: proxyImage(env), sessionId, publicKey: key.publicKey,
    serviceAccount: options.serviceAccount ?? undefined, signal: signals.abortSignal,
  }, progress, config.timeouts.proxyPodReadyMs);
  undo.push(`delete the proxy objects of session ${sessionId}`, proxy.undo);
  signals.check();

  const connection = await connectToProxy(target, proxy.podName, key, {
    portForwardMs: config.timeouts.portForwardMs, sshConnectMs: config.timeouts.sshConnectMs,
  });
  undo.push('close the SSH tunnel and the port-forward', () => connection.close());
  let lostReason: string | null = null;
  const lost = new Promise<void>((resolve) => {
    const onLost = (why: string) => { lostReason ??= why; resolve(); };
    connection.tunnel.once('lost', onLost);
    connection.portForward.once('exit', onLost);
  });
  signals.check();

  const podInfo = await readPodInfo(connection.tunnel);
  const clusterEnv = clusterEnvironment(podInfo.env, {
    pod: proxy.podName, container: 'telepresence', method: method.name,
    mounts: podInfo.mountpoints.join(':'), root: '',
  });
  writeEnvFiles(options, clusterEnv, io);

  const workDir = mkdtempSync(path.join(os.tmpdir(), 'telepresence-'));
  undo.push(`remove ${workDir}`, () => rmSync(workDir, { recursive: true, force: true }));
  await method.prepare({
    openPodStream: (host, port) => connection.tunnel.openStream(host, port),
    undo, log, warn: (line) => io.stderr(`${line}\n`), workDir,
    podPorts: { socks: SOCKS_PORT, dns: DNS_PORT }, readyTimeoutMs: config.timeouts.dnsReadyMs,
    cluster, config, routing: options.routing,
  });
  signals.check();

  const userEnv = { ...stringEnv(env), ...clusterEnv, PATH: `${STUB_DIR}:${env.PATH ?? ''}` };
  const launch = options.run.kind === 'command'
    ? { argv: [...options.run.argv], env: userEnv }
    : shellLaunch(target.context, userEnv);
  const userProcess = await UserProcess.start(method.wrap(launch));
  progress(`Setup complete. Launching your command.`);
  signals.forwardTo(userProcess);
  const outcome = await Promise.race([userProcess.exited.then((code) => ({ code })), lost.then(() => null)]);
  if (outcome === null) {
    log(`connection lost: ${lostReason}`);
    await userProcess.stop();
    throw new ClusterError(LOST_CONNECTION_MESSAGE);
  }
  log(`user process exited ${outcome.code}`);
  return outcome.code;
}

/** Removes what sessions of this workstation that died without cleaning up left in this cluster. */
async function repairLeftovers(registry: SessionRegistry, target: ClusterTarget, progress: (line: string) => void): Promise<void> {
  for (const { record, forget } of registry.dead()) {
    if (record.context !== target.context) continue;
    const where = { ...target, namespace: record.namespace };
    const left = (await findLeftovers(where)).filter((o) => o.sessionId === record.sessionId);
    // Its `kubectl port-forward` outlived it: stop that first.
    await execa('pkill', ['-f', portForwardPattern(`pod/${record.deployment}-`)], { reject: false });
    if (left.length > 0) {
      await deleteSessionObjects(where, record.sessionId);
      progress(`Repaired: removed what an earlier session (pid ${record.pid}, started ${record.started}) left in namespace ${record.namespace}: ${describeObjects(left)}`);
    }
    forget();
  }
}

function writeEnvFiles(options: SessionOptions, env: Record<string, string>, io: Io): void {
  if (options.envJson) writeFileSync(options.envJson, formatEnvJson(env));
  if (options.envFile) {
    const { text, skipped } = formatEnvFile(env);
    writeFileSync(options.envFile, text);
    if (skipped.length > 0) {
      io.stderr(`Warning: these variables have newlines in their values and were left out of ${options.envFile}: ${skipped.join(', ')}\n`);
    }
  }
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
