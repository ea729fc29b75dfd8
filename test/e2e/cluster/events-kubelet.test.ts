// Events on the full local cluster (kubelet and controllers), through the real kubectl: a new pod's
// Scheduled/Pulled/Created/Started, Killing on delete, describe of a pod whose image is missing
// (ErrImageNeverPull repeated and counted), BackOff of a crashing container, ScalingReplicaSet;
// kubectl wait for Ready and for delete against the real kubelet.
import { expect } from 'chai';

import { useCluster, waitFor } from '../helpers/cluster.js';
import { ECHO_IMAGE, echoPod, scriptPod } from '../helpers/pods.js';

describe('cluster events and kubectl wait', function () {
  this.timeout(180_000);
  const fx = useCluster();

  /** `REASON: MESSAGE` of the events of one object, oldest first. */
  const eventsOf = async (name: string) => (await fx.kubectl(['get', 'events', '--field-selector', `involvedObject.name=${name}`,
    '--sort-by=.metadata.creationTimestamp', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}'])).split('\n').filter(Boolean);

  it('a new pod: wait returns when Ready, get events shows Scheduled, Pulled, Created, Started; then Killing and wait --for=delete', async () => {
    await fx.kubectl(['apply', '-f', '-'], echoPod('web'));
    expect(await fx.kubectl(['wait', '--for=condition=Ready', 'pod/web', '--timeout=60s'])).to.equal('pod/web condition met');
    expect(await eventsOf('web')).to.deep.equal([
      `Scheduled: Successfully assigned ${fx.namespace}/web to tp-node`,
      `Pulled: Container image "${ECHO_IMAGE}" already present on machine`,
      'Created: Created container: echo',
      'Started: Started container echo',
    ]);
    const rows = (await fx.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=web,reason=Started'])).split('\n');
    expect(rows[0].split(/\s{2,}/)).to.deep.equal(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(rows[1]).to.match(/^\d+s\s+Normal\s+Started\s+pod\/web\s+Started container echo$/);
    expect(await fx.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=web,reason=Started', '-o', 'jsonpath={.items[0].source.component} {.items[0].involvedObject.fieldPath}']))
      .to.equal('kubelet spec.containers{echo}');

    expect(await fx.kubectl(['delete', 'pod', 'web', '--wait=false'])).to.equal('pod "web" deleted');
    // kubectl prints nothing (exit 0) when the pod is already gone as it starts: a quick kubelet wins that race.
    expect(['pod/web condition met', '']).to.include(await fx.kubectl(['wait', '--for=delete', 'pod/web', '--timeout=60s']));
    expect((await fx.kubectlResult(['get', 'pod', 'web'])).stderr).to.equal('Error from server (NotFound): pods "web" not found');
    expect((await eventsOf('web')).at(-1)).to.equal('Killing: Stopping container echo');
  });

  it('describe pod shows the events of a pod whose image is missing, repeats counted', async () => {
    const image = 'telepresence-test/does-not-exist:dev';
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ghost' },
      spec: { containers: [{ name: 'c', image, imagePullPolicy: 'Never' }] } }));
    // The kubelet retries every 5 s: wait for the second attempt, so the events show a count.
    await waitFor('ErrImageNeverPull twice', 60_000, async () =>
      Number(await fx.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=ghost,reason=ErrImageNeverPull', '-o', 'jsonpath={.items[0].count}'])) >= 2 || undefined);
    const described = await fx.kubectl(['describe', 'pod', 'ghost']);
    expect(described).to.match(/\n\s+State:\s+Waiting\n\s+Reason:\s+ErrImageNeverPull\n/);
    const events = described.split('\nEvents:\n')[1].split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(events.slice(0, 2)).to.deep.equal([['Type', 'Reason', 'Age', 'From', 'Message'], ['----', '------', '----', '----', '-------']]);
    const rows = events.slice(2).map((e) => [e[0], e[1], e[3], e[4]]);
    expect(rows).to.deep.equal([
      ['Normal', 'Scheduled', 'default-scheduler', `Successfully assigned ${fx.namespace}/ghost to tp-node`],
      ['Warning', 'ErrImageNeverPull', 'kubelet', `Container image "${image}" is not present with pull policy of Never`],
      ['Warning', 'Failed', 'kubelet', 'Error: ErrImageNeverPull'],
    ]);
    expect(events[3][2]).to.match(/^\d+s \(x\d+ over \d+s\)$/);
  });

  it('records BackOff for a container that keeps crashing', async () => {
    await fx.kubectl(['apply', '-f', '-'], scriptPod('crasher', 'exit 3', { spec: { restartPolicy: 'Always' } }));
    const uid = await fx.kubectl(['get', 'pod', 'crasher', '-o', 'jsonpath={.metadata.uid}']);
    const backOff = `BackOff: Back-off restarting failed container main in pod crasher_${fx.namespace}(${uid})`;
    await waitFor('a BackOff event', 60_000, async () => (await eventsOf('crasher')).includes(backOff) || undefined);
    const events = await eventsOf('crasher');
    expect(events.filter((e) => e === 'Started: Started container main').length).to.equal(1); // repeats counted on one event
    expect(events.indexOf('Started: Started container main')).to.be.below(events.indexOf(backOff));
  });

  it('a Deployment: ScalingReplicaSet in get events and describe deployment', async () => {
    await fx.kubectl(['create', 'deployment', 'scaled', `--image=${ECHO_IMAGE}`, '--replicas=2']);
    const rs = await waitFor('the ReplicaSet', 30_000, async () => (await fx.kubectl(['get', 'rs', '-l', 'app=scaled', '-o', 'jsonpath={.items[0].metadata.name}'])) || undefined);
    expect(await eventsOf('scaled')).to.deep.equal([`ScalingReplicaSet: Scaled up replica set ${rs} to 2 from 0`]);
    expect((await fx.kubectl(['describe', 'deployment', 'scaled'])).split('\n').at(-1))
      .to.match(new RegExp(`^ {2}Normal {2}ScalingReplicaSet {2}\\d+s +deployment-controller {2}Scaled up replica set ${rs} to 2 from 0$`));
  });
});
