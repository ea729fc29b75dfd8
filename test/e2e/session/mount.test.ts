// The pod's volumes on the workstation against the local cluster: a swapped Deployment with a configMap,
// a secret, an emptyDir and a downwardAPI labels file is read through $TELEPRESENCE_ROOT (the service
// account token too), a file written here is read by `kubectl exec` in the pod and one written there is
// read here; $TELEPRESENCE_MOUNTS lists the volumes; --mount PATH mounts there; no FUSE mount of a session
// is left after a normal exit, SIGTERM and (with the next run) SIGKILL; without sshfs one warning.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from '../helpers/cluster.js';
import { ECHO_IMAGE } from '../helpers/pods.js';
import { ensureProxyImage } from '../helpers/proxy-image.js';
import { useSharedFixture } from '../helpers/shared-fixture.js';
import { launchedSession, telepresence, tmpDir } from './run.js';

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

function volumesDeployment(name: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: name } },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, tier: 'vol' } }, spec: {
      containers: [{ name: 'app', image: ECHO_IMAGE, imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }], volumeMounts: [
        { name: 'config', mountPath: '/etc/config' }, { name: 'creds', mountPath: '/etc/creds' },
        { name: 'scratch', mountPath: '/scratch' }, { name: 'podinfo', mountPath: '/etc/podinfo' },
      ] }],
      volumes: [
        { name: 'config', configMap: { name: 'app-config' } }, { name: 'creds', secret: { secretName: 'app-creds' } },
        { name: 'scratch', emptyDir: {} },
        { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      ] } } },
  });
}

/** The sshfs mounts of this machine (`findmnt -t fuse.sshfs`), as `SOURCE TARGET` lines. */
async function sshfsMounts(): Promise<string[]> {
  const r = await execa('findmnt', ['-t', 'fuse.sshfs', '-n', '-o', 'SOURCE,TARGET'], { reject: false });
  return String(r.stdout).split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter(Boolean);
}

const sessionMounts = async (sessionId: string) => (await sshfsMounts()).filter((l) => l.startsWith(`telepresence-${sessionId} `));

/** A PATH with everything of ours but sshfs. */
function pathWithoutSshfs(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const d of (process.env.PATH ?? '').split(':').filter(Boolean).reverse()) {
    let names: string[] = [];
    try { names = fs.readdirSync(d); } catch { continue; }
    for (const n of names) {
      if (n === 'sshfs') continue;
      fs.rmSync(path.join(bin, n), { force: true });
      fs.symlinkSync(path.join(d, n), path.join(bin, n));
    }
  }
  return bin;
}

describe('the pod volumes on the workstation (e2e, --swap-deployment, inject-tcp)', function () {
  this.timeout(300_000);
  const fx = useSharedFixture('tp-e2e-mount');
  const args = (dir: string) => ['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log'), '--swap-deployment', 'vol'];
  const homeEnv = (home: string) => ({ HOME: home, XDG_CACHE_HOME: path.join(home, 'cache') });
  const journalOf = (home: string) => {
    const dir = path.join(home, 'cache', 'telepresence', 'sessions');
    const [name] = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
    return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { pid: number; sessionId: string };
  };

  before(async function () {
    this.timeout(600_000);
    await ensureProxyImage();
    await fx.kubectl(['create', 'configmap', 'app-config', '--from-literal=greeting=hello from the configmap']);
    await fx.kubectl(['create', 'secret', 'generic', 'app-creds', '--from-literal=password=s3cret']);
    await fx.kubectl(['apply', '-f', '-'], volumesDeployment('vol'));
    await fx.kubectl(['rollout', 'status', 'deployment/vol', '--timeout=120s']);
  });

  it('reads the configMap, secret, downwardAPI and token files, writes the emptyDir both ways, lists the mounts; none left after exit', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const envJson = path.join(dir, 'env.json');
    const R = '$TELEPRESENCE_ROOT';
    const script = [
      `exec > ${out} 2>&1`,
      `echo "root=${R}"`, 'echo "mounts=$TELEPRESENCE_MOUNTS"', 'echo "pod=$TELEPRESENCE_POD"',
      `cat ${R}/etc/config/greeting; echo`, `cat ${R}/etc/creds/password; echo`, `grep tier ${R}/etc/podinfo/labels`,
      `test -s ${R}${SA}/token && echo token-readable`,
      `findmnt -n -o SOURCE,FSTYPE --target ${R}`,
      `echo from-the-workstation > ${R}/scratch/here`,
      // The test writes /scratch/there in the pod once it read ours.
      `for i in $(seq 100); do [ -e ${R}/scratch/there ] && break; sleep 0.2; done; cat ${R}/scratch/there`,
      // As under sudo (SUDO_UID 65534): the invoking user reads the mount, another user does not.
      `setpriv --reuid 65534 --regid 65534 --clear-groups cat ${R}/etc/config/greeting 2>/dev/null; echo`,
      `setpriv --reuid 1234 --regid 1234 --clear-groups ls ${R} >/dev/null 2>&1 && echo other-reads || echo other-refused`,
    ].join('\n');
    const { child } = await launchedSession([...args(dir), '--env-json', envJson, '--run', 'sh', '-c', script], { SUDO_UID: '65534', SUDO_GID: '65534' });
    const pod = await waitFor('the pod name', 30_000, () => /^pod=(\S+)$/m.exec(fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '')?.[1]);
    const ours = await waitFor('the file written here, in the pod', 30_000, async () => {
      const r = await execa('kubectl', ['--kubeconfig', fx.kubeconfig, '-n', fx.namespace, 'exec', pod, '--', 'cat', '/scratch/here'], { reject: false });
      return r.exitCode === 0 ? String(r.stdout) : undefined;
    });
    expect(ours).to.equal('from-the-workstation');
    await fx.kubectl(['exec', pod, '--', 'sh', '-c', 'echo from-the-pod > /scratch/there']);
    const r = await child;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    const root = lines[0].slice('root='.length);
    expect(root).to.match(/^\/tmp\/tel-\w{6}\/fs$/);
    expect(String(r.stderr)).to.contain(`T: Volumes are rooted at $TELEPRESENCE_ROOT (${root}).`);
    const mounts = lines[1].slice('mounts='.length).split(':');
    expect(mounts).to.include.members(['/etc/config', '/etc/creds', '/scratch', '/etc/podinfo']);
    // /var/run is a link to /run in the image: the kernel names the token's mount by its real path.
    expect(mounts.filter((m) => m.endsWith('/secrets/kubernetes.io/serviceaccount'))).to.have.length(1);
    expect(mounts.filter((m) => m === '/' || m.startsWith('/proc') || m.startsWith('/sys') || m.startsWith('/dev') || m === '/etc/hosts')).to.deep.equal([]);
    expect(lines.slice(3, 7)).to.deep.equal(['hello from the configmap', 's3cret', 'tier="vol"', 'token-readable']);
    const [source, fstype] = lines[7].split(/\s+/);
    expect([source.startsWith('telepresence-'), fstype]).to.deep.equal([true, 'fuse.sshfs']);
    expect(lines.slice(8)).to.deep.equal(['from-the-pod', 'hello from the configmap', 'other-refused']);
    const env = JSON.parse(fs.readFileSync(envJson, 'utf8')) as Record<string, string>;
    expect([env.TELEPRESENCE_ROOT, env.TELEPRESENCE_MOUNTS]).to.deep.equal([root, lines[1].slice('mounts='.length)]);
    expect(await sessionMounts(source.slice('telepresence-'.length))).to.deep.equal([]);
    expect(fs.existsSync(path.dirname(root))).to.equal(false);
  });

  it('--mount PATH mounts there; SIGTERM unmounts; a SIGKILLed session leaves no mount after the next run, which runs without sshfs with one warning', async () => {
    const home = tmpDir();
    const at = path.join(home, 'x');
    const { child } = await launchedSession([...args(home), '--mount', at, '--run', 'sleep', '300'], homeEnv(home));
    const { sessionId } = journalOf(home);
    expect(await sessionMounts(sessionId)).to.deep.equal([`telepresence-${sessionId} ${at}`]);
    expect(fs.readdirSync(path.join(at, 'etc', 'config'))).to.include('greeting');
    child.kill('SIGTERM');
    await child;
    expect(await sessionMounts(sessionId)).to.deep.equal([]);

    const pidFile = path.join(home, 'user.pid');
    const killed = await launchedSession([...args(home), '--run', 'sh', '-c', `echo $$ > ${pidFile}; exec sleep 301`], homeEnv(home));
    const dead = journalOf(home);
    expect(await sessionMounts(dead.sessionId)).to.have.length(1);
    process.kill(dead.pid, 'SIGKILL');
    process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
    await killed.child;

    // A new Deployment: the SIGKILLed swap is restored by this run (a re-swap of it is the swap tests' matter).
    const next = await telepresence(['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(home, 'tp.log'),
      '--new-deployment', `next-${dead.sessionId}`, '--run', 'sh', '-c', 'echo "root=[$TELEPRESENCE_ROOT]"'], { ...homeEnv(home), PATH: pathWithoutSshfs(home) });
    expect(next.exitCode, next.stderr).to.equal(0);
    expect(next.stdout).to.equal('root=[]');
    expect(await sessionMounts(dead.sessionId)).to.deep.equal([]);
    expect(next.stderr.split('\n').filter((l) => l.includes('volumes are not mounted'))).to.deep.equal([
      "Warning: the pod's volumes are not mounted ($TELEPRESENCE_ROOT is empty): sshfs is not on PATH; install the Debian package sshfs (apt-get install sshfs); --mount false silences this",
    ]);
  });
});
