// The proxy pod wait (waitForReadyPod): a started pod counts once the caller's own check says it serves, only
// Ready counts without that check, and pod events wake the wait through a watch that is stopped at the end.
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';

import type { KubeApis } from '../../../src/kube/clients.js';
import type { WatchStream } from '../../../src/kube/list-watch.js';
import { waitForReadyPod } from '../../../src/kube/proxy-deploy.js';

const started: V1Pod = {
  metadata: { name: 'tp-abc', creationTimestamp: new Date(0) },
  status: {
    phase: 'Running', podIP: '10.132.0.7', conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [{ name: 'telepresence', image: 'i', imageID: '', ready: false, restartCount: 0, state: { running: {} } }],
  },
};
const ready: V1Pod = { ...started, status: { ...started.status, conditions: [{ type: 'Ready', status: 'True' }] } };
const creating: V1Pod = {
  ...started,
  status: { phase: 'Pending', containerStatuses: [{ name: 'telepresence', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
};

/** Lists the pods of `sequence` in turn (the last one from then on). */
function fakeApis(sequence: V1Pod[]): { apis: KubeApis; lists: () => number } {
  let n = 0;
  const core = { listNamespacedPod: () => Promise.resolve({ items: [sequence[Math.min(n++, sequence.length - 1)]] }) };
  return { apis: { core } as unknown as KubeApis, lists: () => n };
}

describe('kube/proxy-deploy waitForReadyPod', () => {
  it('a started pod that is not Ready is taken once the serving check says so, asked again until then', async () => {
    const { apis } = fakeApis([creating, started]);
    const asked: string[] = [];
    const answers = [false, true];
    const lines: string[] = [];
    const pod = await waitForReadyPod(apis, 'ns', {
      deployment: 'tp', labelSelector: 'telepresence=abc',
      serving: (p) => { asked.push(p.metadata!.name!); return Promise.resolve(answers.shift()!); },
    }, (l) => lines.push(l), Date.now() + 10_000, 10_000);
    expect(pod).to.equal(started);
    expect(asked).to.deep.equal(['tp-abc', 'tp-abc']);
    expect(lines).to.deep.equal(['Waiting for a pod of Deployment tp', 'Waiting for pod tp-abc to be ready']);
  });

  it('without a serving check only the Ready condition counts', async () => {
    const { apis, lists } = fakeApis([started, started, ready]);
    const pod = await waitForReadyPod(apis, 'ns', { deployment: 'tp', labelSelector: 'telepresence=abc' }, () => undefined, Date.now() + 10_000, 10_000);
    expect(pod).to.equal(ready);
    expect(lists()).to.equal(3);
  });

  it('a pod still being created is never asked', async () => {
    const { apis } = fakeApis([creating, creating, ready]);
    let asked = 0;
    const pod = await waitForReadyPod(apis, 'ns', {
      deployment: 'tp', labelSelector: 'telepresence=abc', serving: () => { asked++; return Promise.resolve(true); },
    }, () => undefined, Date.now() + 10_000, 10_000);
    expect(pod).to.equal(ready);
    expect(asked).to.equal(0);
  });

  it('watches the pods of the selector while it waits, and stops the watch when the pod is there', async () => {
    const { apis } = fakeApis([creating, ready]);
    const watched: Array<[string, Record<string, unknown>]> = [];
    let aborted = 0;
    const watch: WatchStream = {
      watch(path, query, onEvent) {
        watched.push([path, query]);
        setImmediate(() => onEvent('MODIFIED', ready));
        return Promise.resolve({ abort: () => { aborted++; } });
      },
    };
    const pod = await waitForReadyPod(apis, 'ns', { deployment: 'tp', labelSelector: 'telepresence=abc', watch }, () => undefined, Date.now() + 10_000, 10_000);
    expect(pod).to.equal(ready);
    expect(watched).to.deep.equal([['/api/v1/namespaces/ns/pods', { labelSelector: 'telepresence=abc' }]]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(aborted).to.equal(1);
  });

  it('a pod Ready at the first list needs no watch', async () => {
    const { apis } = fakeApis([ready]);
    let watches = 0;
    const watch: WatchStream = { watch: () => { watches++; return Promise.resolve({ abort: () => undefined }); } };
    await waitForReadyPod(apis, 'ns', { deployment: 'tp', labelSelector: 'telepresence=abc', watch }, () => undefined, Date.now() + 10_000, 10_000);
    expect(watches).to.equal(0);
  });
});
