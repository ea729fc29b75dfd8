// startApiServer: the whole API server in this process (contract 2) — certificates, token and
// kubeconfig in the state directory, HTTPS on 127.0.0.1:PORT and on DIR/apiserver.sock, the
// bootstrap objects (or, with `persist`, what the previous instance left in its snapshot) and the controllers.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { Authenticator } from './auth.js';
import { ensureCerts } from './certs.js';
import { ControllerManager } from './controllers/manager.js';
import { deploymentController } from './controllers/deployment.js';
import { endpointsController, removeServiceEndpoints } from './controllers/endpoints.js';
import { garbageCollector, namespaceController, terminatingPods } from './controllers/lifecycle.js';
import { replicaSetController } from './controllers/replicaset.js';
import { ensureToken, writeKubeconfig } from './kubeconfig.js';
import { Registry } from './registry.js';
import { bootstrap } from './bootstrap.js';
import { intToIp, parseCidr, serviceHooks } from './resources/services.js';
import { namespaceHooks, nodeHooks, podHooks, secretHooks } from './resources/simple.js';
import { workloadHooks } from './resources/workloads.js';
import { leaseHooks } from './resources/leases.js';
import { statefulSetHooks } from './resources/statefulsets.js';
import { statefulSetController } from './controllers/statefulset.js';
import { requestHandler, upgradeHandler, type ServerContext } from './server.js';
import { takeSnapshot, writeSnapshot } from './snapshot.js';
import { Store } from './store.js';

export interface ApiServerOptions {
  stateDir: string;
  /** TCP port on `host`; 0 picks a free one. */
  port: number;
  host?: string;
  serviceCidr?: string;
  podCidr?: string;
  /**
   * Keep the objects across a restart (snapshot.ts): start from DIR/apiserver.snapshot.json when there is
   * one, and write it on close(). The cluster's process does; in-process test servers start empty.
   */
  persist?: boolean;
}

/** What a start restored from the previous instance's snapshot. */
export interface Restored {
  objects: number;
  tokens: number;
  /** The resourceVersion the counter goes on from. */
  rv: number;
  /** How old the snapshot was when read (ms). */
  ageMs: number;
}

export interface ApiServer {
  port: number;
  kubeconfigPath: string;
  token: string;
  caCert: string;
  socketPath: string;
  registry: Registry;
  /** Set when the start restored a snapshot (persist). */
  restored?: Restored;
  /** A bearer token for `user`, allowed into `namespaces` only (auth.ts): a user a cluster-wide list is forbidden to. */
  issueNamespacedUserToken(user: string, namespaces: readonly string[]): string;
  close(): Promise<void>;
}

function listen(server: Server, target: { port: number; host: string } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if ('path' in target) server.listen(target.path, done);
    else server.listen(target.port, target.host, done);
  });
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const host = opts.host ?? '127.0.0.1';
  const serviceCidr = parseCidr(opts.serviceCidr ?? '10.130.0.0/16');
  await mkdir(opts.stateDir, { recursive: true });
  const kubernetesIp = intToIp(serviceCidr.base + 1);
  const certs = await ensureCerts(opts.stateDir, kubernetesIp);
  const token = await ensureToken(opts.stateDir);

  const snapshot = opts.persist ? await takeSnapshot(opts.stateDir) : undefined;
  const registry = new Registry(new Store(snapshot?.store));
  registry.hooks.set('services', { ...serviceHooks(serviceCidr), removed: (svc, reg) => removeServiceEndpoints(reg, svc) });
  registry.hooks.set('namespaces', namespaceHooks);
  registry.hooks.set('pods', podHooks);
  registry.hooks.set('secrets', secretHooks);
  registry.hooks.set('nodes', nodeHooks);
  registry.hooks.set('deployments', workloadHooks('Deployment'));
  registry.hooks.set('replicasets', workloadHooks('ReplicaSet'));
  registry.hooks.set('statefulsets', statefulSetHooks);
  registry.hooks.set('leases', leaseHooks);
  if (!snapshot) bootstrap(registry, serviceCidr);
  const restored: Restored | undefined = snapshot && {
    objects: Object.values(snapshot.store.objects).reduce((n, items) => n + items.length, 0),
    tokens: snapshot.tokens.length, rv: snapshot.store.rv, ageMs: Date.now() - snapshot.writtenAt,
  };

  const auth = new Authenticator(token, snapshot?.tokens);
  const ctx: ServerContext = { registry, auth, stateDir: opts.stateDir };
  const tls = { key: certs.key, cert: certs.cert };
  // TCP_NODELAY, as Go's net package (the real API server and kubelet) sets on every connection.
  const servers = [createServer({ ...tls, noDelay: true }, requestHandler(ctx)), createServer({ ...tls, noDelay: true }, requestHandler(ctx))];
  // Upgraded connections (port-forward, exec, attach) are no longer the HTTP server's to close: close()
  // destroys every socket itself, or it would wait for the last port-forward to end.
  const sockets = new Set<Socket>();
  for (const s of servers) {
    s.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    s.on('upgrade', upgradeHandler(ctx));
    s.keepAliveTimeout = 60_000;
    s.requestTimeout = 0; // watches and log streams last long
  }
  await listen(servers[0], { port: opts.port, host });
  const socketPath = join(opts.stateDir, 'apiserver.sock');
  if (existsSync(socketPath)) await rm(socketPath);
  await listen(servers[1], { path: socketPath });
  const port = (servers[0].address() as AddressInfo).port;
  const kubeconfigPath = await writeKubeconfig(opts.stateDir, `https://${host}:${port}`, certs.caCert, token);

  const controllers = new ControllerManager(registry, [
    namespaceController, garbageCollector, terminatingPods, deploymentController, replicaSetController, endpointsController,
    statefulSetController,
  ]);
  controllers.start();

  return {
    port, kubeconfigPath, token, caCert: certs.caCert, socketPath, registry, restored,
    issueNamespacedUserToken: (user, namespaces) => auth.issueNamespacedUserToken(user, namespaces),
    async close() {
      controllers.stop();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      })));
      // After the servers closed and the controllers stopped nothing writes any more: the snapshot is whole.
      if (opts.persist) await writeSnapshot(opts.stateDir, { store: registry.store.snapshot(), tokens: auth.issuedTokens() });
    },
  };
}
