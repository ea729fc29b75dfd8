// The HTTPS request handler: authentication, discovery, the special subresources (log,
// portforward, exec, attach, token, finalize) and the REST routes of every resource.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { forbidden, type Authenticator } from './auth.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, findResource, versionInfo } from './discovery.js';
import { sendError, sendJson, readJson } from './http.js';
import type { Registry } from './registry.js';
import { resourceFor } from './registry.js';
import { handleResource, type ResourceRoute } from './rest.js';
import { serveLogs } from './logs.js';
import { ApiError, badRequest, notFound, pageNotFound, unauthorized } from './status.js';
import type { KObject } from './store.js';
import { routePortForward } from './portforward.js';
import { routeRemoteCommand } from './remotecommand.js';
import { openApiFor } from './openapi.js';
import { serveEphemeralContainers } from './resources/ephemeral.js';
import { handleEventsV1 } from './events-api.js';
import { OPENAPI_V2_PROTOBUF, openApiV2Json, openApiV2Protobuf } from './openapi-v2.js';

export interface ServerContext {
  registry: Registry;
  auth: Authenticator;
  stateDir: string;
}

/** Parses /api/v1/... and /apis/GROUP/v1/... into a resource route, or undefined. */
export function parseResourcePath(path: string): ResourceRoute | undefined {
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3 && parts[2] === 'v1') {
    group = parts[1];
    rest = parts.slice(3);
  } else return undefined;
  if (rest.length === 0) return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && (rest[2] === 'status' || rest[2] === 'finalize') && rest.length === 3)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const info = findResource(group, rest[0]);
  if (!info || rest.length > 3) return undefined;
  if (!info.namespaced && namespace !== undefined) return undefined;
  return { info, namespace, name: rest[1], subresource: rest[2] };
}

function discovery(path: string): unknown {
  if (path === '/version' || path === '/version/') return versionInfo();
  if (path === '/api') return apiVersions();
  if (path === '/api/v1') return apiResourceList('', 'v1');
  if (path === '/apis') return apiGroupList();
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (m) return m[2] ? apiResourceList(m[1], m[2]) : apiGroup(m[1]);
  if (path.startsWith('/openapi/v3')) return openApiFor(path);
  if (path === '/healthz' || path === '/readyz' || path === '/livez') return 'ok';
  return undefined;
}

async function handleSpecial(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams): Promise<boolean> {
  const { info, namespace, name, subresource } = route;
  if (!name || !subresource) return false;
  if (info.resource === 'pods' && subresource === 'log') {
    if (req.method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    await serveLogs(req, res, ctx.registry.get(info, namespace, name), q);
    return true;
  }
  if (info.resource === 'pods' && subresource === 'ephemeralcontainers') {
    sendJson(res, 200, await serveEphemeralContainers(ctx.registry, req, namespace, name));
    return true;
  }
  if (info.resource === 'pods' && ['portforward', 'exec', 'attach'].includes(subresource)) {
    throw badRequest('Upgrade request required');
  }
  if (info.resource === 'serviceaccounts' && subresource === 'token') {
    ctx.registry.get(info, namespace, name);
    const body = ((await readJson(req)) ?? {}) as KObject;
    const seconds = body.spec?.expirationSeconds ?? 3600;
    const token = ctx.auth.issueServiceAccountToken(namespace as string, name);
    sendJson(res, 201, {
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { name, namespace, creationTimestamp: null },
      spec: { audiences: body.spec?.audiences ?? ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: seconds, boundObjectRef: body.spec?.boundObjectRef ?? null },
      status: { token, expirationTimestamp: new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z') },
    });
    return true;
  }
  if (info.resource === 'namespaces' && subresource === 'finalize') {
    const ns = ctx.registry.get(info, undefined, name);
    const body = (await readJson(req)) as KObject;
    ns.spec = { ...(ns.spec ?? {}), finalizers: body?.spec?.finalizers ?? [] };
    sendJson(res, 200, ctx.registry.store.update('/namespaces', ns));
    return true;
  }
  return false;
}

export function requestHandler(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'https://apiserver');
      const identity = ctx.auth.authenticate(req);
      if (!identity) throw unauthorized();
      const path = url.pathname.replace(/\/+$/, '') || '/';
      if (path === '/openapi/v2' && req.method === 'GET') {
        // kubectl asks for protobuf (answered as octet-stream, as the API server does); others for JSON.
        if ((req.headers.accept ?? '').includes(OPENAPI_V2_PROTOBUF)) {
          res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(openApiV2Protobuf());
        } else sendJson(res, 200, openApiV2Json());
        return;
      }
      const doc = discovery(path);
      if (doc !== undefined) {
        if (req.method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        if (typeof doc === 'string') {
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end(doc);
          return;
        }
        sendJson(res, 200, doc);
        return;
      }
      const route = parseResourcePath(path);
      if (!route) throw pageNotFound();
      const denied = forbidden(identity, {
        method: req.method ?? 'GET', group: route.info.group, resource: route.info.resource,
        namespace: route.info.resource === 'namespaces' ? undefined : route.namespace, name: route.name,
        watch: ['1', 'true'].includes(url.searchParams.get('watch') ?? ''),
      });
      if (denied) throw new ApiError(403, 'Forbidden', denied, { kind: route.info.resource });
      if (route.namespace !== undefined && req.method === 'POST' && !route.name && route.info.resource !== 'namespaces') {
        // Create into a namespace that is not there: the API server says the namespace is not found.
        if (!ctx.registry.find('namespaces', undefined, route.namespace)) throw notFound({ group: '', resource: 'namespaces' }, route.namespace);
      }
      if (await handleSpecial(ctx, req, res, route, url.searchParams)) return;
      if (route.info.group === 'events.k8s.io') return await handleEventsV1(ctx.registry, req, res, route, url.searchParams);
      await handleResource(ctx.registry, req, res, route, url.searchParams);
    })().catch((err) => sendError(res, err));
  };
}

export function upgradeHandler(ctx: ServerContext): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const fail = (err: unknown) => {
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
      const body = JSON.stringify(e.toStatus());
      socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    void (async () => {
      if (!ctx.auth.authenticate(req)) throw unauthorized();
      const url = new URL(req.url ?? '/', 'https://apiserver');
      const route = parseResourcePath(url.pathname);
      if (!route || route.info !== resourceFor('pods') || !route.name) throw pageNotFound();
      if (route.subresource === 'exec' || route.subresource === 'attach') return routeRemoteCommand(ctx, req, socket, head, route);
      if (route.subresource !== 'portforward') throw pageNotFound();
      await routePortForward(ctx, req, socket, head, route);
    })().catch(fail);
  };
}
