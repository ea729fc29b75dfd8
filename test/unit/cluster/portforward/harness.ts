// TEST FIXTURE, not the cluster: the smallest HTTPS API that `kubectl port-forward pod/x`, `kubectl exec x` and
// client-node's PortForward and Exec need (discovery, GET of one Running pod, the portforward, exec and attach
// upgrades), with a dial() and a command runner the test chooses.
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { Duplex } from 'node:stream';
import { execa } from 'execa';
import { handlePortForwardUpgrade } from '../../../cluster/portforward/index.js';
import { type CommandIo, type CommandOutcome, handleRemoteCommandUpgrade } from '../../../cluster/remotecommand/index.js';

export interface Harness {
  port: number;
  kubeconfig: string;
  dir: string;
  /** Method and path of every request, upgrades included, in order. */
  requests: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  dial?: (port: number) => Promise<Duplex>;
  /** Serves pods/exec and pods/attach with this runner. */
  remoteCommand?: {
    run: (verb: 'exec' | 'attach', command: string[], io: CommandIo) => Promise<CommandOutcome>;
    /** Play a kubelet before 1.30: no v5.channel.k8s.io over WebSocket. */
    legacyWebSocket?: boolean;
  };
  podName?: string;
  namespace?: string;
  uid?: string;
}

const TOKEN = 'harness-token';

/** dial() for tests: connect to 127.0.0.1:<map[port]>, rejecting with Node's connect error. */
export function loopbackDial(map: Record<number, number>): (port: number) => Promise<Duplex> {
  return (port) => new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: map[port] ?? port });
    s.once('connect', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function json(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const podName = opts.podName ?? 'x';
  const namespace = opts.namespace ?? 'default';
  const uid = opts.uid ?? '6f1c7bfa-0000-4000-8000-000000000001';
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pf-harness-'));
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1']);
  const key = await fs.readFile(path.join(dir, 'key.pem'));
  const cert = await fs.readFile(path.join(dir, 'cert.pem'));
  const requests: string[] = [];
  const podPath = `/api/v1/namespaces/${namespace}/pods/${podName}`;
  const pod = {
    kind: 'Pod', apiVersion: 'v1',
    metadata: { name: podName, namespace, uid, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'app', image: 'telepresence-test/echo:dev' }], nodeName: 'tp-node' },
    status: { phase: 'Running', podIP: '10.132.0.5', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const authorized = (h: import('node:http').IncomingHttpHeaders) => h.authorization === `Bearer ${TOKEN}`;

  const server = https.createServer({ key, cert }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (!authorized(req.headers)) return json(res, 401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
    const url = new URL(req.url ?? '/', 'https://x');
    if (url.pathname === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (url.pathname === '/apis') return json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (url.pathname === '/api/v1') {
      return json(res, 200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [
        { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
        { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
        { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
        { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      ] });
    }
    if (url.pathname === podPath && req.method === 'GET') return json(res, 200, pod);
    json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404,
      message: `the server could not find the requested resource` });
  });
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req, socket, head) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    requests.push(`${req.method} ${req.url} upgrade=${req.headers.upgrade}`);
    const url = new URL(req.url ?? '/', 'https://x');
    const verb = url.pathname === `${podPath}/exec` ? 'exec' : url.pathname === `${podPath}/attach` ? 'attach' : undefined;
    const rc = opts.remoteCommand;
    if (authorized(req.headers) && verb && rc) {
      const command = url.searchParams.getAll('command');
      handleRemoteCommandUpgrade(req, socket, head, { verb, command, run: (io) => rc.run(verb, command, io) },
        { legacyWebSocket: rc.legacyWebSocket });
      return;
    }
    if (!authorized(req.headers) || url.pathname !== `${podPath}/portforward` || !opts.dial) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    handlePortForwardUpgrade(req, socket, head, { podName, namespace, uid, dial: opts.dial });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const kubeconfig = path.join(dir, 'kubeconfig');
  await fs.writeFile(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: harness',
    'clusters:', '- name: harness', '  cluster:', `    server: https://127.0.0.1:${port}`,
    `    certificate-authority-data: ${cert.toString('base64')}`,
    'users:', '- name: harness', '  user:', `    token: ${TOKEN}`,
    'contexts:', '- name: harness', '  context:', '    cluster: harness', '    user: harness', `    namespace: ${namespace}`,
    '',
  ].join('\n'));
  return {
    port, kubeconfig, dir, requests,
    close: async () => {
      server.closeAllConnections();
      for (const s of upgraded) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
