// Debian's sshuttle through the same transport as telepresence: `kubectl port-forward` to sshd (8022)
// in a proxy pod whose bench image adds python3 (proxy-python/). sshuttle (root) redirects with
// iptables nat rules that it removes at exit; this checks that the nat table is as before.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { must, startUntil, type Background } from './procs.js';

export const PYTHON_PROXY_IMAGE = 'telepresence/proxy-python:bench';

/** The nat table without counters, to compare before and after. */
export function natRules(): string {
  return must('iptables', ['-t', 'nat', '-S']);
}

export interface Sshuttle {
  /** sshuttle's own process (its ssh and firewall helper are its descendants) and the kubectl port-forward. */
  readonly pids: { sshuttle: number; kubectl: number };
  stop(): Promise<void>;
}

/**
 * Deploys pod `name` (the python3 proxy image), forwards a local port to its 8022 and starts sshuttle
 * for `subnets`. The host's guard routes (`unreachable`) would fail a connect before the nat OUTPUT
 * hook sees it, so each subnet gets a loopback route (lower metric) while sshuttle runs: a packet that
 * sshuttle did not redirect dies on lo, it never leaves the machine.
 */
export async function startSshuttle(env: NodeJS.ProcessEnv, namespace: string, name: string, subnets: string[], flags: string[] = []): Promise<Sshuttle> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-ssh-'));
  const undo: (() => Promise<void> | void)[] = [() => fs.rmSync(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    const errors: string[] = [];
    for (const u of undo.reverse()) {
      try {
        await u();
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    undo.length = 0;
    if (errors.length) throw new Error(`sshuttle teardown: ${errors.join('; ')}`);
  };
  try {
    const key = path.join(dir, 'id_ed25519');
    must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tp-bench', '-f', key]);
    const pub = fs.readFileSync(`${key}.pub`, 'utf8').trim();
    must('kubectl', ['-n', namespace, 'apply', '-f', '-'], { env, input: JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
      spec: { containers: [{ name: 'proxy', image: PYTHON_PROXY_IMAGE, imagePullPolicy: 'Never',
        env: [{ name: 'TELEPRESENCE_SSH_PUBKEY', value: pub }],
        readinessProbe: { tcpSocket: { port: 8022 }, periodSeconds: 1 } }] },
    }) });
    must('kubectl', ['-n', namespace, 'wait', '--for=condition=Ready', `pod/${name}`, '--timeout=90s'], { env });
    const pf: Background = await startUntil('kubectl', ['-n', namespace, 'port-forward', `pod/${name}`, ':8022'],
      /Forwarding from 127\.0\.0\.1:\d+ -> 8022/, env);
    undo.push(() => pf.stop());
    const port = /127\.0\.0\.1:(\d+) -> 8022/.exec(pf.output())![1];

    for (const subnet of subnets) {
      must('ip', ['route', 'add', subnet, 'dev', 'lo', 'metric', '100']);
      undo.push(() => void must('ip', ['route', 'del', subnet, 'dev', 'lo', 'metric', '100']));
    }
    const sshCmd = `ssh -i ${key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
    const natBefore = natRules();
    // Checked after sshuttle stops (pushed before it, so it runs after its stop).
    undo.push(() => {
      const after = natRules();
      if (after !== natBefore) throw new Error(`iptables nat table differs after sshuttle:\nbefore:\n${natBefore}\nafter:\n${after}`);
    });
    const sshuttle = await startUntil('sshuttle', ['-r', `telepresence@127.0.0.1:${port}`, '-e', sshCmd, ...flags, ...subnets],
      /Connected to server/, env, 60_000);
    undo.push(() => sshuttle.stop());
    return { pids: { sshuttle: sshuttle.proc.pid!, kubectl: pf.proc.pid! }, stop };
  } catch (err) {
    await stop().catch((e: Error) => console.error(e.message));
    throw err;
  }
}
