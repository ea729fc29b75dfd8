// The pure parts of --deployment: the Deployment's selector as a query, what makes a Deployment unusable,
// which container is the proxy, the fix a protocol refusal ends with, and the --expose refusal below 1024.
import { expect } from 'chai';
import type { V1Deployment, V1LabelSelector, V1Pod } from '@kubernetes/client-node';

import {
  deploymentUnusable, existingDeploymentFix, labelSelectorText, lowPortRefusal, proxyContainerOf,
} from '../../../src/kube/operations/existing-pod.js';
import { podProtocolMismatch } from '../../../src/protocol/index.js';

describe('kube/operations/existing-pod', () => {
  describe('labelSelectorText', () => {
    const cases: Array<[string, V1LabelSelector | undefined, string | null]> = [
      ['matchLabels', { matchLabels: { app: 'it', tier: 'proxy' } }, 'app=it,tier=proxy'],
      ['every operator', { matchLabels: { app: 'it' }, matchExpressions: [
        { key: 'env', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'NotIn', values: ['c'] },
        { key: 'has', operator: 'Exists' }, { key: 'not', operator: 'DoesNotExist' }] }, 'app=it,env in (a,b),x notin (c),has,!not'],
      ['no selector', undefined, null],
      ['an empty one (every pod)', {}, null],
      ['an unknown operator', { matchExpressions: [{ key: 'k', operator: 'Gt', values: ['1'] }] }, null],
    ];
    for (const [what, selector, want] of cases) it(what, () => expect(labelSelectorText(selector)).to.equal(want));
  });

  describe('deploymentUnusable', () => {
    const d = (spec: Partial<NonNullable<V1Deployment['spec']>>): V1Deployment =>
      ({ metadata: { name: 'it' }, spec: { selector: { matchLabels: { app: 'it' } }, template: {}, ...spec } });
    it('takes a Deployment with a selector and replicas', () => {
      expect(deploymentUnusable(d({ replicas: 2 }), 'ns')).to.equal(null);
      expect(deploymentUnusable(d({}), 'ns')).to.equal(null);
    });
    it('refuses 0 replicas with the command that scales it', () => {
      expect(deploymentUnusable(d({ replicas: 0 }), 'ns')).to.equal(
        'Deployment "it" in namespace "ns" has 0 replicas: scale it up first (kubectl scale deployment it --replicas=1 -n ns)');
    });
    it('refuses a selector that selects every pod', () => {
      expect(deploymentUnusable(d({ selector: {} }), 'ns')).to.equal(
        'Deployment "it" in namespace "ns" has no usable spec.selector: give it matchLabels, as its pod template\'s labels');
    });
  });

  describe('proxyContainerOf', () => {
    const pod = (...containers: Array<{ name: string; ports?: { containerPort: number }[] }>): V1Pod =>
      ({ spec: { containers: containers.map((c) => ({ ...c, image: 'i' })) } });
    const cases: Array<[string, V1Pod, string | null]> = [
      ['the one named telepresence', pod({ name: 'app' }, { name: 'telepresence' }), 'telepresence'],
      ['the one with port 8022', pod({ name: 'app', ports: [{ containerPort: 80 }] }, { name: 'proxy', ports: [{ containerPort: 8022 }] }), 'proxy'],
      ['the only one', pod({ name: 'whatever' }), 'whatever'],
      ['none of several', pod({ name: 'a' }, { name: 'b' }), null],
    ];
    for (const [what, p, want] of cases) it(what, () => expect(proxyContainerOf(p)).to.equal(want));
  });

  it('a protocol refusal names both versions, the pod\'s image, the image to run and the command, in one line', () => {
    const fix = existingDeploymentFix('telepresence/proxy:0.1.0', 'it', 'telepresence', 'ns', '0.1.0');
    expect(podProtocolMismatch('registry.example.com/tp:old', 2, { launcherVersion: '0.1.0', fix })).to.equal(
      'the proxy image registry.example.com/tp:old speaks pod protocol 2, this telepresence 0.1.0 speaks 1: use the telepresence release that image belongs to, or '
      + 'run telepresence/proxy:0.1.0 in Deployment it (kubectl set image deployment/it telepresence=telepresence/proxy:0.1.0 -n ns), '
      + 'built with proxy-pod/build.sh (add --tag REGISTRY/telepresence/proxy:0.1.0 --push for a cluster that pulls from a registry)');
    expect(podProtocolMismatch('nginx:1', null, { launcherVersion: '0.1.0', fix })).to.match(
      /^the proxy image nginx:1 speaks pod protocol 0 \(none\), this telepresence 0\.1\.0 speaks 1: run telepresence\/proxy:0\.1\.0 in Deployment it /);
  });

  describe('lowPortRefusal', () => {
    const cases: Array<[number[], number, string | null]> = [
      [[8080], 1000, null],
      [[80], 0, null],
      [[], 1000, null],
      [[80, 8080], 1000, '--expose: port 80 is below 1024, but pod it-1 of Deployment it runs as uid 1000, not root, so its sshd cannot listen there: '
        + 'expose remote ports of 1024 or more, or run Deployment it as root (securityContext runAsUser: 0)'],
      [[443, 80, 80], 1000, '--expose: ports 80, 443 are below 1024, but pod it-1 of Deployment it runs as uid 1000, not root, so its sshd cannot listen there: '
        + 'expose remote ports of 1024 or more, or run Deployment it as root (securityContext runAsUser: 0)'],
    ];
    for (const [ports, uid, want] of cases) it(`[${ports.join(',')}] as uid ${uid}`, () => expect(lowPortRefusal(ports, uid, 'it-1', 'it')).to.equal(want));
  });
});
