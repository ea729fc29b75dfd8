// A pod's state in words (the launcher's error when the proxy does not come up), readiness, hopeless
// waiting reasons, and events.
import { expect } from 'chai';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';

import { describeEvents, describePodState, hopelessReason, isPodReady } from '../../../src/kube/pod-state.js';

const pod = (status: V1Pod['status'], deleting = false): V1Pod => ({ metadata: { name: 'p', ...(deleting ? { deletionTimestamp: new Date() } : {}) }, status });
const container = (state: object, extra: object = {}) => ({ name: 'telepresence', image: 'i', imageID: '', ready: false, restartCount: 0, state, ...extra });

describe('kube/pod-state', () => {
  describe('describePodState', () => {
    const cases: Array<[string, V1Pod, string]> = [
      ['nothing yet', pod(undefined), 'phase unknown; no container status yet'],
      ['pending, no status', pod({ phase: 'Pending' }), 'phase Pending; no container status yet'],
      ['unschedulable', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' }] }),
        'phase Pending; not scheduled: Unschedulable (0/1 nodes are available)'],
      ['image never pulled', pod({ phase: 'Pending', containerStatuses: [container({ waiting: { reason: 'ErrImageNeverPull', message: 'Container image "x" is not present with pull policy of Never' } })] }),
        'phase Pending; container telepresence waiting: ErrImageNeverPull (Container image "x" is not present with pull policy of Never)'],
      ['crash loop with last exit', pod({ phase: 'Running', containerStatuses: [container({ waiting: { reason: 'CrashLoopBackOff' } },
        { restartCount: 2, lastState: { terminated: { exitCode: 1, reason: 'Error' } } })] }),
      'phase Running; container telepresence waiting: CrashLoopBackOff, last exit code 1 (Error), 2 restarts'],
      ['terminated', pod({ phase: 'Failed', containerStatuses: [container({ terminated: { exitCode: 137, reason: 'OOMKilled' } }, { restartCount: 1 })] }),
        'phase Failed; container telepresence terminated: OOMKilled with exit code 137, 1 restart'],
      ['running, not ready, being deleted', pod({ phase: 'Running', containerStatuses: [container({ running: {} })] }, true),
        'phase Running; container telepresence running, not ready; being deleted'],
    ];
    for (const [name, p, want] of cases) it(name, () => expect(describePodState(p)).to.equal(want));
  });

  describe('isPodReady', () => {
    const ready = [{ type: 'Ready', status: 'True' }];
    const cases: Array<[string, V1Pod, boolean]> = [
      ['running and Ready', pod({ phase: 'Running', conditions: ready }), true],
      ['running, Ready False', pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }), false],
      ['pending', pod({ phase: 'Pending', conditions: ready }), false],
      ['no conditions', pod({ phase: 'Running' }), false],
    ];
    for (const [name, p, want] of cases) it(name, () => expect(isPodReady(p)).to.equal(want));
  });

  describe('hopelessReason', () => {
    const cases: Array<[string, string | undefined]> = [
      ['ErrImageNeverPull', 'ErrImageNeverPull'], ['InvalidImageName', 'InvalidImageName'],
      ['ImagePullBackOff', undefined], ['CrashLoopBackOff', undefined], ['ContainerCreating', undefined],
    ];
    for (const [reason, want] of cases) {
      it(`${reason} -> ${want}`, () => expect(hopelessReason(pod({ phase: 'Pending', containerStatuses: [container({ waiting: { reason } })] }))).to.equal(want));
    }
  });

  it('describeEvents: the last ones, oldest first, with repeat counts', () => {
    const ev = (reason: string, at: string, message: string, count?: number): CoreV1Event =>
      ({ reason, message, count, lastTimestamp: new Date(at), involvedObject: {}, metadata: {} });
    const events = [
      ev('Failed', '2026-01-01T00:00:05Z', 'Error: ErrImageNeverPull', 4),
      ev('Scheduled', '2026-01-01T00:00:01Z', 'Successfully assigned ns/p to node'),
      ev('Pulling', '2026-01-01T00:00:02Z', 'Pulling image "x"'),
    ];
    expect(describeEvents(events)).to.equal('Scheduled: Successfully assigned ns/p to node; Pulling: Pulling image "x"; Failed: Error: ErrImageNeverPull (x4)');
    expect(describeEvents(events, 1)).to.equal('Failed: Error: ErrImageNeverPull (x4)');
    expect(describeEvents([])).to.equal('');
  });
});
