// The pure parts of --proxy-via's relay: the WORKLOAD text, the refusals, the container's name, its
// port among the pod's, and the ephemeral container spec.
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';

import {
  chooseRelayPort, ephemeralForbidden, ephemeralUnsupported, noReadyPod, parseWorkload, relayContainerName, relayEphemeralContainer, workloadNotFound,
} from '../../../src/kube/proxy-via-spec.js';

describe('kube/proxy-via-spec', () => {
  describe('parseWorkload', () => {
    const ok: Array<[string, object]> = [
      ['client-app', { kinds: ['Deployment', 'ReplicaSet', 'StatefulSet'], name: 'client-app' }],
      ['deployment/web', { kinds: ['Deployment'], name: 'web' }],
      ['deploy/web', { kinds: ['Deployment'], name: 'web' }],
      ['Deployments/web', { kinds: ['Deployment'], name: 'web' }],
      ['rs/web-5d8f', { kinds: ['ReplicaSet'], name: 'web-5d8f' }],
      ['replicaset/web', { kinds: ['ReplicaSet'], name: 'web' }],
      ['sts/db', { kinds: ['StatefulSet'], name: 'db' }],
      ['statefulset/db.v2', { kinds: ['StatefulSet'], name: 'db.v2' }],
    ];
    for (const [text, want] of ok) it(text, () => expect(parseWorkload(text)).to.deep.equal(want));
    const FORMS = 'a Deployment, ReplicaSet or StatefulSet of the namespace: NAME, deployment/NAME, replicaset/NAME or statefulset/NAME';
    const bad: Array<[string, string]> = [
      ['daemonset/agent', `--proxy-via: "daemonset/agent" is a daemonset, not ${FORMS}`],
      ['pod/web-1', `--proxy-via: "pod/web-1" is a pod, not ${FORMS}`],
      ['job/x', `--proxy-via: "job/x" is a job, not ${FORMS}`],
      ['deployment/', `--proxy-via: "" is not a Deployment name: give ${FORMS}`],
      ['Client_App', `--proxy-via: "Client_App" is not a workload name: give ${FORMS}`],
    ];
    for (const [text, refusal] of bad) it(`refuses ${text}`, () => expect(parseWorkload(text)).to.deep.equal({ refusal }));
  });

  it('the refusals, one line each naming the value and the fix', () => {
    expect(workloadNotFound(['Deployment', 'ReplicaSet', 'StatefulSet'], 'client-app', 'ns1')).to.equal(
      '--proxy-via: no Deployment, ReplicaSet or StatefulSet "client-app" in namespace "ns1": name one there (kubectl get deployments,replicasets,statefulsets -n ns1), or use --namespace');
    expect(workloadNotFound(['StatefulSet'], 'db', 'ns1')).to.equal(
      '--proxy-via: no StatefulSet "db" in namespace "ns1": name one there (kubectl get deployments,replicasets,statefulsets -n ns1), or use --namespace');
    expect(noReadyPod('Deployment', 'web', 'ns1', 60, 2)).to.equal(
      '--proxy-via: Deployment web in namespace ns1 has no Ready pod (2 not ready) after 60 s: the relay runs in one of its pods; scale it up or fix its pods (kubectl get pods -n ns1)');
    expect(noReadyPod('Deployment', 'web', 'ns1', 60, 0)).to.equal(
      '--proxy-via: Deployment web in namespace ns1 has no Ready pod after 60 s: the relay runs in one of its pods; scale it up or fix its pods (kubectl get pods -n ns1)');
    expect(ephemeralForbidden('web-1', 'ns1', 'pods "web-1" is forbidden')).to.equal(
      '--proxy-via: the cluster does not let this user add the relay container to pod web-1 in namespace ns1 (pods "web-1" is forbidden): it needs the permission to patch pods/ephemeralcontainers there (kubectl auth can-i patch pods/ephemeralcontainers -n ns1)');
    expect(ephemeralUnsupported('web-1', 404, 'the server could not find the requested resource')).to.equal(
      '--proxy-via: this cluster does not offer ephemeral containers (pods/ephemeralcontainers of pod web-1 answered 404: the server could not find the requested resource): --proxy-via needs Kubernetes 1.23 or later with them enabled (kubectl debug uses them too)');
  });

  it('relayContainerName: one per session, a DNS label of at most 63 characters', () => {
    expect(relayContainerName('0a1b2c3d4e5f')).to.equal('telepresence-relay-0a1b2c3d4e5f');
    expect(relayContainerName('Sess_ion.1')).to.equal('telepresence-relay-sess-ion-1');
    const long = relayContainerName('x'.repeat(63));
    expect(long).to.have.length(63);
    expect(relayContainerName(`${'a'.repeat(43)}-b`)).to.equal(`telepresence-relay-${'a'.repeat(43)}`);
  });

  describe('chooseRelayPort', () => {
    const relay = (name: string, port: string) => ({ name, image: 'i', env: [{ name: 'TELEPRESENCE_RELAY_PORT', value: port }] });
    const pod = (spec: object, status: object = {}): V1Pod => ({ spec: { containers: [], ...spec }, status } as V1Pod);
    const cases: Array<[string, V1Pod, number]> = [
      ['a plain pod: 9056', pod({ containers: [{ name: 'app', ports: [{ containerPort: 8080 }] }] }), 9056],
      ['an app port 9056: the next', pod({ containers: [{ name: 'app', ports: [{ containerPort: 9056 }, { containerPort: 9057 }] }] }), 9058],
      ['a live relay of another session holds 9056', pod({ ephemeralContainers: [relay('telepresence-relay-a', '9056')] },
        { ephemeralContainerStatuses: [{ name: 'telepresence-relay-a', state: { running: {} } }] }), 9057],
      ['a terminated relay frees its port', pod({ ephemeralContainers: [relay('telepresence-relay-a', '9056')] },
        { ephemeralContainerStatuses: [{ name: 'telepresence-relay-a', state: { terminated: { exitCode: 0 } } }] }), 9056],
      ['a relay not started yet holds its port', pod({ ephemeralContainers: [relay('telepresence-relay-a', '9056')] }), 9057],
    ];
    for (const [what, p, port] of cases) it(what, () => expect(chooseRelayPort(p)).to.equal(port));
  });

  it('relayEphemeralContainer: the image\'s relay command, the secret, port and idle time in env, no privileges', () => {
    expect(relayEphemeralContainer({ name: 'telepresence-relay-1', image: 'telepresence/proxy:0.1.0', secret: 'S'.repeat(32), port: 9057, idleSeconds: 5 })).to.deep.equal({
      name: 'telepresence-relay-1',
      image: 'telepresence/proxy:0.1.0',
      imagePullPolicy: 'IfNotPresent',
      command: ['/opt/telepresence/bin/node', '/opt/telepresence/app/proxy-pod/src/main.js', 'relay'],
      env: [
        { name: 'TELEPRESENCE_RELAY_SECRET', value: 'S'.repeat(32) },
        { name: 'TELEPRESENCE_RELAY_PORT', value: '9057' },
        { name: 'TELEPRESENCE_RELAY_IDLE_SECONDS', value: '5' },
      ],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      stdin: false,
      tty: false,
    });
    expect(relayEphemeralContainer({ name: 'n', image: 'i', secret: 's', port: 9056 }).env![2]).to.deep.equal({ name: 'TELEPRESENCE_RELAY_IDLE_SECONDS', value: '30' });
  });
});
