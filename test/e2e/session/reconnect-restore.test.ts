// Issue 16: what rode on the old SSH connection is restored after a reconnect. One --new-deployment session
// with --expose and the mount: a pod's curl loop to the Service reaches the workstation's server and the user
// process reads the pod's /etc/hostname through $TELEPRESENCE_ROOT; the session's kubectl port-forward is
// killed by its pid; after "Reconnected" both work again (the time after the reconnect is printed), a file
// opened in the old mount fails; exit 0, no mount left, the host as before. And a swap's automatic port.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from '../helpers/cluster.js';
import { ECHO_IMAGE, scriptPod } from '../helpers/pods.js';
import { labelledTelepresence } from '../kube/fixtures.js';
import { freePort } from '../../helpers/ports.js';
import { hostState, useHostSessions } from './host-state.js';
import { portForwardPids, RECONNECTED_LINE } from './reconnect-watch.js';
import { errorLines, launchedSession, tmpDir } from './run.js';


/** The sshfs mounts of this machine as `SOURCE TARGET` lines (from /proc/mounts). */
function sshfsMounts(): string[] {
  return fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[2] === 'fuse.sshfs').map((l) => l.split(' ').slice(0, 2).join(' '));
}

/** The pids of the sshfs processes serving `mountPoint` (their command line ends with it). */
async function sshfsPids(mountPoint: string): Promise<string[]> {
  const r = await execa('pgrep', ['-f', `^sshfs .* ${mountPoint}$`], { reject: false });
  return r.stdout.split('\n').filter(Boolean);
}

interface Probe { at: number; what: string; ok: boolean; text: string }

/** `MS WHAT ok|fail TEXT` lines (of the user process's log, or of the client pod's). */
function probes(text: string): Probe[] {
  return text.split('\n').map((l) => /^(\d+) (\S+) (ok|fail) ?(.*)$/.exec(l)).filter((m) => m !== null)
    .map((m) => ({ at: Number(m[1]), what: m[2], ok: m[3] === 'ok', text: m[4] }));
}

/** A client pod: curls each URL every 200 ms (`MS NAME ok BODY` / `MS NAME fail`) until /tmp/stop exists in it. */
function curlLoop(urls: Record<string, string>): string {
  const each = Object.entries(urls).map(([what, url]) =>
    `  t=$(date +%s%3N); if b=$(curl -sS --max-time 2 ${url} 2>/dev/null); then echo "$t ${what} ok $b"; else echo "$t ${what} fail"; fi`);
  return ['while [ ! -e /tmp/stop ]; do', ...each, '  sleep 0.2', 'done'].join('\n');
}

/**
 * The user process: an HTTP server on 127.0.0.1 at each port answering `workstation PORT PATH`; every 200 ms
 * it reads $TELEPRESENCE_ROOT/etc/hostname anew (`root`) and through a file opened at its start (`fd`),
 * into LOG; exits 0 once STOP exists.
 */
function userProcess(ports: number[], log: string, stop: string): string {
  return `const fs=require('fs');const log=(l)=>fs.appendFileSync(${JSON.stringify(log)},Date.now()+' '+l+'\\n');`
    + `for(const p of [${ports.join(',')}])require('http').createServer((q,r)=>r.end('workstation '+p+' '+q.url)).listen(p,'127.0.0.1');`
    + 'const R=process.env.TELEPRESENCE_ROOT;let fd=null;try{fd=fs.openSync(R+"/etc/hostname","r")}catch(e){log("fd fail open "+e.code)}'
    + 'setInterval(()=>{'
    + `if(fs.existsSync(${JSON.stringify(stop)}))process.exit(0);`
    + 'fs.readFile(R+"/etc/hostname","utf8",(e,d)=>log(e?"root fail "+e.code:"root ok "+d.trim()));'
    + 'if(fd!==null){const b=Buffer.alloc(256);fs.read(fd,b,0,256,0,(e,n)=>log(e?"fd fail "+e.code:"fd ok "+b.subarray(0,n).toString().trim()))}'
    + '},200)';
}

/** The first probe of `what` after `t` that is ok, and its delay after `t`. */
function firstOkAfter(list: Probe[], what: string, t: number): Probe | undefined {
  return list.find((p) => p.what === what && p.at > t && p.ok);
}

describe('restore after a reconnect (e2e, inject-tcp)', function () {
  this.timeout(240_000);
  const host = useHostSessions(tmpDir);
  const { fx } = host;

  it('--new-deployment with --expose 8080 and the mount: after the killed port-forward and the reconnect both work again; exit 0, no mount, host as before', async () => {
    const name = `tp-rr-${Date.now() % 100000}`;
    const local = await freePort();
    const dir = host.dir();
    const [userLog, stop, tpLog] = [path.join(dir, 'user.log'), path.join(dir, 'stop'), path.join(dir, 'tp.log')];
    const mountsBefore = sshfsMounts();
    const client = `${name}-client`;
    await fx.kubectl(['apply', '-f', '-'], scriptPod(client, curlLoop({ svc: `http://${name}:8080/loop` })));
    const clientLog = async () => probes(await fx.kubectl(['logs', client]));
    const userProbes = () => probes(fs.existsSync(userLog) ? fs.readFileSync(userLog, 'utf8') : '');
    const { child, stderr } = await launchedSession(['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', tpLog,
      '--new-deployment', name, '--expose', `${local}:8080`, '--run', process.execPath, '-e', userProcess([local], userLog, stop)]);
    let figures = '';
    try {
      const pods = await fx.kubectl(['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}']);
      const pod = pods.split(' ').find((p) => p.startsWith(`${name}-`) && p !== client);
      expect(pod, pods).to.be.a('string');
      const hostname = (await fx.kubectl(['exec', pod!, '--', 'cat', '/etc/hostname'])).trim();
      expect(hostname).to.not.equal('');
      const body = `workstation ${local} /loop`;
      await waitFor('the Service to answer from the workstation', 60_000, async () => ((await clientLog()).some((p) => p.ok) ? true : undefined), 250);
      await waitFor('the mount to be read', 10_000, () => (userProbes().some((p) => p.what === 'root' && p.ok) ? true : undefined));
      expect((await clientLog()).filter((p) => p.ok).map((p) => p.text)).to.include(body);
      expect(userProbes().filter((p) => p.ok).map((p) => `${p.what} ${p.text}`)).to.include.members([`root ${hostname}`, `fd ${hostname}`]);
      const root = /^T: Volumes are rooted at \$TELEPRESENCE_ROOT \((.+)\)\.$/m.exec(stderr())![1];
      expect(sshfsMounts().filter((l) => l.endsWith(` ${root}`))).to.have.length(1);

      const [oldSshfs, ...otherSshfs] = await sshfsPids(root);
      expect(otherSshfs, 'one sshfs at the mount point').to.deep.equal([]);
      const [pid, ...more] = await portForwardPids(`${name}-`);
      expect(more, 'one port-forward').to.deep.equal([]);
      const killedAt = Date.now();
      await execa('kill', ['-KILL', String(pid)]);
      const reconnectedAt = await waitFor('the recovery line', 30_000, () => (RECONNECTED_LINE.test(stderr()) ? Date.now() : undefined), 20);
      const svc = await waitFor('the Service to answer again', 30_000, async () => firstOkAfter(await clientLog(), 'svc', reconnectedAt), 250);
      const mount = await waitFor('the mount to be read again', 30_000, () => firstOkAfter(userProbes(), 'root', reconnectedAt));
      expect(svc.text).to.equal(body);
      expect(mount.text).to.equal(hostname);
      // The old mount died with its connection and another sshfs serves the path. (Reads between the kill and
      // the remount may all have failed, or, when the reconnect beats the next read, come from the page
      // cache: a CI run saw one read in that window, and it was ok.)
      const lost = userProbes().filter((p) => p.what === 'root' && p.at > killedAt && p.at < mount.at);
      expect((await sshfsPids(root)).filter((p) => p !== oldSshfs), 'a new sshfs at the mount point').to.have.length(1);
      // A file opened in the old mount dies with it and stays dead (new opens work). It may still read from the
      // kernel's page cache until the old sshfs is gone (seen once in CI: two reads ok after the remount), so
      // what is asserted is that it fails once the old mount is gone and never reads again after that.
      const fdDeadAt = await waitFor('the old file handle to fail', 10_000, () => userProbes().find((p) => p.what === 'fd' && p.at > killedAt && !p.ok)?.at);
      await waitFor('fd reads after it failed', 5_000, () => (userProbes().filter((p) => p.what === 'fd' && p.at > fdDeadAt + 400).length > 0 ? true : undefined));
      expect(userProbes().filter((p) => p.what === 'fd' && p.at > fdDeadAt).map((p) => p.ok)).to.not.include(true);
      figures = `kill -> "Reconnected" ${reconnectedAt - killedAt} ms (line: ${RECONNECTED_LINE.exec(stderr())![1]} s); after it: `
        + `Service:8080 answers from the workstation in ${svc.at - reconnectedAt} ms, $TELEPRESENCE_ROOT/etc/hostname reads in ${mount.at - reconnectedAt} ms `
        + `(reads before it: ${lost.filter((p) => !p.ok).length} failed, ${lost.filter((p) => p.ok).length} ok)`;
      console.log(`      ${figures}`);
      expect(svc.at - reconnectedAt, figures).to.be.below(5000);
      expect(mount.at - reconnectedAt, figures).to.be.below(5000);
      expect(sshfsMounts().filter((l) => l.endsWith(` ${root}`))).to.have.length(1);
    } finally {
      fs.writeFileSync(stop, '');
      await fx.kubectlResult(['exec', client, '--', 'touch', '/tmp/stop']);
    }
    const r = await child;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    const text = String(r.stderr);
    expect(text.match(new RegExp(RECONNECTED_LINE.source, 'gm'))?.length, text).to.equal(1);
    expect(errorLines(text)).to.deep.equal([]);
    const logged = fs.readFileSync(tpLog, 'utf8');
    expect(logged).to.contain(`after the reconnect: port 8080 of the proxy pod reaches localhost:${local} here again`);
    expect(logged).to.match(/after the reconnect: the pod's volumes are mounted again at \/tmp\/tel-\w{6}\/fs/);
    expect(sshfsMounts()).to.deep.equal(mountsBefore);
    expect(await portForwardPids(`${name}-`)).to.deep.equal([]);
    expect(await hostState()).to.deep.equal(host.initial());
    expect((await labelledTelepresence(fx)).filter((o) => o.includes(name))).to.deep.equal([]);
  });

  it("--swap-deployment: the container's automatic port and --expose answer again after the reconnect; restored at exit", async () => {
    const [local, auto] = [await freePort(), await freePort()];
    // A name of its own: the port-forward is found by it among other sessions' on this machine.
    const web = `tp-rrw-${Date.now() % 100000}`;
    const dir = host.dir();
    const [userLog, stop] = [path.join(dir, 'user.log'), path.join(dir, 'stop')];
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: web, labels: { app: web } },
      spec: { replicas: 1, selector: { matchLabels: { app: web } }, template: { metadata: { labels: { app: web } }, spec: {
        containers: [{ name: 'echo', image: ECHO_IMAGE, imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }, { containerPort: auto }] }] } } },
    }));
    await fx.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: web },
      spec: { selector: { app: web }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }, { name: 'auto', port: auto, targetPort: auto }] } }));
    await fx.kubectl(['rollout', 'status', `deployment/${web}`, '--timeout=120s']);
    const client = 'curl-client';
    await fx.kubectl(['apply', '-f', '-'], scriptPod(client, curlLoop({ http: `http://${web}:8080/s`, auto: `http://${web}:${auto}/s` })));
    const clientLog = async () => probes(await fx.kubectl(['logs', client]));
    const { child, stderr } = await launchedSession(['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log'),
      '--swap-deployment', web, '--expose', `${local}:8080`, '--mount', 'false', '--run', process.execPath, '-e', userProcess([local, auto], userLog, stop)]);
    try {
      const answers = { http: `workstation ${local} /s`, auto: `workstation ${auto} /s` };
      const both = async (after: number) => {
        const list = await clientLog();
        // Until the swap is in place the original's pod answers (with its JSON): only the workstation's answers count.
        const [h, a] = (['http', 'auto'] as const).map((what) => list.find((p) => p.what === what && p.at > after && p.ok && p.text === answers[what]));
        return h && a ? Math.max(h.at, a.at) : undefined;
      };
      await waitFor('both ports to answer from the workstation', 60_000, () => both(0), 250).catch(async (err: Error) => {
        throw new Error(`${err.message}\nclient: ${(await fx.kubectl(['logs', client])).split('\n').slice(-6).join('\n')}\nsession: ${stderr()}`);
      });
      const [pid, ...more] = await portForwardPids(`${web}-`);
      expect(more, 'one port-forward').to.deep.equal([]);
      const killedAt = Date.now();
      await execa('kill', ['-KILL', String(pid)]);
      const reconnectedAt = await waitFor('the recovery line', 30_000, () => (RECONNECTED_LINE.test(stderr()) ? Date.now() : undefined), 20);
      const again = await waitFor('both ports to answer again', 30_000, () => both(reconnectedAt), 250);
      console.log(`      kill -> "Reconnected" ${reconnectedAt - killedAt} ms; after it: --expose 8080 and automatic port ${auto} answer in ${again - reconnectedAt} ms`);
      expect(again - reconnectedAt).to.be.below(5000);
    } finally {
      fs.writeFileSync(stop, '');
      await fx.kubectlResult(['exec', client, '--', 'touch', '/tmp/stop']);
    }
    const r = await child;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    expect(errorLines(String(r.stderr))).to.deep.equal([]);
    expect(String(r.stderr)).to.include(`T: Restored Deployment ${web} to 1 replica`);
    expect(await portForwardPids(`${web}-`)).to.deep.equal([]);
    expect(await hostState()).to.deep.equal(host.initial());
  });
});
