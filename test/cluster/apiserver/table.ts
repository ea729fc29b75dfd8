// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for, with the columns
// kubectl users know (NAME READY STATUS RESTARTS AGE for pods, ...).
import type { KObject } from './store.js';
import type { ResourceInfo } from './discovery.js';
import { columnsFor } from './columns.js';

export { age, humanDuration } from './age.js';

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept.split(',')[0]);
}

function rowObject(obj: KObject, include: string | null): KObject {
  if (include === 'None') return {};
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(r: ResourceInfo, objects: KObject[], rv: string, include: string | null, withHeaders = true): KObject {
  const cols = columnsFor(r.resource);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: rv },
    columnDefinitions: withHeaders
      ? cols.map((c) => ({ name: c.name, type: c.type ?? 'string', format: c.name === 'Name' ? 'name' : '', description: c.name, priority: c.priority ?? 0 }))
      : [],
    rows: objects.map((o) => ({ cells: cols.map((c) => c.cell(o)), object: rowObject(o, include) })),
  };
}
