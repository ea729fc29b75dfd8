// The proxy's objects as data: names, the non-root and privileged variants, ports, labels, the Service.
import { expect } from 'chai';

import { packageVersion } from '../../../src/config/version.js';
import { UsageError } from '../../../src/errors.js';
import { defaultProxyImage } from '../../../src/protocol/index.js';
import { checkProxyName, needsPrivileged, proxyDeployment, proxyService } from '../../../src/kube/proxy-spec.js';

const IMAGE = defaultProxyImage(packageVersion());
const base = { name: 'tp-proxy', image: IMAGE, sessionId: 's-1', publicKey: 'ssh-ed25519 AAAA k' };

describe('kube/proxy-spec', () => {
  describe('checkProxyName', () => {
    const good = ['a', 'telepresence-1795267262-389-20629', 'x1', '1x', 'a'.repeat(63)];
    for (const name of good) it(`accepts ${name.slice(0, 20)}`, () => expect(() => checkProxyName(name)).to.not.throw());
    const bad: Array<[string, string]> = [
      ['', 'empty'], ['Upper', 'upper case'], ['-lead', 'leading dash'], ['trail-', 'trailing dash'],
      ['has.dot', 'a dot'], ['under_score', 'underscore'], ['a'.repeat(64), '64 characters'],
    ];
    for (const [name, why] of bad) {
      it(`refuses ${why}`, () => expect(() => checkProxyName(name)).to.throw(UsageError,
        `invalid deployment name "${name}": use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit`));
    }
  });

  describe('needsPrivileged', () => {
    const cases: Array<[number[], boolean]> = [[[], false], [[8080], false], [[1024], false], [[1023], true], [[8080, 80], true], [[22], true]];
    for (const [ports, want] of cases) it(`[${ports.join(',')}] -> ${want}`, () => expect(needsPrivileged(ports)).to.equal(want));
  });

  it('builds the non-root Deployment', () => {
    expect(proxyDeployment({ ...base, env: { TELEPRESENCE_NAMESERVER: '10.0.0.1' } })).to.deep.equal({
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'tp-proxy', labels: { telepresence: 's-1' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { telepresence: 's-1' } },
        template: {
          metadata: { labels: { telepresence: 's-1' } },
          spec: {
            terminationGracePeriodSeconds: 5,
            securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true },
            containers: [{
              name: 'telepresence', image: IMAGE, imagePullPolicy: 'IfNotPresent',
              env: [{ name: 'TELEPRESENCE_SSH_PUBKEY', value: 'ssh-ed25519 AAAA k' }, { name: 'TELEPRESENCE_NAMESERVER', value: '10.0.0.1' }],
              ports: [
                { name: 'ssh', containerPort: 8022, protocol: 'TCP' },
                { name: 'socks', containerPort: 9050, protocol: 'TCP' },
                { name: 'dns', containerPort: 9053, protocol: 'UDP' },
              ],
              readinessProbe: { tcpSocket: { port: 8022 }, periodSeconds: 1, failureThreshold: 3 },
            }],
          },
        },
      },
    });
  });

  it('runs as root for a port below 1024, adds exposed ports once (not the proxy\'s own), and the service account', () => {
    const d = proxyDeployment({ ...base, serviceAccount: 'sa', exposePorts: [80, 8080, 80, 8022] });
    const pod = d.spec!.template.spec!;
    expect(pod.securityContext).to.deep.equal({ runAsUser: 0, runAsNonRoot: false });
    expect(pod.serviceAccountName).to.equal('sa');
    expect(pod.containers[0].ports!.map((p) => `${p.containerPort}/${p.protocol}`)).to.deep.equal(['8022/TCP', '9050/TCP', '9053/UDP', '80/TCP', '8080/TCP']);
  });

  it('refuses a session id that is no label value', () => {
    expect(() => proxyDeployment({ ...base, sessionId: 'a b' })).to.throw(UsageError, 'invalid session id "a b"');
  });

  it('makes a Service only for exposed ports, sorted and unique', () => {
    expect(proxyService(base)).to.equal(undefined);
    expect(proxyService({ ...base, exposePorts: [9000, 80, 9000] })).to.deep.equal({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'tp-proxy', labels: { telepresence: 's-1' } },
      spec: {
        type: 'ClusterIP', selector: { telepresence: 's-1' },
        ports: [
          { name: 'tcp-80', port: 80, targetPort: 80, protocol: 'TCP' },
          { name: 'tcp-9000', port: 9000, targetPort: 9000, protocol: 'TCP' },
        ],
      },
    });
  });
});
