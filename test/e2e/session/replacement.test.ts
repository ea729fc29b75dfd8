// Issue 16's replacement pod, end to end: the proxy pod of a --new-deployment vpn-tcp session deleted while
// the user process curls a Service every 200 ms: answers again within the new pod's start time (its
// creationTimestamp to its Ready condition) plus 5 s; then `kubectl set env` rolls the Deployment: the session
// follows to the third pod and says on stderr, in one line, that X was added; exit 0, nothing left. And a
// --swap-deployment session whose proxy pod is deleted comes back, and the original is restored at the end.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { waitFor } from '../helpers/cluster.js';
import { ECHO_IMAGE } from '../helpers/pods.js';
import { echoService, labelledTelepresence } from '../kube/fixtures.js';
import { hostState, useHostSessions } from './host-state.js';
import { curlLoop, curlResults, portForwardPids } from './reconnect-watch.js';
import { errorLines, launchedSession, tmpDir } from './run.js';

const LOST_LINE = /^T: Lost the connection to the proxy pod \((.+)\); reconnecting\.\.\.$/gm;
const GONE_LINE = /^T: The proxy pod (\S+) is gone \((deleted|being deleted)\); waiting for a new pod of Deployment (\S+)\.\.\.$/gm;
const REPLACED_LINE = /^T: Reconnected to the proxy pod (\S+) \(in place of (\S+)\) in (\d+\.\d) s$/gm;
const envLine = (pod: string, what: string) => `Warning: the new proxy pod ${pod} has another environment than your process started with (${what}): `
  + 'the running process keeps the old values; restart telepresence to get the new ones';

/**
 * After `since`: how long curl did not answer (its first failure to the next answer; 0 when none failed),
 * from `since` to that answer, and the failures.
 */
function outage(file: string, since: number): { downMs: number; sinceMs: number; failures: number } {
  const after = curlResults(file).filter((r) => r.at >= since);
  const firstFail = after.findIndex((r) => !r.ok);
  if (firstFail < 0) return { downMs: 0, sinceMs: 0, failures: 0 };
  const back = after.slice(firstFail).find((r) => r.ok);
  const failures = after.filter((r) => !r.ok).length;
  return back ? { downMs: back.at - after[firstFail]!.at, sinceMs: back.at - since, failures } : { downMs: Infinity, sinceMs: Infinity, failures };
}

/** The recovery line naming a new pod (the `index`th), and when the test saw it. */
async function recovery(stderr: () => string, index: number, what: string): Promise<{ line: RegExpExecArray; seenAt: number }> {
  const line = await waitFor(what, 90_000, () => matches(REPLACED_LINE, stderr())[index]);
  return { line, seenAt: Date.now() };
}

/** A pod's start time: from its creationTimestamp to its Ready condition (ms; both in whole seconds). */
function startTime(pod: V1Pod): number {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  return new Date(ready!.lastTransitionTime!).getTime() - new Date(pod.metadata!.creationTimestamp!).getTime();
}

/** The last lines of a session's --logfile, for a failure's message. */
function logTail(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-60).join('\n') : '(no log)';
}

function matches(re: RegExp, text: string): RegExpExecArray[] {
  return [...text.matchAll(new RegExp(re.source, 'gm'))];
}

describe('the proxy pod replaced (e2e)', function () {
  this.timeout(240_000);
  const host = useHostSessions(tmpDir);
  const { fx } = host;
  // A fresh namespace per test (useCluster): each test makes its echo Service.
  const pod = (name: string) => fx.core.readNamespacedPod({ name, namespace: fx.namespace });
  const proxyPods = async (selector: string) => (await fx.core.listNamespacedPod({ namespace: fx.namespace, labelSelector: selector })).items
    .filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!);

  it('vpn-tcp --new-deployment: a deleted proxy pod, then a `set env` rollout: back within the new pod\'s start + 5 s, the env line names X; exit 0, nothing left', async () => {
    await echoService(fx, 'echo');
    const name = `tp-rp-${Date.now() % 100000}`;
    const out = path.join(host.dir(), 'curl.log');
    const stop = path.join(host.dir(), 'stop');
    const { child, stderr } = await launchedSession(['--method', 'vpn-tcp', '--namespace', fx.namespace, '--logfile', path.join(host.dir(), 'tp.log'),
      '--new-deployment', name, '--run', 'sh', '-c', curlLoop('http://echo:8080/loop', out, stop)]);
    const [first, ...others] = await proxyPods('telepresence');
    expect(others, 'one proxy pod').to.deep.equal([]);
    try {
      await waitFor('a few answers', 30_000, () => (curlResults(out).filter((r) => r.ok).length >= 3 ? true : undefined));

      // 1. kubectl delete pod: the Deployment's controller makes another; the session follows.
      const deletedAt = Date.now();
      await fx.kubectl(['delete', 'pod', first!, '--wait=false']);
      const { line: replaced, seenAt } = await recovery(stderr, 0, 'the recovery line naming the new pod');
      const second = replaced[1]!;
      expect(replaced[2]).to.equal(first);
      await waitFor('an answer through the new pod', 30_000, () => (curlResults(out).some((r) => r.ok && r.at > seenAt) ? true : undefined));
      const start = startTime(await pod(second));
      const back = outage(out, deletedAt);
      console.log(`      pod ${second}: start time ${(start / 1000).toFixed(1)} s (creationTimestamp to Ready); curl failed for ${(back.downMs / 1000).toFixed(1)} s `
        + `(${back.failures} failures), answered again ${(back.sinceMs / 1000).toFixed(1)} s after the delete (the old pod serves through its 5 s grace); recovery line ${replaced[3]} s`);
      // Curl's outage, and the recovery line's (the loss to the new connection), within the new pod's start + 5 s.
      expect(back.downMs, JSON.stringify(curlResults(out).filter((r) => r.at >= deletedAt))).to.be.at.most(start + 5000);
      expect(Number(replaced[3]) * 1000).to.be.at.most(start + 5000);
      expect(matches(GONE_LINE, stderr()).map((m) => [m[1], m[3]])).to.deep.equal([[first, name]]);

      // 2. A rollout: the new ReplicaSet's pod is Ready before the old one goes; the session follows again.
      const okBefore = curlResults(out).filter((r) => r.ok).length;
      await fx.kubectl(['set', 'env', `deployment/${name}`, 'X=1']);
      const { line: third } = await recovery(stderr, 1, 'the recovery line naming the rolled-out pod');
      expect(third[2]).to.equal(second);
      expect((await pod(third[1]!)).spec!.containers[0]!.env!.find((e) => e.name === 'X')?.value).to.equal('1');
      await waitFor('the env line', 10_000, () => (errorLines(stderr()).length > 0 ? true : undefined));
      expect(errorLines(stderr())).to.deep.equal([envLine(third[1]!, 'added X')]);
      await waitFor('answers through the third pod', 30_000, () => (curlResults(out).filter((r) => r.ok).length >= okBefore + 3 ? true : undefined));
    } finally {
      fs.writeFileSync(stop, '');
    }
    const r = await child;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    const text = String(r.stderr);
    expect(matches(LOST_LINE, text), text).to.have.length(2);
    expect(matches(GONE_LINE, text), text).to.have.length(2);
    expect(matches(REPLACED_LINE, text), text).to.have.length(2);
    expect(text).to.not.match(/^T: Reconnected to the proxy pod in /m);
    expect(errorLines(text)).to.have.length(1);
    expect(await portForwardPids(`${name}-`)).to.deep.equal([]);
    expect(await hostState()).to.deep.equal(host.initial());
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });

  it('inject-tcp --swap-deployment: its proxy pod deleted, the copy\'s next pod takes over; the original restored at exit', async () => {
    await echoService(fx, 'echo');
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: {
        containers: [{ name: 'web', image: ECHO_IMAGE, imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] } } },
    }));
    await fx.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    const out = path.join(host.dir(), 'curl.log');
    const stop = path.join(host.dir(), 'stop');
    const { child, stderr } = await launchedSession(['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(host.dir(), 'tp.log'),
      '--swap-deployment', 'web', '--run', 'sh', '-c', curlLoop('http://echo:8080/loop', out, stop)]);
    const [first, ...others] = await proxyPods('telepresence');
    expect(others, 'one proxy pod').to.deep.equal([]);
    try {
      await waitFor('a few answers', 30_000, () => (curlResults(out).filter((r) => r.ok).length >= 3 ? true : undefined));
      const deletedAt = Date.now();
      await fx.kubectl(['delete', 'pod', first!, '--wait=false']);
      const { line: replaced, seenAt } = await recovery(stderr, 0, 'the recovery line naming the new pod');
      expect(replaced[2]).to.equal(first);
      await waitFor('answers through the new pod', 30_000, () => (curlResults(out).filter((r) => r.ok && r.at > seenAt).length >= 3 ? true : undefined))
        .catch((err: Error) => { throw new Error(`${err.message}\ncurl since the recovery line: ${JSON.stringify(curlResults(out).filter((r) => r.at > seenAt - 2000))}`
          + `\nstderr:\n${stderr()}\nlog tail:\n${logTail(path.join(host.dir(), 'tp.log'))}`); });
      const start = startTime(await pod(replaced[1]!));
      const back = outage(out, deletedAt);
      console.log(`      swap: pod ${replaced[1]} start time ${(start / 1000).toFixed(1)} s; curl failed for ${(back.downMs / 1000).toFixed(1)} s (${back.failures} failures), `
        + `answered again ${(back.sinceMs / 1000).toFixed(1)} s after the delete; recovery line ${replaced[3]} s`);
      expect(back.downMs).to.be.at.most(start + 5000);
      expect(matches(GONE_LINE, stderr()).map((m) => m[1])).to.deep.equal([first]);
      expect(matches(GONE_LINE, stderr())[0]![3]).to.match(/^web-[0-9a-f]{12}$/);
    } finally {
      fs.writeFileSync(stop, '');
    }
    const r = await child;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    expect(errorLines(String(r.stderr))).to.deep.equal([]);
    expect(String(r.stderr)).to.match(/^T: Restored Deployment web to 1 replica$/m);
    const d: V1Deployment = await fx.apps.readNamespacedDeployment({ name: 'web', namespace: fx.namespace });
    expect([d.spec?.replicas, d.metadata?.annotations?.['telepresence.io/swapped-by']]).to.deep.equal([1, undefined]);
    await waitFor('the copy to be gone', 60_000, async () => ((await labelledTelepresence(fx)).length === 0 ? true : undefined));
    expect((await fx.kubectl(['get', 'leases', '-o', 'name'])).trim()).to.equal('');
    expect(await portForwardPids('web-')).to.deep.equal([]);
  });
});
