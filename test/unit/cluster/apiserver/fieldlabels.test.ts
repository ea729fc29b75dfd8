// Field selectors per resource, as kubectl describe (events of an object), the kubelet (its pods) and
// users send them; unknown labels refused with the API server's text; the events.k8s.io/v1 view.
import { expect } from 'chai';
import { coreFieldSelector, toCoreEvent, toEventsV1 } from '../../../cluster/apiserver/events-api.js';
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

describe('apiserver events.k8s.io/v1 view of Events', () => {
  const core: KObject = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'ns' }, involvedObject: { kind: 'Pod', name: 'web' }, reason: 'Started',
    message: 'Started container web', source: { component: 'kubelet', host: 'tp-node' }, firstTimestamp: 't1', lastTimestamp: 't2', count: 2, type: 'Normal',
    eventTime: null, reportingComponent: 'kubelet', reportingInstance: 'tp-node',
  };

  it('renames the fields both ways and drops the empty ones', () => {
    const v1 = toEventsV1(core);
    expect(v1).to.deep.equal({
      kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: core.metadata, reportingController: 'kubelet', reportingInstance: 'tp-node', reason: 'Started',
      regarding: core.involvedObject, note: 'Started container web', type: 'Normal', deprecatedSource: core.source, deprecatedFirstTimestamp: 't1',
      deprecatedLastTimestamp: 't2', deprecatedCount: 2,
    });
    const { eventTime: _dropped, ...back } = core;
    expect(toCoreEvent(v1)).to.deep.equal(back);
  });

  const selectors: [string, string][] = [
    ['regarding.name=web,regarding.kind=Pod', 'involvedObject.name=web,involvedObject.kind=Pod'],
    ['reportingController=kubelet, type!=Warning', 'reportingComponent=kubelet, type!=Warning'],
    ['deprecatedSource=kubelet,reason=regarding.x', 'source=kubelet,reason=regarding.x'],
  ];
  for (const [v1, coreText] of selectors) it(`field labels: ${v1}`, () => expect(coreFieldSelector(v1)).to.equal(coreText));
});
