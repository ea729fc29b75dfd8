// The host-access topology from a test's side: bringing it up and down with the cluster CLI, running a
// command (the real telepresence) inside netns tp-ws, and reading the topology's query logs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { execa } from 'execa';

import { HOST_ACCESS, stateDir, statePaths } from '../../cluster/state.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cluster/cli.js');
export const DNS_ASK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'dns-ask.js');
export const WS = HOST_ACCESS.netns;

/** `npm run cluster -- ARGS`; throws with its output when it fails. Returns stdout and how long it took. */
export async function clusterCli(args: readonly string[]): Promise<{ stdout: string; seconds: number }> {
  const started = Date.now();
  const r = await execa(process.execPath, [CLI, ...args], { reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`npm run cluster -- ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.all}`);
  return { stdout: String(r.stdout), seconds: (Date.now() - started) / 1000 };
}

/** `ip ARGS` (e.g. `-n tp-ws route get 1.1.1.1`): its exit code and output. */
export async function ip(args: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa('ip', [...args], { reject: false });
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * Runs `argv` inside tp-ws with the topology's kubeconfig. /var/lib/telepresence (the resolver backup) is a
 * directory of the test there, bind-mounted in the private mount namespace `ip netns exec` makes, so a
 * session on the host at the same time is not taken for this one's (and the other way round).
 */
export async function inWorkstation(argv: readonly string[], dir: string, env: NodeJS.ProcessEnv = {}): Promise<{ exitCode: number; stdout: string; stderr: string; seconds: number }> {
  const state = path.join(dir, 'var-lib-telepresence');
  fs.mkdirSync(state, { recursive: true });
  fs.mkdirSync('/var/lib/telepresence', { recursive: true });
  const started = Date.now();
  const r = await execa('ip', ['netns', 'exec', WS, 'sh', '-c', 'mount --bind "$0" /var/lib/telepresence && exec "$@"', state, ...argv], {
    reject: false, stdin: 'ignore',
    env: { ...process.env, KUBECONFIG: statePaths().hostAccessKubeconfig, XDG_CACHE_HOME: path.join(dir, 'cache'), ...env },
  });
  return { exitCode: r.exitCode ?? 128, stdout: String(r.stdout), stderr: String(r.stderr), seconds: (Date.now() - started) / 1000 };
}

/** Lines of a log of the state directory (host-dns-relay, ws-resolver, cluster-dns) that contain `text`. */
export function logLines(name: string, text: string): string[] {
  const file = path.join(stateDir(), `${name}.log`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes(text)) : [];
}
