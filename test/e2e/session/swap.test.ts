// --swap-deployment against the local cluster: the Service of a swapped Deployment reaches the
// workstation (its own port and the container's other port, exposed by itself), the workstation's
// process sees the pod's env and its connections leave from the swapped pod; the original's replicas,
// image and pods come back after a normal exit, SIGTERM, a failing command, and after a SIGKILL (the
// next run here, or `telepresence repair` from another HOME once the Lease expired, never before).
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { execa } from 'execa';
import { waitFor } from '../helpers/cluster.js';
import { ECHO_IMAGE, runScript } from '../helpers/pods.js';
import { useSharedFixture } from '../helpers/shared-fixture.js';
import { echoService, labelledTelepresence } from '../kube/fixtures.js';
import { freePort } from '../../helpers/ports.js';
import { errorLines, launchedSession, startTelepresence, telepresence, tmpDir } from './run.js';

const SWAP_ANNOTATION = 'telepresence.io/swapped-by';

function echoDeployment(name: string, replicas: number, ports: number[]): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, tier: 'web' } }, spec: {
      containers: [{ name: 'echo', image: ECHO_IMAGE, imagePullPolicy: 'Never', env: [{ name: 'GREETING', value: 'from-the-pod' }],
        ports: ports.map((p) => ({ containerPort: p })), readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } },
      { name: 'sidecar', image: ECHO_IMAGE, imagePullPolicy: 'Never', env: [{ name: 'PORT', value: '9191' }] }] } } },
  });
}

/** A workstation server on each port answering `<port> <GREETING> <TELEPRESENCE_POD>`; exits after `count` requests. */
function localServer(ports: number[], count: number): string {
  return `let n=0;for(const p of [${ports.join(',')}])require('http').createServer((q,r)=>r.end(p+' '+process.env.GREETING+' '+process.env.TELEPRESENCE_POD,()=>{if(++n>=${count})process.exit(0)})).listen(p,'127.0.0.1')`;
}

describe('--swap-deployment (e2e, inject-tcp)', function () {
  this.timeout(300_000);
  const fx = useSharedFixture('tp-e2e-swap');
  let auto: number;
  const args = (dir: string) => ['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log')];
  const read = () => fx.apps.readNamespacedDeployment({ name: 'echo', namespace: fx.namespace });

  /** The original as it was: 2 replicas, its own image, 2 Ready pods of its own, no swap record, no copy, no Lease. */
  async function expectRestored(): Promise<void> {
    const d = await waitFor('Deployment echo to be back with 2 ready pods', 90_000, async () => {
      const now: V1Deployment = await read();
      return now.spec?.replicas === 2 && now.status?.readyReplicas === 2 && now.status?.replicas === 2 ? now : undefined;
    });
    expect(d.spec!.template!.spec!.containers.map((c) => c.image)).to.deep.equal([ECHO_IMAGE, ECHO_IMAGE]);
    expect(d.metadata?.annotations?.[SWAP_ANNOTATION]).to.equal(undefined);
    await waitFor('the copy to be gone', 60_000, async () => ((await labelledTelepresence(fx)).length === 0 ? true : undefined));
    const pods = (await fx.kubectl(['get', 'pods', '-l', 'app=echo', '-o', 'jsonpath={.items[*].spec.containers[0].image}'])).split(' ');
    expect(pods).to.deep.equal([ECHO_IMAGE, ECHO_IMAGE]);
    expect((await fx.kubectl(['get', 'leases', '-o', 'name'])).trim()).to.equal('');
  }

  before(async function () {
    this.timeout(300_000);
    auto = await freePort();
    await fx.kubectl(['apply', '-f', '-'], echoDeployment('echo', 2, [8080, auto]));
    await fx.kubectl(['apply', '-f', '-'], echoDeployment('idle', 0, [8080]));
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' },
      spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }, { name: 'auto', port: auto, targetPort: auto }] } }));
    await echoService(fx, 'peer');
    await fx.kubectl(['rollout', 'status', 'deployment/echo', '--timeout=120s']);
  });

  it("a pod's requests to Service echo reach the workstation (8080 by --expose, the container's other port by itself), which has the pod's env and connects from the swapped pod; restored at exit", async () => {
    const local = await freePort();
    const dir = tmpDir();
    const origin = path.join(dir, 'origin.json');
    // The user process first asks the peer Service who is calling (through torsocks), then serves.
    const script = `curl -sS --max-time 20 http://peer:8080/ > ${origin}; exec node -e "${localServer([local, auto], 2)}"`;
    const session = startTelepresence([...args(dir), '--swap-deployment', 'echo', '--expose', `${local}:8080`, '--run', 'sh', '-c', script]);
    const curl = (port: number) => `curl -sS --retry 60 --retry-delay 1 --retry-all-errors --max-time 5 http://echo:${port}/; echo`;
    let log: string;
    try {
      // Until the swap is in place, the original's pods answer with their JSON: ask until the workstation does.
      log = await runScript(fx, 'swap-client', `for i in $(seq 90); do a=$(${curl(8080)}); case "$a" in *from-the-pod*) echo "$a"; break;; esac; sleep 1; done; ${curl(auto)}`);
    } catch (err) {
      session.kill('SIGTERM');
      throw new Error(`${String(err)}\nsession: ${String((await session).stderr)}`);
    }
    const r = await session;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    const lines = log.trim().split('\n').filter((l) => !l.startsWith('curl: '));
    const pod = /^\d+ from-the-pod (\S+)$/.exec(lines[0])?.[1];
    expect(pod, log).to.match(/^echo-[0-9a-f]{12}-/);
    expect(lines).to.deep.equal([`${local} from-the-pod ${pod}`, `${auto} from-the-pod ${pod}`]);
    // Connection origin: the peer saw the swapped pod's IP.
    const seen = JSON.parse(fs.readFileSync(origin, 'utf8')) as { client: { address: string } };
    const progress = String(r.stderr).split('\n').filter((l) => l.startsWith('T: '));
    const podIp = /^T: Pod \S+ is ready \(IP (\S+)\)$/m.exec(progress.join('\n'))?.[1];
    expect(seen.client.address).to.equal(podIp);
    expect(progress).to.include.members([
      'T: Swapping Deployment echo (2 replicas) for a proxy pod',
      `T: Forwarding port 8080 of the proxy pod to localhost:${local} here`,
      `T: Forwarding port ${auto} of the proxy pod to localhost:${auto} here`,
      'T: Restored Deployment echo to 2 replicas',
    ]);
    await expectRestored();
  });

  it('an exposed port with nothing listening here refuses at once; SIGTERM, and a command that fails (its exit code is the session\'s): restored each time', async () => {
    const dir = tmpDir();
    const closed = await freePort();
    const { child } = await launchedSession([...args(dir), '--swap-deployment', 'echo', '--expose', `${closed}:8080`, '--run', 'sleep', '300']);
    expect((await read()).spec?.replicas).to.equal(0);
    const refused = await runScript(fx, 'swap-refused', 's=$(date +%s%N); curl -sS --max-time 20 http://echo:8080/; echo "rc=$? ms=$(( ($(date +%s%N) - s) / 1000000 ))"');
    const [, rc, ms] = /rc=(\d+) ms=(\d+)/.exec(refused) ?? [];
    expect(refused).to.include('curl: (52) Empty reply from server');
    expect([rc, Number(ms) < 3000], refused).to.deep.equal(['52', true]);
    child.kill('SIGTERM');
    const r = await child;
    expect(String(r.stderr)).to.include('T: Restored Deployment echo to 2 replicas');
    await expectRestored();
    const failed = await telepresence([...args(dir), '--swap-deployment', 'echo:echo', '--run', 'sh', '-c', 'exit 3']);
    expect(failed.exitCode, failed.stderr).to.equal(3);
    expect(failed.stderr).to.include('T: Restored Deployment echo to 2 replicas');
    await expectRestored();
  });

  it('refuses a missing container (naming the ones there are) and a Deployment at 0 replicas, changing nothing', async () => {
    const dir = tmpDir();
    const missing = await telepresence([...args(dir), '--swap-deployment', 'echo:nope', '--run', 'true']);
    expect(missing.exitCode).to.equal(2);
    expect(errorLines(missing.stderr)).to.deep.equal([
      'telepresence: error: Deployment echo has no container "nope": its containers are echo, sidecar; use --swap-deployment echo:CONTAINER',
    ]);
    const idle = await telepresence([...args(dir), '--swap-deployment', 'idle', '--run', 'true']);
    expect(idle.exitCode).to.equal(2);
    expect(errorLines(idle.stderr)).to.deep.equal([
      `telepresence: error: Deployment idle has 0 replicas: there is nothing to swap; scale it up first (kubectl scale deployment idle --replicas=1 -n ${fx.namespace})`,
    ]);
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
    expect((await read()).spec?.replicas).to.equal(2);
  });

  /** Starts a swap session with its own HOME and cache, a 3 s Lease; resolves once it runs its command. */
  async function swapIn(home: string) {
    const config = path.join(home, 'config.yml');
    fs.writeFileSync(config, 'timeouts:\n  swapLease: 3s\n');
    const env = { HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), TELEPRESENCE_CONFIG: config };
    const started = await launchedSession([...args(home), '--swap-deployment', 'echo', '--run', 'sleep', '301'], env);
    const [journal] = fs.readdirSync(path.join(home, 'cache', 'telepresence', 'sessions')).filter((n) => n.endsWith('.json'));
    const record = JSON.parse(fs.readFileSync(path.join(home, 'cache', 'telepresence', 'sessions', journal), 'utf8')) as { pid: number; sessionId: string };
    return { ...started, env, record };
  }

  /** SIGKILL of the launcher, as a crash; its command is ended too (it holds the session's output open). */
  async function kill9(s: Awaited<ReturnType<typeof swapIn>>): Promise<void> {
    process.kill(s.record.pid, 'SIGKILL');
    await execa('pkill', ['-f', 'sleep 301'], { reject: false });
    await s.child;
  }

  it('after a SIGKILL, the next run on this workstation restores the Deployment', async () => {
    const s = await swapIn(tmpDir());
    await kill9(s);
    expect((await read()).spec?.replicas).to.equal(0);
    // The next run swaps the same Deployment again: its pods come back (the status moves) while the copy starts.
    const next = await telepresence([...args(s.env.HOME), '--swap-deployment', 'echo', '--run', 'true'], s.env);
    expect(next.exitCode, next.stderr).to.equal(0);
    const progress = next.stderr.split('\n').filter((l) => l.startsWith('T: ') && /Restored|Swapping/.test(l));
    expect(progress).to.deep.equal([
      'T: Repaired: Restored Deployment echo to 2 replicas',
      'T: Swapping Deployment echo (2 replicas) for a proxy pod',
      'T: Restored Deployment echo to 2 replicas',
    ]);
    await expectRestored();
  });

  it('`telepresence repair` from another HOME leaves a live swap alone (and a second swap is refused), and restores it once the Lease expired after a SIGKILL', async () => {
    const s = await swapIn(tmpDir());
    const other = tmpDir();
    const otherEnv = { HOME: other, XDG_CACHE_HOME: path.join(other, 'cache') };
    const alive = await telepresence(['repair', '--namespace', fx.namespace], otherEnv);
    expect(alive.exitCode, alive.stderr).to.equal(0);
    expect(alive.stdout).to.match(new RegExp(`^Deployment echo is swapped by session ${s.record.sessionId}, which is alive \\(its Lease was last renewed \\d+ s ago\\): left alone$`, 'm'));
    expect(alive.stdout).to.include(`Nothing to repair in namespace ${fx.namespace}`);
    const second = await telepresence([...args(other), '--swap-deployment', 'echo', '--run', 'true'], otherEnv);
    expect(second.exitCode).to.equal(2);
    expect(errorLines(second.stderr)[0]).to.match(new RegExp(`^telepresence: error: Deployment echo is already swapped by telepresence session ${s.record.sessionId}, which is alive \\(its Lease was renewed \\d+ s ago\\): end that session first$`));
    expect((await read()).spec?.replicas).to.equal(0);

    await kill9(s);
    // The Lease lasts 3 s unrenewed; repair watches an expired one for a renewal period more before it acts.
    await waitFor('the Lease to expire', 30_000, async () => {
      const l = JSON.parse(await fx.kubectl(['get', 'lease', `telepresence-${s.record.sessionId}`, '-o', 'json'])) as { spec: { renewTime: string } };
      return Date.now() - new Date(l.spec.renewTime).getTime() > 3500 ? true : undefined;
    });
    const repaired = await telepresence(['repair', '--namespace', fx.namespace], otherEnv);
    expect(repaired.exitCode, repaired.stderr).to.equal(0);
    expect(repaired.stdout.trim().split('\n')).to.deep.equal([
      `Repaired: Restored Deployment echo to 2 replicas (session ${s.record.sessionId}: its Lease expired, last renewed ${/last renewed (\d+) s ago/.exec(repaired.stdout)?.[1]} s ago)`,
    ]);
    await expectRestored();
    const again = await telepresence(['repair', '--namespace', fx.namespace], otherEnv);
    expect(again.stdout.trim()).to.equal(`Nothing to repair in namespace ${fx.namespace} (context ${/context (\S+)\)/.exec(again.stdout)?.[1]})`);
  });
});
