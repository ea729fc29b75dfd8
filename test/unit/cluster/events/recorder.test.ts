// The event recorder as client-go's: repeats patch count/lastTimestamp, more than 10 similar events in
// 10 minutes combine into one, a repeat of an event deleted meanwhile creates it anew.
import { expect } from 'chai';
import { COMBINED_PREFIX, EventCorrelator, eventName, type CoreEvent } from '../../../cluster/events/correlator.js';
import { EventRecorder, type EventSink } from '../../../cluster/events/recorder.js';

const pod = { kind: 'Pod', namespace: 'ns', name: 'web-1', uid: 'u1', apiVersion: 'v1', fieldPath: 'spec.containers{web}' };
const T0 = Date.parse('2026-01-01T00:00:00Z');

function event(message: string, reason = 'BackOff', ref = pod): CoreEvent {
  return {
    apiVersion: 'v1', kind: 'Event', metadata: { name: `x.${message}`, namespace: 'ns' }, involvedObject: ref, reason, message,
    source: { component: 'kubelet', host: 'tp-node' }, firstTimestamp: 't', lastTimestamp: 't', count: 1, type: 'Warning',
    eventTime: null, reportingComponent: 'kubelet', reportingInstance: 'tp-node',
  };
}

/** An in-memory sink; `sync` answers at once as the registry does, else as HTTP does. */
function memorySink(sync: boolean) {
  const stored = new Map<string, CoreEvent>();
  const calls: string[] = [];
  const answer = <T>(v: () => T) => (sync ? v() : Promise.resolve().then(v));
  const sink: EventSink = {
    create: (_ns, e) => answer(() => {
      calls.push(`create ${e.reason} ${e.count}`);
      stored.set(e.metadata.name, structuredClone(e));
      return e;
    }),
    patch: (_ns, name, p) => answer(() => {
      calls.push(`patch ${p.count}`);
      const e = stored.get(name);
      if (!e) throw new Error('404');
      Object.assign(e, p);
      return e;
    }),
    isNotFound: (err) => (err as Error).message === '404',
  };
  return { sink, stored, calls };
}

describe('cluster events: correlator', () => {
  it('names events as client-go does: object name and nanoseconds in hex', () => {
    expect(eventName('web-1', T0)).to.equal(`web-1.${(BigInt(T0) * 1_000_000n).toString(16)}`);
  });

  it('creates the first event and patches count and lastTimestamp of repeats', () => {
    let now = T0;
    const c = new EventCorrelator(() => now);
    const first = c.correlate(event('m'));
    expect(first.action).to.equal('create');
    now += 5000;
    const second = c.correlate({ ...event('m'), lastTimestamp: '2026-01-01T00:00:05Z', metadata: { name: 'other', namespace: 'ns' } });
    expect(second).to.deep.include({ action: 'patch', patch: { count: 2, lastTimestamp: '2026-01-01T00:00:05Z', message: 'm' } });
    expect([second.event.metadata.name, second.event.firstTimestamp]).to.deep.equal(['x.m', 't']);
    c.correlate(event('m'));
    expect(c.correlate(event('m'))).to.deep.include({ action: 'patch', patch: { count: 4, lastTimestamp: 't', message: 'm' } });
  });

  const distinct: [string, Partial<CoreEvent>][] = [
    ['another reason', { reason: 'Failed' }],
    ['another container', { involvedObject: { ...pod, fieldPath: 'spec.containers{side}' } }],
    ['another pod uid', { involvedObject: { ...pod, uid: 'u2' } }],
    ['another type', { type: 'Normal' }],
    ['another source', { source: { component: 'default-scheduler' } }],
  ];
  for (const [what, change] of distinct) {
    it(`counts ${what} as a new event`, () => {
      const c = new EventCorrelator(() => T0);
      c.correlate(event('m'));
      expect(c.correlate({ ...event('m'), ...change }).action).to.equal('create');
    });
  }

  it('combines the 10th and later similar events (other messages) into one, within 10 minutes', () => {
    let now = T0;
    const c = new EventCorrelator(() => now);
    const actions = Array.from({ length: 12 }, (_, i) => c.correlate(event(`m${i}`)));
    expect(actions.slice(0, 9).map((a) => a.action)).to.deep.equal(Array(9).fill('create'));
    expect([actions[9].action, actions[9].event.message]).to.deep.equal(['create', `${COMBINED_PREFIX}m9`]);
    expect(actions.slice(10).map((a) => a.action === 'patch' && [a.patch.count, a.patch.message])).to.deep.equal([[2, `${COMBINED_PREFIX}m10`], [3, `${COMBINED_PREFIX}m11`]]);
    now += 601_000;
    expect(c.correlate(event('m12')).event.message).to.equal('m12');
  });
});

describe('cluster events: recorder', () => {
  for (const sync of [true, false]) {
    it(`${sync ? 'a synchronous' : 'an asynchronous'} sink: creates, patches repeats, re-creates a deleted one`, async () => {
      let now = T0;
      const { sink, stored, calls } = memorySink(sync);
      const r = new EventRecorder(sink, { component: 'kubelet', host: 'tp-node' }, () => now);
      await r.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web');
      now += 10_000;
      await r.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web');
      const [e] = stored.values();
      expect([e.count, e.firstTimestamp, e.lastTimestamp, e.reportingComponent, e.source]).to.deep.equal(
        [2, '2026-01-01T00:00:00Z', '2026-01-01T00:00:10Z', 'kubelet', { component: 'kubelet', host: 'tp-node' }]);
      stored.clear();
      await r.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web');
      expect(calls).to.deep.equal(['create BackOff 1', 'patch 2', 'patch 3', 'create BackOff 3']);
      expect([...stored.values()].map((x) => x.count)).to.deep.equal([3]);
    });
  }

  it('never throws: a failing sink is reported to it', async () => {
    const failures: string[] = [];
    const sink: EventSink = {
      create: () => { throw new Error('namespace is terminating'); },
      patch: () => Promise.reject(new Error('no')),
      isNotFound: () => false,
      failed: (err, e) => failures.push(`${e.reason}: ${(err as Error).message}`),
    };
    const r = new EventRecorder(sink, { component: 'kubelet' });
    await r.record(pod, 'Normal', 'Started', 'Started container web');
    await r.record(pod, 'Normal', 'Started', 'Started container web');
    expect(failures).to.deep.equal(['Started: namespace is terminating', 'Started: no']);
  });
});
