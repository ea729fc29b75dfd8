// The container method against the local cluster: the user's container reaches Services by name and
// IP through the VIF in the sidecar's network namespace while the host keeps its guard routes (and
// beside a staged VPN: no conflict, no VNAT); it has the pod's environment and hostname; -p, --expose
// with a swap, --container-to-host, -it and the exit code work; both containers are gone and the host is
// as before after a normal exit, SIGTERM, and a SIGKILL followed by the next run.
import { expect } from 'chai';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pty from 'node-pty';
import { execa } from 'execa';
import { waitFor } from '../helpers/cluster.js';
import { ECHO_IMAGE, runScript, TOOLS_IMAGE } from '../helpers/pods.js';
import { echoService, labelledTelepresence } from '../kube/fixtures.js';
import { freePort } from '../../helpers/ports.js';
import { ensureProxyImage } from '../helpers/proxy-image.js';
import { useSharedFixture } from '../helpers/shared-fixture.js';
import { hostState, routeGet, useStagedVpn, type HostState } from './host-state.js';
import { BIN, launchedSession, telepresence, tmpDir } from './run.js';

const LABEL = 'telepresence.io/session';

/** Containers of any telepresence session on the engine (running or not). */
async function sessionContainers(): Promise<string[]> {
  const r = await execa('docker', ['ps', '-a', '--filter', `label=${LABEL}`, '--format', '{{.Names}}']);
  return String(r.stdout).split('\n').filter(Boolean);
}

describe('the container method: --docker-run (e2e, root, real Docker engine and TUN)', function () {
  this.timeout(240_000);
  // One namespace for the suite (one echo Service), a fresh directory and host state per test.
  const fx = useSharedFixture('tp-e2e-ct');
  let dir = '';
  let initial: HostState;
  const host = { dir: () => dir, recapture: async () => { initial = await hostState(); } };
  const base = () => ['--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log')];
  async function expectClean(): Promise<void> {
    expect(await sessionContainers()).to.deep.equal([]);
    expect(await hostState()).to.deep.equal(initial);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  }

  let echo: { podIp: string; clusterIp: string };
  before(async function () {
    this.timeout(600_000);
    await ensureProxyImage();
    echo = await echoService(fx, 'echo');
  });
  beforeEach(async () => {
    dir = tmpDir();
    initial = await hostState();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reaches a Service by name, FQDN and ClusterIP with the pod env, hostname and volumes (--docker-mount), while the host keeps its guard route; exit code passed on', async () => {
    const dir = host.dir();
    const go = path.join(dir, 'go');
    const script = [
      'curl -sS --max-time 20 http://echo:8080/short; echo',
      `curl -sS --max-time 20 http://echo.${fx.namespace}.svc.cluster.local:8080/fqdn; echo`,
      `curl -sS --max-time 20 http://${echo.clusterIp}:8080/ip; echo`,
      'echo "host=$(hostname) env=$ECHO_SERVICE_HOST method=$TELEPRESENCE_METHOD pod=$TELEPRESENCE_POD"',
      // --docker-mount: the pod's root at /pod (its /etc/hostname and service account token namespace file).
      'echo "root=$TELEPRESENCE_ROOT hostname-file=$(cat /pod/etc/hostname) sa=$(cat /pod/var/run/secrets/kubernetes.io/serviceaccount/namespace)"',
      'touch /x/asked; i=0; while [ ! -e /x/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done',
      'exit 7',
    ].join('\n');
    const { child } = await launchedSession([...base(), '--docker-mount', '/pod', '--docker-run', '--rm', '-v', `${dir}:/x`, ECHO_IMAGE, 'sh', '-c', script]);
    try {
      await waitFor('the container to ask', 60_000, async () => (fs.existsSync(path.join(dir, 'asked')) ? true : undefined));
      // During the session: the host still sends the ClusterIP to its guard route (unreachable), no TUN of ours on it.
      expect(await routeGet(echo.clusterIp)).to.equal('RTNETLINK answers: No route to host');
      expect(await sessionContainers()).to.have.length(2);
    } finally {
      fs.writeFileSync(go, '');
    }
    const r = await child;
    expect(r.exitCode, String(r.stderr)).to.equal(7);
    const lines = String(r.stdout).trim().split('\n');
    expect(lines.slice(0, 3).map((l) => (JSON.parse(l) as { path: string }).path)).to.deep.equal(['/short', '/fqdn', '/ip']);
    const pod = /^T: Pod (\S+) is ready/m.exec(String(r.stderr))?.[1];
    expect(lines[3]).to.equal(`host=${pod} env=${echo.clusterIp} method=container pod=${pod}`);
    expect(lines[4]).to.equal(`root=/pod hostname-file=${pod} sa=${fx.namespace}`);
    await expectClean();
  });

  describe('beside a VPN that routes 10.0.0.0/8 on the host', () => {
    useStagedVpn('tpvpnct', '10.0.0.1/8', host.recapture);

    it('with autoResolveConflicts: false there is no conflict and no VNAT: the container reaches the ClusterIP itself', async () => {
      const config = path.join(host.dir(), 'config.yml');
      fs.writeFileSync(config, 'routing:\n  autoResolveConflicts: false\n');
      const r = await telepresence([...base(), '--config', config, '--docker-run', '--rm', ECHO_IMAGE, 'sh', '-c',
        'curl -sS --max-time 20 http://echo:8080/vpn; echo; getent hosts echo; echo "env=$ECHO_SERVICE_HOST"']);
      expect(r.exitCode, r.stderr).to.equal(0);
      const [body, hosts, env] = r.stdout.trim().split('\n');
      expect((JSON.parse(body) as { path: string }).path).to.equal('/vpn');
      expect(hosts.split(/\s+/)[0]).to.equal(echo.clusterIp);
      expect(env).to.equal(`env=${echo.clusterIp}`);
      expect(fs.readFileSync(path.join(host.dir(), 'tp.log'), 'utf8')).to.not.match(/conflicts with/);
      // On the host the VPN keeps 10/8 and the guard route keeps the cluster's subnets.
      expect(await routeGet('10.1.2.3')).to.match(/ dev tpvpnct /);
      expect(await routeGet(echo.clusterIp)).to.equal('RTNETLINK answers: No route to host');
      await expectClean();
    });
  });

  it('-p 18080:80 reaches the user container from the host; --container-to-host reaches a server here', async () => {
    const hostPort = await freePort();
    const server = http.createServer((_q, res) => res.end('from-the-host'));
    await new Promise<void>((resolve) => server.listen(hostPort, '127.0.0.1', resolve));
    const dir = host.dir();
    try {
      const script = `curl -sS --max-time 20 http://localhost:9229/ > /x/to-host; PORT=80 exec node /srv/echo/server.js`;
      const { child } = await launchedSession([...base(), '--container-to-host', `9229:${hostPort}`,
        '--docker-run', '--rm', '-p', '18080:80', '-v', `${dir}:/x`, ECHO_IMAGE, 'sh', '-c', script]);
      try {
        const body = await waitFor('the published port to answer', 60_000, async () => {
          const r = await execa('curl', ['-sS', '--max-time', '5', 'http://127.0.0.1:18080/published'], { reject: false });
          return r.exitCode === 0 ? String(r.stdout) : undefined;
        });
        expect((JSON.parse(body) as { path: string }).path).to.equal('/published');
        expect(fs.readFileSync(path.join(dir, 'to-host'), 'utf8')).to.equal('from-the-host');
        // The session publishes on the loopback only.
        const listening = String((await execa('ss', ['-Hltn', 'sport = :18080'])).stdout);
        expect(listening.trim().split(/\s+/)[3]).to.equal('127.0.0.1:18080');
      } finally {
        child.kill('SIGTERM');
      }
      // The echo server exits 0 on SIGTERM (docker passes the signal on): that is the session's exit code.
      const r = await child;
      expect(r.exitCode, String(r.stderr)).to.equal(0);
    } finally {
      server.close();
    }
    await expectClean();
  });

  it('--swap-deployment with --expose: a request from another pod reaches the server in the user container', async () => {
    await fx.kubectl(['create', 'deployment', 'web', `--image=${ECHO_IMAGE}`, '--port=8080']);
    await fx.kubectl(['expose', 'deployment', 'web', '--port=8080']);
    await fx.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    const { child } = await launchedSession([...base(), '--swap-deployment', 'web', '--expose', '8080',
      '--docker-run', '--rm', '-e', 'POD_NAME=in-the-container', ECHO_IMAGE]);
    try {
      const answer = await runScript(fx, 'ct-client',
        'for i in $(seq 60); do a=$(curl -sS --max-time 5 http://web:8080/inbound); case "$a" in *in-the-container*) echo "$a"; break;; esac; sleep 1; done');
      expect((JSON.parse(answer.trim().split('\n').at(-1)!) as { pod: string; path: string })).to.include({ pod: 'in-the-container', path: '/inbound' });
    } finally {
      child.kill('SIGTERM');
    }
    expect((await child).exitCode).to.equal(0);
    await waitFor('Deployment web restored', 60_000, async () =>
      ((await fx.apps.readNamespacedDeployment({ name: 'web', namespace: fx.namespace })).spec?.replicas === 1 ? true : undefined));
    await expectClean();
  });

  it('-it runs with the terminal (node-pty): a command, then the shell exit code', async () => {
    const term = pty.spawn(BIN, [...base(), '--docker-run', '-it', '--rm', TOOLS_IMAGE, 'sh'], { cols: 120, rows: 30, env: process.env as Record<string, string> });
    let screen = '';
    term.onData((d) => { screen += d; });
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    await waitFor('the container shell', 120_000, async () => (screen.includes('Setup complete') && /# $/m.test(screen) ? true : undefined));
    term.write('echo "tty=$(tty) sum=$((40+2))"\r');
    await waitFor('the answer', 30_000, async () => (/tty=\/dev\/pts\/\d+ sum=42/.test(screen) ? true : undefined));
    term.write('exit 4\r');
    expect(await exited).to.equal(4);
    await expectClean();
  });

  it('an engine that is not running (--docker-host) is one line with the fix, before anything is created', async () => {
    const sock = path.join(dir, 'no-engine.sock');
    const r = await telepresence([...base(), '--docker-host', `unix://${sock}`, '--docker-run', '--rm', TOOLS_IMAGE, 'true']);
    expect(r.exitCode).to.equal(255);
    expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('T: '))).to.deep.equal([
      `telepresence: error: the Docker engine at unix://${sock} is not running (Cannot connect to the Docker daemon at unix://${sock}. Is the docker daemon running?): ` +
      'start it (systemctl start docker, or dockerd &), or point DOCKER_HOST at a running one',
    ]);
    await expectClean();
  });

  it('after a SIGKILL the next run removes both containers and says so', async () => {
    const { child } = await launchedSession([...base(), '--docker-run', '--rm', TOOLS_IMAGE, 'sleep', '304']);
    // "Setup complete" comes as docker run starts: wait until the user's container exists too.
    const left = await waitFor('both containers', 30_000, async () => {
      const names = await sessionContainers();
      return names.length === 2 ? names : undefined;
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const node = await execa('pgrep', ['-f', 'entry.js -- .*--docker-run --rm telepresence-test/tools:dev sleep 304']);
    await execa('kill', ['-KILL', ...String(node.stdout).split('\n')]);
    await exited;
    // The orphaned docker CLI keeps the session's output open until its container goes: awaited after the next run.
    const next = await telepresence([...base(), '--docker-run', '--rm', TOOLS_IMAGE, 'true']);
    await child.catch(() => undefined);
    expect(next.exitCode, next.stderr).to.equal(0);
    expect(next.stderr).to.contain(`Repaired: removed the containers of an earlier session (pid ${String(node.stdout).trim()}): ${left.sort().join(', ')}`);
    await expectClean();
  });
});
