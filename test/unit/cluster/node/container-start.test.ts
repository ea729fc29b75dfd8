// Decisions before a container starts: imagePullPolicy on a registry-less node (reasons, messages and
// the back-off), securityContext flags and the kubelet's runAsNonRoot refusals, and hostPort rules.
import { expect } from 'chai';

import { hostPortMappings, hostPortRules } from '../../../cluster/node/hostport-rules.js';
import { ImagePulls, registryOf, unreachableRegistryMessage } from '../../../cluster/node/image-pull.js';
import type { Pod } from '../../../cluster/node/pod-types.js';
import { securityArgs } from '../../../cluster/node/security-context.js';

function pod(spec: object = {}, c: object = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u-1' },
    spec: { containers: [{ name: 'main', image: 'i:1', ...c }], ...spec } } as Pod;
}

describe('cluster container start', () => {
  it('runs present images under Never and IfNotPresent, and says why it cannot otherwise', () => {
    const pulls = new ImagePulls();
    expect(pulls.decide('c', 'a/b:1', 'Never', true)).to.deep.equal({ ok: true });
    expect(pulls.decide('c', 'a/b:1', 'IfNotPresent', true)).to.deep.equal({ ok: true });
    expect(pulls.decide('c', 'a/b:1', 'Never', false)).to.deep.equal({ ok: false, reason: 'ErrImageNeverPull', message: 'Container image "a/b:1" is not present with pull policy of Never', retryMs: 5000 });
    expect(pulls.decide('c', 'Bad Name', 'Never', false)).to.include({ reason: 'InvalidImageName', message: 'Failed to apply default image tag "Bad Name": couldn\'t parse image name "Bad Name": invalid reference format' });
  });

  it('fails a pull as a node without a registry does: ErrImagePull, then ImagePullBackOff, doubling', () => {
    const pulls = new ImagePulls();
    const msg = 'rpc error: code = Unknown desc = Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host';
    const at = (t: number) => pulls.decide('c', 'a/b:1', 'Always', true, t);
    expect(at(0)).to.deep.equal({ ok: false, reason: 'ErrImagePull', message: msg, retryMs: 1000 });
    expect(at(500)).to.include({ reason: 'ErrImagePull' });
    expect(at(1000)).to.deep.equal({ ok: false, reason: 'ImagePullBackOff', message: 'Back-off pulling image "a/b:1"', retryMs: 9000 });
    expect(at(10_000)).to.include({ reason: 'ErrImagePull', retryMs: 1000 });
    expect(at(11_000)).to.include({ reason: 'ImagePullBackOff', retryMs: 19_000 });
    expect(new ImagePulls().decide('c', 'a/b:1', 'IfNotPresent', false, 0)).to.include({ reason: 'ErrImagePull' });
  });

  it('names the registry a reference comes from', () => {
    expect(registryOf('nginx')).to.deep.equal({ host: 'registry-1.docker.io', reference: 'docker.io/library/nginx:latest' });
    expect(registryOf('telepresence-test/tools:dev')).to.deep.equal({ host: 'registry-1.docker.io', reference: 'docker.io/telepresence-test/tools:dev' });
    expect(registryOf('reg.example.com:5000/team/app:2')).to.deep.equal({ host: 'reg.example.com:5000', reference: 'reg.example.com:5000/team/app:2' });
    expect(unreachableRegistryMessage('10.0.0.5:5000/app:1')).to.equal('rpc error: code = Unknown desc = Error response from daemon: Get "https://10.0.0.5:5000/v2/": dial tcp 10.0.0.5:5000: connect: network is unreachable');
  });

  it('turns securityContext into docker flags', () => {
    expect(securityArgs(pod(), pod().spec.containers[0]!, '')).to.deep.equal(['--security-opt', 'seccomp=unconfined']);
    const p = pod({ securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 2000, runAsNonRoot: true } },
      { securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } } });
    expect(securityArgs(p, p.spec.containers[0]!, '')).to.deep.equal(['--user', '1000:3000', '--group-add', '4000', '--group-add', '2000', '--read-only',
      '--security-opt', 'no-new-privileges', '--cap-add', 'NET_ADMIN', '--cap-drop', 'ALL']);
    const groupOnly = pod({}, { securityContext: { runAsGroup: 5 } });
    expect(securityArgs(groupOnly, groupOnly.spec.containers[0]!, 'app:app').slice(0, 2)).to.deep.equal(['--user', 'app:5']);
    const priv = pod({}, { securityContext: { privileged: true } });
    expect(securityArgs(priv, priv.spec.containers[0]!, '')).to.deep.equal(['--privileged']);
  });

  it('refuses runAsNonRoot with the kubelet\'s texts', () => {
    const where = '(pod: "p_ns(u-1)", container: main)';
    const cases: [object, object, string, string | undefined][] = [
      [{ runAsNonRoot: true }, {}, '', `container has runAsNonRoot and image will run as root ${where}`],
      [{ runAsNonRoot: true }, {}, '0:0', `container has runAsNonRoot and image will run as root ${where}`],
      [{}, { runAsNonRoot: true }, 'nobody', `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root ${where}`],
      [{ runAsNonRoot: true }, { runAsUser: 0 }, '1000', `container's runAsUser breaks non-root policy ${where}`],
      [{ runAsNonRoot: true }, {}, '1000', undefined],
      [{ runAsNonRoot: true, runAsUser: 7 }, {}, '', undefined],
      [{ runAsNonRoot: true }, { runAsNonRoot: false }, '', undefined],
    ];
    for (const [podSc, sc, user, want] of cases) {
      const p = pod({ securityContext: podSc }, { securityContext: sc });
      const run = () => securityArgs(p, p.spec.containers[0]!, user);
      if (want) expect(run).to.throw(want);
      else expect(run).to.not.throw();
    }
  });

  it('maps hostPorts of running pods, the older pod keeping a contested port', () => {
    const mk = (name: string, ip: string, created: string, hostPort: number, phase = 'Running') => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: name, creationTimestamp: created },
      spec: { containers: [{ name: 'c', image: 'i:1', ports: [{ containerPort: 8080, hostPort }, { containerPort: 9090 }] }] },
      status: { phase, podIP: ip },
    }) as unknown as Pod;
    const maps = hostPortMappings([mk('new', '10.132.0.9', '2026-01-02T00:00:00Z', 18080), mk('old', '10.132.0.5', '2026-01-01T00:00:00Z', 18080), mk('done', '10.132.0.7', '2026-01-01T00:00:00Z', 18081, 'Succeeded')]);
    expect(maps).to.deep.equal([{ hostPort: 18080, protocol: 'tcp', podIp: '10.132.0.5', containerPort: 8080, pod: 'ns/old' }]);
    const { chains, rules } = hostPortRules(maps, '10.132.0.1', '0x4000/0x4000');
    expect(chains).to.have.length(2);
    expect(rules).to.deep.equal([
      '-A PREROUTING -d 10.132.0.1/32 -j TP-HOSTPORTS', '-A OUTPUT -d 10.132.0.1/32 -j TP-HOSTPORTS',
      `-A TP-HOSTPORTS -p tcp -m tcp --dport 18080 -j ${chains[1]}`, `-A ${chains[1]} -s 10.132.0.5/32 -j MARK --set-xmark 0x4000/0x4000`,
      `-A ${chains[1]} -p tcp -m tcp -j DNAT --to-destination 10.132.0.5:8080`,
    ]);
    expect(hostPortRules([], '10.132.0.1', 'm')).to.deep.equal({ chains: [], rules: [] });
  });
});
