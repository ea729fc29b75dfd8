// --swap-deployment as data: the copy's name, the chosen container, what the proxy container keeps and
// drops, the automatic ports, the swap record on the original, the Lease's liveness and the selector.
import type { V1Deployment } from '@kubernetes/client-node';
import { expect } from 'chai';

import { UsageError } from '../../../../src/errors.js';
import { withAutomaticPorts } from '../../../../src/inbound/automatic.js';
import { leaseState } from '../../../../src/kube/swap/lease.js';
import {
  chooseContainer, containerTcpPorts, originalPodSelector, readSwapRecord, swapCopyName, swappedCopy, SWAP_ANNOTATIONS,
} from '../../../../src/kube/swap/spec.js';

function deployment(): V1Deployment {
  return {
    metadata: { name: 'myserver', labels: { app: 'myserver' }, annotations: { 'deployment.kubernetes.io/revision': '3' }, resourceVersion: '42', uid: 'u-1' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'myserver' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
      template: {
        metadata: { labels: { app: 'myserver', tier: 'web' }, annotations: { 'sidecar.example/inject': 'true' } },
        spec: {
          serviceAccountName: 'myserver-sa',
          terminationGracePeriodSeconds: 60,
          volumes: [{ name: 'config', configMap: { name: 'myserver-config' } }],
          containers: [
            {
              name: 'app', image: 'example/myserver:1', command: ['/app'], args: ['--port', '8080'], workingDir: '/srv',
              env: [{ name: 'MODE', value: 'prod' }, { name: 'TELEPRESENCE_SSH_PUBKEY', value: 'stale' }],
              ports: [{ containerPort: 8080 }, { containerPort: 9090, protocol: 'TCP' }, { containerPort: 5353, protocol: 'UDP' }, { containerPort: 8080, name: 'again' }],
              livenessProbe: { httpGet: { path: '/', port: 8080 } }, startupProbe: { exec: { command: ['true'] } },
              lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
              securityContext: { readOnlyRootFilesystem: true, runAsUser: 12345 },
              volumeMounts: [{ name: 'config', mountPath: '/etc/myserver' }],
            },
            { name: 'sidecar', image: 'example/sidecar:1', ports: [{ containerPort: 80 }] },
          ],
        },
      },
    },
    status: { replicas: 2, readyReplicas: 2 },
  };
}

const options = { sessionId: '0123456789ab', image: 'telepresence/proxy:0.1.0', publicKey: 'ssh-ed25519 AAAA s', container: 'app', exposePorts: [8080, 9090] };

describe('kube/swap/spec', () => {
  describe('swapCopyName', () => {
    const cases: Array<[string, string]> = [
      ['myserver', 'myserver-0123456789ab'],
      ['a'.repeat(37), `${'a'.repeat(37)}-0123456789ab`],
      ['a'.repeat(63), `${'a'.repeat(37)}-0123456789ab`],
      [`${'a'.repeat(36)}-b`, `${'a'.repeat(36)}--0123456789ab`],
    ];
    for (const [name, want] of cases) {
      it(`${name.slice(0, 20)} (${name.length}) -> ${want.length} characters`, () => {
        expect(swapCopyName(name, '0123456789ab')).to.equal(want);
        expect(want.length).to.be.at.most(50);
      });
    }
  });

  describe('chooseContainer', () => {
    it('takes the first container by default, and the named one', () => {
      expect(chooseContainer(deployment(), null).name).to.equal('app');
      expect(chooseContainer(deployment(), 'sidecar').name).to.equal('sidecar');
    });
    it('names the containers there are when the wanted one is missing', () => {
      expect(() => chooseContainer(deployment(), 'nope')).to.throw(UsageError,
        'Deployment myserver has no container "nope": its containers are app, sidecar; use --swap-deployment myserver:CONTAINER');
    });
  });

  it("containerTcpPorts: TCP (the default protocol) only, each once, sorted", () => {
    expect(containerTcpPorts(chooseContainer(deployment(), 'app'))).to.deep.equal([8080, 9090]);
    expect(containerTcpPorts({ name: 'x' })).to.deep.equal([]);
  });

  describe('swappedCopy', () => {
    const copy = swappedCopy(deployment(), options);
    const pod = copy.spec!.template.spec!;
    const proxy = pod.containers[0];
    it('is a one-replica Deployment named <name>-<session id>, labelled with the session, without the original\'s metadata', () => {
      expect(copy.metadata).to.deep.equal({ name: 'myserver-0123456789ab', labels: { telepresence: '0123456789ab' }, annotations: { 'telepresence.io/swap-of': 'myserver' } });
      expect(copy.spec!.replicas).to.equal(1);
      expect(copy).to.not.have.property('status');
    });
    it("selects its own pods only, which carry the template's labels (so the original's Services select them) and annotations", () => {
      expect(copy.spec!.selector).to.deep.equal({ matchLabels: { app: 'myserver', telepresence: '0123456789ab' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] });
      expect(copy.spec!.template.metadata).to.deep.equal({ labels: { app: 'myserver', tier: 'web', telepresence: '0123456789ab' }, annotations: { 'sidecar.example/inject': 'true' } });
    });
    it('keeps the volumes, the sidecar and the service account; a short grace period', () => {
      expect(pod.volumes).to.deep.equal(deployment().spec!.template.spec!.volumes);
      expect(pod.containers[1]).to.deep.equal(deployment().spec!.template.spec!.containers[1]);
      expect(pod.serviceAccountName).to.equal('myserver-sa');
      expect(pod.terminationGracePeriodSeconds).to.equal(5);
    });
    it('--serviceaccount replaces the service account', () => {
      expect(swappedCopy(deployment(), { ...options, serviceAccount: 'other' }).spec!.template.spec!.serviceAccountName).to.equal('other');
    });
    it('gives the chosen container the proxy image and drops command, args, probes, workingDir and lifecycle', () => {
      expect(proxy.image).to.equal('telepresence/proxy:0.1.0');
      expect(proxy.imagePullPolicy).to.equal('IfNotPresent');
      for (const f of ['command', 'args', 'livenessProbe', 'startupProbe', 'workingDir', 'lifecycle']) expect(proxy, f).to.not.have.property(f);
      expect(proxy.readinessProbe).to.deep.equal({ tcpSocket: { port: 8022 }, periodSeconds: 1, failureThreshold: 3 });
    });
    it("keeps its env, ports and volume mounts, and adds the session's key (replacing one there was)", () => {
      expect(proxy.env).to.deep.equal([{ name: 'MODE', value: 'prod' }, { name: 'TELEPRESENCE_SSH_PUBKEY', value: 'ssh-ed25519 AAAA s' }]);
      expect(proxy.ports).to.deep.equal(deployment().spec!.template.spec!.containers[0].ports);
      expect(proxy.volumeMounts).to.deep.equal([{ name: 'config', mountPath: '/etc/myserver' }]);
    });
    it("a local cluster's variables for the proxy program are added (and win over the workload's own)", () => {
      const env = { TELEPRESENCE_NAMESERVER: '8.8.8.8', MODE: 'ours' };
      const local = swappedCopy(deployment(), { ...options, env }).spec!.template.spec!.containers[0];
      expect(local.env).to.deep.equal([
        { name: 'MODE', value: 'ours' }, { name: 'TELEPRESENCE_NAMESERVER', value: '8.8.8.8' }, { name: 'TELEPRESENCE_SSH_PUBKEY', value: 'ssh-ed25519 AAAA s' },
      ]);
    });
    it('runs as the proxy user, or as root when a port below 1024 is exposed', () => {
      expect(proxy.securityContext).to.deep.equal({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
      const root = swappedCopy(deployment(), { ...options, container: 'sidecar', exposePorts: [80] }).spec!.template.spec!.containers[1];
      expect(root.securityContext).to.deep.equal({ runAsUser: 0, runAsNonRoot: false });
    });
    it('leaves the original as it was', () => {
      const original = deployment();
      swappedCopy(original, options);
      expect(original).to.deep.equal(deployment());
    });
  });

  describe('readSwapRecord', () => {
    const with_ = (annotations: Record<string, string>): V1Deployment => ({ metadata: { name: 'x', annotations } });
    const cases: Array<[string, Record<string, string>, unknown]> = [
      ['none', {}, null],
      ['whole', { [SWAP_ANNOTATIONS.session]: 's1', [SWAP_ANNOTATIONS.replicas]: '3', [SWAP_ANNOTATIONS.lease]: 'l', [SWAP_ANNOTATIONS.copy]: 'x-s1' },
        { sessionId: 's1', replicas: 3, lease: 'l', copy: 'x-s1' }],
      ['a bad count restores 1, a missing Lease name is the default', { [SWAP_ANNOTATIONS.session]: 's1', [SWAP_ANNOTATIONS.replicas]: '-2' },
        { sessionId: 's1', replicas: 1, lease: 'telepresence-s1', copy: '' }],
    ];
    for (const [what, annotations, want] of cases) it(what, () => expect(readSwapRecord(with_(annotations))).to.deep.equal(want));
  });

  describe('leaseState', () => {
    const at = Date.parse('2026-12-01T10:00:00Z');
    const lease = (renew: string | undefined, seconds: number) => ({ metadata: { resourceVersion: '7' }, spec: { renewTime: renew as unknown as Date, leaseDurationSeconds: seconds } });
    const cases: Array<[string, ReturnType<typeof lease> | null, number, boolean, number | null]> = [
      ['no Lease', null, at, true, null],
      ['renewed 2 s ago, lasts 30 s', lease('2026-12-01T09:59:58.000000Z', 30), at, false, 2],
      ['renewed exactly its duration ago', lease('2026-12-01T09:59:30.000000Z', 30), at, false, 30],
      ['renewed 31 s ago, lasts 30 s', lease('2026-12-01T09:59:29.000000Z', 30), at, true, 31],
      ['never renewed', lease(undefined, 30), at, true, Math.round(at / 1000)],
    ];
    for (const [what, l, now, expired, ago] of cases) {
      it(what, () => {
        const s = leaseState(l, now);
        expect([s.expired, s.renewedSecondsAgo]).to.deep.equal([expired, ago]);
      });
    }
  });

  it("originalPodSelector: the original's labels, without the copy's pods", () => {
    expect(originalPodSelector(deployment())).to.equal('app=myserver,!telepresence');
  });

  describe('withAutomaticPorts', () => {
    const m = (podPort: number, workstationPort: number) => ({ podPort, workstationPort });
    const cases: Array<[string, ReturnType<typeof m>[], number[], ReturnType<typeof m>[]]> = [
      ['none', [], [], []],
      ['automatic only: the same port here', [], [9090, 8080], [m(8080, 8080), m(9090, 9090)]],
      ['a user mapping wins for its pod port', [m(8080, 3000)], [8080, 9090], [m(8080, 3000), m(9090, 9090)]],
      ['repeats once', [], [8080, 8080], [m(8080, 8080)]],
    ];
    for (const [what, user, auto, want] of cases) it(what, () => expect(withAutomaticPorts(user, auto)).to.deep.equal(want));
  });
});
