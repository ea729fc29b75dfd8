// Field selectors per resource, as kubectl describe (events of an object), the kubelet (its pods) and
// users send them; unknown labels refused with the API server's text.
import { expect } from 'chai';
import { fieldSelectorFilter } from '../../../cluster/apiserver/fieldlabels.js';
import { ApiError } from '../../../cluster/apiserver/status.js';
import type { KObject } from '../../../cluster/apiserver/store.js';

const ev = (name: string, kind: string, uid: string, extra: KObject = {}): KObject => ({
  metadata: { name: `${name}.1`, namespace: 'ns' }, involvedObject: { kind, name, namespace: 'ns', uid, apiVersion: 'v1', fieldPath: 'spec.containers{c}' },
  reason: 'Started', type: 'Normal', source: { component: 'kubelet', host: 'tp-node' }, reportingComponent: 'kubelet', ...extra,
});
const events = [ev('web', 'Pod', 'u1'), ev('web', 'Service', 'u2'), ev('db', 'Pod', 'u3', { type: 'Warning', reason: 'BackOff', source: { component: 'kubelet' } })];
const pods: KObject[] = [
  { metadata: { name: 'a', namespace: 'ns' }, spec: { nodeName: 'tp-node', restartPolicy: 'Always', serviceAccountName: 'default' }, status: { phase: 'Running', podIPs: [{ ip: '10.132.0.5' }] } },
  { metadata: { name: 'b', namespace: 'other' }, spec: { hostNetwork: true, restartPolicy: 'Never' }, status: { phase: 'Pending' } },
];

describe('apiserver field selectors', () => {
  const cases: [string, string, KObject[], string[]][] = [
    ['kubectl describe pod web', 'involvedObject.kind=Pod,involvedObject.name=web,involvedObject.namespace=ns,involvedObject.uid=u1', events, ['web.1/u1']],
    ['kubectl describe service web', 'involvedObject.kind=Service,involvedObject.name=web', events, ['web.1/u2']],
    ['an event field', 'involvedObject.fieldPath=spec.containers{c}', events, ['web.1/u1', 'web.1/u2', 'db.1/u3']],
    ['type and reason', 'type=Warning,reason=BackOff', events, ['db.1/u3']],
    ['source is the component', 'source=kubelet', events, ['web.1/u1', 'web.1/u2', 'db.1/u3']],
    ['!= and ==', 'involvedObject.kind!=Service,involvedObject.name==web', events, ['web.1/u1']],
    ['the kubelet: its pods', 'spec.nodeName=tp-node', pods, ['a']],
    ['hostNetwork defaults to false', 'spec.hostNetwork=false', pods, ['a']],
    ['status.podIP is the first pod IP', 'status.podIP=10.132.0.5', pods, ['a']],
    ['status.phase, metadata.namespace', 'status.phase=Pending,metadata.namespace=other', pods, ['b']],
    ['an empty selector', '', pods, ['a', 'b']],
  ];
  for (const [what, selector, objects, want] of cases) {
    it(what, () => {
      const resource = objects === events ? 'events' : 'pods';
      const f = fieldSelectorFilter(resource, selector);
      expect(objects.filter(f).map((o) => (resource === 'events' ? `${o.metadata.name}/${o.involvedObject.uid}` : o.metadata.name))).to.deep.equal(want);
    });
  }

  const refused: [string, string, string][] = [
    ['pods', 'spec.containers=x', 'field label not supported: spec.containers'],
    ['configmaps', 'data.x=y', 'field label not supported: data.x'],
    ['events', 'involvedObject.foo=x', 'field label not supported: involvedObject.foo'],
    ['pods', 'metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
  ];
  for (const [resource, selector, message] of refused) {
    it(`refuses ${selector} on ${resource}`, () => {
      let err: unknown;
      try {
        fieldSelectorFilter(resource, selector);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ApiError);
      expect([(err as ApiError).code, (err as ApiError).message]).to.deep.equal([400, message]);
    });
  }
});
