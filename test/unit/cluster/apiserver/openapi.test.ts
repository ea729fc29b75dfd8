// The OpenAPI documents kubectl validates against and the server's strict field check: the v2
// protobuf decodes back to the JSON definitions, unknown fields are named as the API server names them.
import { expect } from 'chai';
import { goValue } from '../../../cluster/apiserver/fieldvalidation.js';
import { MODELS, modelsOfGroup, unknownFields } from '../../../cluster/apiserver/openapi-models.js';
import { openApiV2Json, openApiV2Protobuf } from '../../../cluster/apiserver/openapi-v2.js';
import { readFields } from '../../../cluster/apiserver/protobuf.js';

type Raw = ReturnType<typeof readFields>[number];
const str = (r: Raw) => (r.value as Buffer).toString('utf8');
const sub = (r: Raw) => readFields(r.value as Buffer);

/** gnostic Schema (the fields openapi-v2.ts writes) back to JSON schema. */
function decodeSchema(fields: Raw[]): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.field === 1) s.$ref = str(f);
    else if (f.field === 2) s.format = str(f);
    else if (f.field === 19) s.required = [...((s.required as string[]) ?? []), str(f)];
    else if (f.field === 21) s.additionalProperties = decodeSchema(sub(sub(f)[0]));
    else if (f.field === 22) s.type = str(sub(f)[0]);
    else if (f.field === 23) s.items = decodeSchema(sub(sub(f)[0]));
    else if (f.field === 25) {
      s.properties = Object.fromEntries(sub(f).map((named) => {
        const [name, value] = sub(named);
        return [str(name), decodeSchema(value ? sub(value) : [])];
      }));
    } else if (f.field === 31) {
      const [name, any] = sub(f);
      s[str(name)] = JSON.parse(str(sub(any)[0]));
    } else throw new Error(`unexpected Schema field ${f.field}`);
  }
  return s;
}

describe('apiserver OpenAPI documents', () => {
  it('the v2 protobuf holds swagger 2.0 and exactly the JSON definitions', () => {
    const doc = readFields(openApiV2Protobuf());
    expect(doc.map((f) => f.field)).to.deep.equal([1, 2, 9]);
    expect(str(doc[0])).to.equal('2.0');
    const defs = Object.fromEntries(sub(doc[2]).map((named) => {
      const [name, value] = sub(named);
      return [str(name), decodeSchema(sub(value))];
    }));
    expect(defs).to.deep.equal(openApiV2Json().definitions);
    expect(defs['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  });

  it('every reference names a model, and a group document carries what its kinds refer to', () => {
    const refs = JSON.stringify(openApiV2Json()).match(/#\/definitions\/[^"]+/g) ?? [];
    for (const r of refs) expect(MODELS, r).to.have.property(r.slice('#/definitions/'.length));
    expect(Object.keys(modelsOfGroup('apps'))).to.include.members([
      'io.k8s.api.apps.v1.Deployment', 'io.k8s.api.core.v1.PodSpec', 'io.k8s.api.core.v1.Container', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    ]);
    expect(Object.keys(modelsOfGroup('apps'))).not.to.include('io.k8s.api.core.v1.Pod');
  });

  const deploy = 'io.k8s.api.apps.v1.Deployment';
  const cases: [string, unknown, string, string[]][] = [
    ['a clean Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', labels: { a: 'b' } }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } }, deploy, []],
    ['a top-level typo', { kind: 'Deployment', template: {} }, deploy, ['template']],
    ['nested typos with list indexes', { spec: { replica: 1, template: { spec: { containers: [{ name: 'a' }, { name: 'b', imagee: 'x', ports: [{ contanerPort: 1 }] }] } } } }, deploy,
      ['spec.replica', 'spec.template.spec.containers[1].imagee', 'spec.template.spec.containers[1].ports[0].contanerPort']],
    ['anything goes under an unmodelled field', { spec: { strategy: { whatever: 1 }, template: { spec: { affinity: { x: 1 }, containers: [{ securityContext: { y: 2 } }] } } } }, deploy, []],
    ['patch directives and nulls are not fields', { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'a', $patch: 'delete' }] } } }, metadata: { labels: { x: null } } }, deploy, []],
    ['map values are not fields', { data: { anyKey: 'v' }, metadata: { annotations: { 'a/b': 'c' } } }, 'io.k8s.api.core.v1.ConfigMap', []],
    ['every volume source is known', { spec: { volumes: [{ name: 'v', emptyDir: {} }, { name: 'w', projected: {} }, { name: 'x', hostpath: {} }] } }, 'io.k8s.api.core.v1.Pod', ['spec.volumes[2].hostpath']],
  ];
  for (const [what, obj, model, want] of cases) {
    it(`unknown fields: ${what}`, () => expect(unknownFields(obj, model)).to.deep.equal(want));
  }

  it("quotes a patch as Go's %+v of a map", () => {
    expect(goValue({ spec: { replicas: 3, b: null }, a: ['x', 1, true], m: {} })).to.equal('map[a:[x 1 true] m:map[] spec:map[b:<nil> replicas:3]]');
  });
});
