// Issue 4's end-to-end proof: real sessions with --method inject-tcp against the local cluster
// (real kubectl, sshd in the proxy pod, torsocks), their outputs, exit codes and cleanup.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import pty from 'node-pty';
import { useCluster, waitFor } from '../helpers/cluster.js';
import { ensureProxyImage } from '../helpers/proxy-image.js';
import { closedPort, echoService, editedKubeconfig, labelledTelepresence } from '../kube/fixtures.js';
import { BIN, errorLines, launchedSession, telepresence, tmpDir } from './run.js';

describe('inject-tcp sessions (e2e)', function () {
  this.timeout(180_000);
  const fx = useCluster();
  let dir: string;

  before(async function () {
    this.timeout(600_000);
    await ensureProxyImage();
  });
  beforeEach(() => { dir = tmpDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const base = () => ['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log')];

  it('reaches a Service by short name, name.namespace, FQDN and ClusterIP, and a pod by IP', async () => {
    const { podIp, clusterIp } = await echoService(fx, 'echo');
    const ns = fx.namespace;
    const urls = [`http://echo:8080/a`, `http://echo.${ns}:8080/b`, `http://echo.${ns}.svc.cluster.local:8080/c`,
      `http://${clusterIp}:8080/d`, `http://${podIp}:8080/e`];
    const script = urls.map((u) => `curl -sS --max-time 20 ${u}; echo`).join('; ');
    const r = await telepresence([...base(), '--run', 'sh', '-c', script]);
    expect(r.exitCode, r.stderr).to.equal(0);
    const bodies = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { path: string; pod: string });
    expect(bodies.map((b) => b.path)).to.deep.equal(['/a', '/b', '/c', '/d', '/e']);
    for (const b of bodies) expect(b.pod).to.equal('echo');
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });

  it('gives the process the pod environment and writes --env-json and --env-file', async () => {
    await echoService(fx, 'echo');
    const json = path.join(dir, 'env.json');
    const file = path.join(dir, 'env.txt');
    const r = await telepresence([...base(), '--env-json', json, '--env-file', file,
      '--run', 'sh', '-c', 'echo "host=$ECHO_SERVICE_HOST method=$TELEPRESENCE_METHOD pod=$TELEPRESENCE_POD"']);
    expect(r.exitCode, r.stderr).to.equal(0);
    const env = JSON.parse(fs.readFileSync(json, 'utf8')) as Record<string, string>;
    expect(env.ECHO_SERVICE_HOST).to.match(/^10\.130\.\d+\.\d+$/);
    expect(r.stdout.trim()).to.equal(`host=${env.ECHO_SERVICE_HOST} method=inject-tcp pod=${env.TELEPRESENCE_POD}`);
    expect(Object.keys(env)).to.deep.equal(Object.keys(env).sort());
    expect(env).to.not.have.property('HOME');
    expect(fs.readFileSync(file, 'utf8')).to.contain(`ECHO_SERVICE_HOST=${env.ECHO_SERVICE_HOST}\n`);
  });

  it("exits with the command's own exit code", async () => {
    const r = await telepresence([...base(), '--run', 'sh', '-c', 'exit 7']);
    expect(r.exitCode, r.stderr).to.equal(7);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });

  it('cleans up the cluster and its processes after SIGTERM', async () => {
    const name = `tp-term-${Date.now() % 100000}`;
    const { child } = await launchedSession([...base(), '--new-deployment', name, '--run', 'sleep', '300']);
    expect(await labelledTelepresence(fx)).to.not.deep.equal([]);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).to.equal(143);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
    const left = await execa('pgrep', ['-af', name], { reject: false });
    expect(String(left.stdout)).to.equal('');
  });

  it('runs the default shell in a terminal, its prompt prefixed with @<context>|', async () => {
    await echoService(fx, 'echo');
    const term = pty.spawn(BIN, ['-m', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log')],
      { cols: 200, rows: 40, env: { ...process.env, PS1: 'shell$ ' } as Record<string, string> });
    let screen = '';
    term.onData((d) => { screen += d; });
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    await waitFor('the prompt', 120_000, async () => (screen.includes('@tp-local|shell$ ') ? true : undefined));
    term.write('curl -sS http://echo:8080/from-the-shell; echo; echo "svc=$ECHO_SERVICE_HOST"\r');
    await waitFor('the echo answer in the shell', 30_000, async () => (/svc=10\.130\./.test(screen) ? true : undefined));
    term.write('exit 3\r');
    expect(await exited).to.equal(3);
    expect(screen).to.contain('"path":"/from-the-shell"');
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });

  it('warns about a program LD_PRELOAD cannot reach, and stubs the DNS tools', async () => {
    const r = await telepresence([...base(), '--run', 'sh', '-c', 'dig example; echo "dig=$?"']);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('dig=55');
    expect(r.stderr).to.contain('dig is not supported under Telepresence.');
    const k = await telepresence([...base(), '--run', 'kubectl', 'version', '--client']);
    expect(k.exitCode, k.stderr).to.equal(0);
    expect(k.stderr).to.match(/Warning: kubectl \(\S+\) will not be proxied by inject-tcp: it is statically linked/);
  });

  it('ends with exit 255 and Telepresence 1\'s message when the connection to the cluster is lost for good', async () => {
    // A lost port-forward alone is re-established (reconnect.test.ts): for good means the proxy pod is gone
    // and timeouts.reconnect (here 3 s) passes.
    const name = `tp-lost-${Date.now() % 100000}`;
    const config = path.join(dir, 'config.yml');
    fs.writeFileSync(config, 'timeouts:\n  reconnect: 3s\n');
    const { child } = await launchedSession([...base(), '--config', config, '--new-deployment', name, '--run', 'sleep', '304']);
    await fx.kubectl(['delete', 'deployment', name, '--wait=false']);
    await waitFor('the proxy pod to be gone', 60_000, async () => (
      (await fx.kubectl(['get', 'pods', '-o', 'name'])).includes(name) ? undefined : true));
    // kubectl may have exited already with its pod (the session is then reconnecting): either way it is lost.
    await execa('pkill', ['-f', `port-forward .*pod/${name}`], { reject: false });
    const r = await child;
    expect(r.exitCode).to.equal(255);
    expect(errorLines(String(r.stderr)).at(-1)).to.equal('telepresence: error: Proxy to Kubernetes exited. This is typically due to a lost connection.');
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
    expect(String((await execa('pgrep', ['-af', 'sleep 304'], { reject: false })).stdout)).to.equal('');
  });

  it('repairs, on the next run, what a SIGKILLed session left in the cluster', async () => {
    const name = `tp-kill-${Date.now() % 100000}`;
    const home = tmpDir();
    const { child } = await launchedSession([...base(), '--new-deployment', name, '--run', 'sleep', '301'], { HOME: home });
    const node = await execa('pgrep', ['-f', `entry.js -- .*--new-deployment ${name}`]);
    // 'exit', not the result: the orphaned port-forward still holds the output pipes.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await execa('kill', ['-KILL', ...String(node.stdout).split('\n')]);
    await exited;
    await execa('pkill', ['-f', 'sleep 301'], { reject: false });
    expect((await labelledTelepresence(fx)).filter((o) => o.includes(name))).to.not.deep.equal([]);
    const next = await telepresence([...base(), '--run', 'true'], { HOME: home });
    expect(next.exitCode, next.stderr).to.equal(0);
    expect(next.stderr).to.match(new RegExp(`T: Repaired: removed what an earlier session \\(pid \\d+, started [^)]+\\) left in namespace ${fx.namespace}: Deployment ${fx.namespace}/${name}`));
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
    // The killed session's port-forward was stopped by the repair too: its output pipes are closed.
    await child;
    expect(String((await execa('pgrep', ['-af', `pod/${name}-`], { reject: false })).stdout)).to.equal('');
    fs.rmSync(home, { recursive: true, force: true });
  });

  describe('clear failures (one line, exit 255)', () => {
    it('a context that does not exist', async () => {
      const r = await telepresence([...base(), '--context', 'no-such-context', '--run', 'true']);
      expect(r.exitCode).to.equal(255);
      expect(errorLines(r.stderr)).to.have.length(1);
      expect(r.stderr).to.contain('no-such-context');
    });

    it('a namespace that does not exist', async () => {
      const r = await telepresence(['--method', 'inject-tcp', '--namespace', 'no-such-ns', '--logfile', path.join(dir, 'tp.log'), '--run', 'true']);
      expect(r.exitCode).to.equal(255);
      expect(errorLines(r.stderr)).to.deep.equal([`telepresence: error: namespace "no-such-ns" not found in context "tp-local"`]);
    });

    it('an API server that does not answer', async () => {
      const port = await closedPort();
      const kubeconfig = editedKubeconfig(fx.kubeconfig, (doc) => { doc.clusters[0].cluster.server = `https://127.0.0.1:${port}`; });
      const r = await telepresence([...base(), '--run', 'true'], { KUBECONFIG: kubeconfig });
      expect(r.exitCode).to.equal(255);
      expect(errorLines(r.stderr)).to.have.length(1);
      expect(r.stderr).to.contain(`https://127.0.0.1:${port}`);
    });

    it('a proxy image that never starts', async () => {
      const config = path.join(dir, 'config.yml');
      fs.writeFileSync(config, 'timeouts:\n  proxyPodReady: 15s\n');
      const r = await telepresence([...base(), '--config', config, '--run', 'true'], { TELEPRESENCE_PROXY_IMAGE: 'telepresence/does-not-exist:dev' });
      expect(r.exitCode).to.equal(255);
      expect(errorLines(r.stderr)).to.have.length(1);
      expect(r.stderr).to.match(/did not become ready within 15 s \(timeouts.proxyPodReady\): phase Pending; container telepresence waiting: (ErrImagePull|ImagePullBackOff) /);
      expect(await labelledTelepresence(fx)).to.deep.equal([]);
    });
  });
});
