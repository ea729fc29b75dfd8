// /openapi/v3: one document per group-version whose PATCH operations carry the GVK and the
// `fieldValidation` query parameter (what kubectl's create -f, apply and replace look for to leave
// validation to the server), and the schemas of the kinds (openapi-models.ts) for `kubectl explain`.
// The PATCH operations name no request body types, so kubectl computes apply's strategic merge
// patch from its built-in types, not from these (partial) schemas.
import { createHash } from 'node:crypto';
import { GROUPS, RESOURCES, type ResourceInfo } from './discovery.js';
import { modelsOfGroup, modelSchema } from './openapi-models.js';

function gvPath(group: string): string {
  return group ? `apis/${group}/v1` : 'api/v1';
}

function itemPath(r: ResourceInfo): string {
  const base = `/${gvPath(r.group)}`;
  return r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}/{name}` : `${base}/${r.resource}/{name}`;
}

export function openApiDocument(group: string): Record<string, unknown> | undefined {
  const resources = RESOURCES.filter((r) => r.group === group);
  if (!resources.length) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of resources) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    paths[itemPath(r)] = {
      patch: {
        operationId: `patch${r.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string' } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
          { name: 'force', in: 'query', schema: { type: 'boolean' } },
        ],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  const schemas = Object.fromEntries(Object.entries(modelsOfGroup(group)).map(([name, m]) => [name, modelSchema(m, '#/components/schemas/')]));
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas } };
}

function hashOf(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);
}

export function openApiRoot(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const group of ['', ...GROUPS]) {
    paths[gvPath(group)] = { serverRelativeURL: `/openapi/v3/${gvPath(group)}?hash=${hashOf(openApiDocument(group))}` };
  }
  return { paths };
}

/** The document for an /openapi/v3/... path, or undefined. */
export function openApiFor(path: string): Record<string, unknown> | undefined {
  if (path === '/openapi/v3') return openApiRoot();
  if (path === '/openapi/v3/api/v1') return openApiDocument('');
  const m = /^\/openapi\/v3\/apis\/([^/]+)\/v1$/.exec(path);
  return m ? openApiDocument(m[1]) : undefined;
}
