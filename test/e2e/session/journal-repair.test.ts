// A vpn-tcp session is SIGKILLed right after each change it journals (the vpn-tcp lock, the proxy
// objects, the port-forward, the resolver); the next run repairs that change by its kind and says so,
// and the host and the cluster are as before.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { SessionRecord } from '../../../src/session/journal.js';
import { waitFor, type ClusterFixture } from '../helpers/cluster.js';
import { labelledTelepresence } from '../kube/fixtures.js';
import { hostState, useHostSessions } from './host-state.js';
import { startTelepresence, telepresence, tmpDir } from './run.js';

interface KillPoint {
  kind: string;
  /** The change is made (not only journalled): its effect can be seen. */
  made(entry: unknown, fx: ClusterFixture, stderr: string): Promise<boolean>;
  method?: string;
  /** What the next run says it repaired. */
  repaired: RegExp;
}

const KILL_POINTS: KillPoint[] = [
  {
    kind: 'vpn-tcp-lock',
    made: async () => fs.existsSync('/run/telepresence/vpn-tcp.pid'),
    repaired: /^Repaired: released the vpn-tcp lock \/run\/telepresence\/vpn-tcp\.pid of an earlier session \(pid \d+\)$/m,
  },
  {
    kind: 'cluster-objects',
    made: async (_entry, fx) => (await labelledTelepresence(fx)).some((o) => o.startsWith('deployment')),
    repaired: /^T: Repaired: removed what an earlier session \(pid \d+, started [^)]+\) left in namespace [^:]+: .*Deployment /m,
  },
  {
    kind: 'port-forward',
    // Killed while kubectl is busy (mid-handshake), kubectl ends by itself on its next line to our dead
    // pipe: only a port-forward that sits idle under a running session outlives it. inject-tcp then.
    method: 'inject-tcp',
    made: async (entry, _fx, stderr) => (entry as { pid: number }).pid > 0 && stderr.includes('Setup complete'),
    repaired: /^Repaired: stopped the kubectl port-forward pod\/\S+ \(pid \d+\) of an earlier session \(pid \d+\)$/m,
  },
  {
    kind: 'resolver',
    made: async () => fs.readFileSync('/etc/resolv.conf', 'utf8').includes('nameserver 127.0.0.153'),
    repaired: /^Repaired: .*resolv\.conf/m,
  },
];

describe('SIGKILL after each journalled change: the next run repairs it (e2e, root)', function () {
  this.timeout(180_000);
  const { fx, dir, initial } = useHostSessions(tmpDir);
  const journalDir = () => path.join(dir(), 'cache', 'telepresence', 'sessions');
  const env = () => ({ XDG_CACHE_HOME: path.join(dir(), 'cache') });
  const args = (method = 'vpn-tcp') => ['--method', method, '--namespace', fx.namespace, '--logfile', path.join(dir(), 'tp.log')];
  const journal = (): SessionRecord | undefined => {
    const [name] = fs.existsSync(journalDir()) ? fs.readdirSync(journalDir()).filter((n) => n.endsWith('.json')) : [];
    return name ? JSON.parse(fs.readFileSync(path.join(journalDir(), name), 'utf8')) as SessionRecord : undefined;
  };

  for (const point of KILL_POINTS) {
    it(`after ${point.kind}`, async () => {
      const child = startTelepresence([...args(point.method), '--run', 'sleep', '305'], env());
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const record = await waitFor(`the change ${point.kind} to be made`, 120_000, async () => {
        const r = journal();
        const entry = r?.entries.find((e) => e.kind === point.kind);
        return r && entry && (await point.made(entry.data, fx, stderr)) ? r : undefined;
      });
      // A port-forward that outlives the session is what the repair is for: stopped, kubectl cannot
      // end by itself on its next line to the dead session's pipe (it does, at times, even when idle).
      const forward = record.entries.find((e) => e.kind === 'port-forward')?.data as { pid: number } | undefined;
      if (point.kind === 'port-forward' && forward) process.kill(forward.pid, 'SIGSTOP');
      process.kill(record.pid, 'SIGKILL');
      await exited;
      await execa('pkill', ['-f', 'sleep 305'], { reject: false }); // it holds the session's output open
      await child;
      expect(journal()?.entries.map((e) => e.kind)).to.include(point.kind);

      const next = await telepresence([...args(), '--run', 'true'], env());
      expect(next.exitCode, next.stderr).to.equal(0);
      expect(next.stderr, next.stderr).to.match(point.repaired);
      expect(journal(), 'the journal is gone once all is repaired').to.equal(undefined);
      expect(await hostState()).to.deep.equal(initial());
      expect(await labelledTelepresence(fx)).to.deep.equal([]);
      expect(fs.existsSync('/run/telepresence/vpn-tcp.pid')).to.equal(false);
    });
  }
});
