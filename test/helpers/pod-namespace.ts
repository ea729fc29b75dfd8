// Runs a fixture program in a pod-like namespace: its own network (lo only) and private mounts of the
// resolv.conf and hosts a kubelet writes for a pod of namespace ns1; the host's files are untouched.
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs `node fixture` under `unshare -n -m` with a pod's resolv.conf (namespace ns1) and hosts; resolves to its stdout. */
export async function runInPodNamespace(fixture: string, tmpPrefix: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  try {
    // What the kubelet writes into a pod of namespace ns1.
    fs.writeFileSync(path.join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\nsearch ns1.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
    fs.writeFileSync(path.join(dir, 'hosts'), '127.0.0.1 localhost\n');
    // Private mounts (unshare's default propagation): the host's files are untouched.
    const script = `ip link set lo up && mount --bind '${dir}/resolv.conf' /etc/resolv.conf && mount --bind '${dir}/hosts' /etc/hosts && exec "$0" "$@"`;
    const r = await execa('unshare', ['-n', '-m', 'sh', '-c', script, process.execPath, fixture]);
    return r.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
