// Port-forward in the whole local test cluster (useCluster): real pods on Docker, reached through the API
// server and the node's dial relay, with the real kubectl and client-node.
import { expect } from 'chai';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { execa } from 'execa';
import { useCluster, waitFor } from '../helpers/cluster.js';
import { echoPod, readPod, TOOLS_IMAGE, waitForReady } from '../helpers/pods.js';
import { loadClientNode } from '../helpers/client-node.js';
import { KUBECTL, startKubectlForward } from '../../unit/cluster/portforward/fixtures.js';

const MB = 1024 * 1024;

describe('portforward in the local test cluster', function () {
  this.timeout(300_000);
  const fx = useCluster();
  let cacheDir: string;
  before(async () => { cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pf-cluster-')); });
  after(async () => { if (cacheDir) await fs.rm(cacheDir, { recursive: true, force: true }); });

  const forward = (target: string, ports: number[], env: Record<string, string> = {}) =>
    startKubectlForward(KUBECTL, fx.kubeconfig, cacheDir, target, ports, env, fx.namespace);

  async function curlJson(port: number, urlPath: string): Promise<{ pod: string; path: string }> {
    const r = await execa('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${port}${urlPath}`]);
    return JSON.parse(r.stdout) as { pod: string; path: string };
  }

  it('kubectl port-forward pod/, deployment/ and svc/ reach the echo server (WebSocket tunnel and SPDY)', async () => {
    await fx.kubectl(['apply', '-f', '-'], echoPod('web'));
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'echo' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'echo' } }, template: podTemplate(echoPod('unused', { app: 'echo' })) } }));
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' },
      spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] } }));
    await waitForReady(fx, 'web');
    await fx.kubectl(['rollout', 'status', 'deployment/echo', '--timeout=90s']);
    const echoPodName = (await fx.kubectl(['get', 'pods', '-l', 'app=echo', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();

    for (const env of [{}, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }] as Record<string, string>[]) {
      for (const [target, remote, pod] of [['pod/web', 8080, 'web'], ['deployment/echo', 8080, echoPodName], ['svc/echo', 80, echoPodName]] as const) {
        const fwd = await forward(target, [remote], env);
        try {
          const local = fwd.local[8080]; // kubectl names the pod port: svc/echo :80 goes to targetPort 8080
          expect(await curlJson(local, `/via/${target}`)).to.include({ pod, path: `/via/${target}` });
        } finally {
          await fwd.stop();
        }
      }
    }
  });

  it('kubectl prints kubelet\'s text when nothing listens on the pod port, then exits', async () => {
    await fx.kubectl(['apply', '-f', '-'], echoPod('web'));
    const pod = await waitForReady(fx, 'web');
    const fwd = await forward('pod/web', [9999]);
    const local = fwd.local[9999];
    await new Promise<void>((resolve) => net.connect(local, '127.0.0.1').on('close', () => resolve()).on('error', () => undefined));
    const result = await fwd.proc;
    // Like the kubelet, the text names the pod's sandbox: here the pause container's Docker id.
    const sandbox = (await execa('docker', ['container', 'inspect', '-f', '{{.Id}}', `tp_${fx.namespace}_web_POD`])).stdout.trim();
    expect(fwd.output()).to.include(`an error occurred forwarding ${local} -> 9999: error forwarding port 9999 to pod ` +
      `${sandbox}, uid : dial tcp4 ${pod.status?.podIP}:9999: connect: connection refused`);
    expect(fwd.output()).to.include('error: lost connection to pod');
    expect(result.exitCode).to.equal(1);
  });

  it('client-node PortForward carries an HTTP request to the echo pod', async () => {
    await fx.kubectl(['apply', '-f', '-'], echoPod('web'));
    await waitForReady(fx, 'web');
    const { PortForward } = await loadClientNode();
    let text = '';
    const out = new Writable({ write(c: Buffer, _e, cb) { text += c.toString(); cb(); } });
    const input = new PassThrough();
    await new PortForward(fx.kc).portForward(fx.namespace, 'web', [8080], out, null, input);
    input.write('GET /from-client-node HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n');
    await waitFor('the echo answer', 20_000, async () => (text.includes('"path":"/from-client-node"') ? true : undefined));
    expect(text).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).to.include('"pod":"web"');
    input.end();
  });

  it('moves 100 MB each way between the workstation and a pod (nc in the tools image)', async () => {
    // 7002 counts what it receives into the log; 7003 sends 100 MB of zeros, then shuts its side (-N).
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bulk' },
      // Never: the container's log (what wc counted) must stay readable after it exits.
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: TOOLS_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c',
        `(head -c ${100 * MB} /dev/zero | nc -N -l 7003 >/dev/null) & nc -l 7002 | wc -c; wait`] }] } }));
    await waitFor('pod bulk to run', 60_000, async () => ((await readPod(fx, 'bulk')).status?.phase === 'Running' ? true : undefined));
    const fwd = await forward('pod/bulk', [7002, 7003]);
    try {
      const connectWhenListening = async (port: number) => waitFor(`nc on ${port}`, 20_000, async () => {
        const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
        const first = await new Promise<Buffer | null>((resolve) => {
          s.once('data', (d: Buffer) => resolve(d));
          s.once('end', () => resolve(null));
          s.once('error', () => resolve(null));
        });
        if (first === null) return undefined; // nc not listening yet: kubectl closed the connection
        return { s, first };
      });
      let t = process.hrtime.bigint();
      const { s: down, first } = await connectWhenListening(fwd.local[7003]);
      let bytes = first.length;
      down.on('data', (d: Buffer) => { bytes += d.length; });
      await new Promise<void>((resolve) => down.on('end', () => { down.end(); resolve(); }));
      const downSeconds = Number(process.hrtime.bigint() - t) / 1e9;
      expect(bytes).to.equal(100 * MB);

      t = process.hrtime.bigint();
      const up = net.connect({ port: fwd.local[7002], host: '127.0.0.1' });
      const chunk = Buffer.alloc(MB, 7);
      for (let i = 0; i < 100; i++) if (!up.write(chunk)) await new Promise((r) => up.once('drain', r));
      up.end();
      await new Promise((r) => up.on('close', r));
      const log = await waitFor('wc to report', 30_000, async () => {
        const l = (await fx.kubectl(['logs', 'bulk'])).trim();
        return l === '' ? undefined : l;
      });
      const upSeconds = Number(process.hrtime.bigint() - t) / 1e9;
      expect(log).to.equal(String(100 * MB));
      console.log(`      cluster pod via kubectl 1.32: download 100 MB in ${downSeconds.toFixed(2)} s (${(100 / downSeconds).toFixed(1)} MB/s), ` +
        `upload 100 MB in ${upSeconds.toFixed(2)} s (${(100 / upSeconds).toFixed(1)} MB/s)`);
    } finally {
      await fwd.stop();
    }
  });
});

/** A pod manifest as a Deployment's template: metadata and spec only (a strict server refuses apiVersion and kind there). */
function podTemplate(pod: string): object {
  const { metadata, spec } = JSON.parse(pod) as { metadata: object; spec: object };
  return { metadata, spec };
}
