// --expose with a new Deployment against the local cluster: another pod's requests to the Service of
// the Deployment's name reach the server the session runs on this workstation, on a port above 1024
// (the non-root pod) and below it (the privileged variant, said in the progress output); everything
// is gone after the session. And --to-pod/--from-pod between this workstation and the pod's localhost.
import { expect } from 'chai';
import path from 'node:path';
import { useCluster, waitFor } from '../helpers/cluster.js';
import { runScript } from '../helpers/pods.js';
import { labelledTelepresence } from '../kube/fixtures.js';
import { startTelepresence, tmpDir } from './run.js';
import { freePort } from '../../helpers/ports.js';


/** A node one-liner: HTTP on 127.0.0.1 at each port, answering `<port> <path> <TELEPRESENCE_POD>`; exits after `count` requests. */
function localServer(ports: number[], count: number): string {
  return `let n=0;for(const p of [${ports.join(',')}])require('http').createServer((q,r)=>r.end(p+' '+q.url+' '+process.env.TELEPRESENCE_POD,()=>{if(++n>=${count})process.exit(0)})).listen(p,'127.0.0.1')`;
}

describe('--expose with --new-deployment (e2e, inject-tcp)', function () {
  this.timeout(240_000);
  const fx = useCluster();

  it('a pod\'s requests to the Service (port 8080, and port 80 through the privileged variant) reach the workstation\'s server', async () => {
    const name = `tp-expose-${Date.now() % 100000}`;
    const [high, low] = [await freePort(), await freePort()];
    const dir = tmpDir();
    const session = startTelepresence(['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log'),
      '--new-deployment', name, '--expose', `${high}:8080`, '--expose', `${low}:80`, '--run', process.execPath, '-e', localServer([high, low], 2)]);
    // The client retries until the session is up (the Service appears, then the forwards, then the server).
    const curl = (port: number, p: string) => `curl -sS --retry 60 --retry-delay 1 --retry-all-errors --max-time 5 http://${name}:${port}${p}; echo`;
    const log = await runScript(fx, `${name}-client`, `${curl(8080, '/high')}; ${curl(80, '/low')}`).catch(async (err: unknown) => {
      session.kill('SIGTERM');
      throw new Error(`${String(err)}\nsession: ${String((await session).stderr)}`);
    });
    const r = await session;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    const pod = /^(\S+) \/high (\S+)$/m.exec(log)?.[2];
    // (curl's own lines are its retries while the session starts)
    expect(log.trim().split('\n').filter((l) => !l.startsWith('curl: '))).to.deep.equal([`${high} /high ${pod}`, `${low} /low ${pod}`]);
    expect(pod).to.match(new RegExp(`^${name}-`));
    const progress = String(r.stderr).split('\n').filter((l) => l.startsWith('T: '));
    expect(progress).to.include.members([
      `T: Creating Service ${name} for ports 80, 8080`,
      'T: The proxy pod runs as root: port 80 below 1024 is exposed',
      `T: Forwarding port 8080 of the proxy pod to localhost:${high} here`,
      `T: Forwarding port 80 of the proxy pod to localhost:${low} here`,
    ]);
    expect((await labelledTelepresence(fx)).filter((o) => o.includes(name))).to.deep.equal([]);
  });
});

describe('--to-pod and --from-pod (e2e, inject-tcp)', function () {
  this.timeout(240_000);
  const fx = useCluster();

  it("--to-pod 9050 reaches the pod's own SOCKS server on its localhost; --from-pod carries a pod-local connection to this workstation", async () => {
    const name = `tp-ports-${Date.now() % 100000}`;
    const back = await freePort();
    const dir = tmpDir();
    // The user process: a SOCKS greeting to localhost:9050 here (the pod's SOCKS server answers 05 00),
    // then a server on localhost:BACK that answers one connection from the pod and exits.
    const script = `const net=require('net');const s=net.connect(9050,'127.0.0.1',()=>s.write(Buffer.from([5,1,0])));`
      + `s.once('data',(d)=>{console.log('socks '+d.toString('hex'));s.destroy();`
      + `net.createServer((c)=>{c.on('data',(x)=>c.end('workstation got '+x));c.on('close',()=>process.exit(0))}).listen(${back},'127.0.0.1',()=>console.log('listening'))})`;
    const session = startTelepresence(['--method', 'inject-tcp', '--namespace', fx.namespace, '--logfile', path.join(dir, 'tp.log'),
      '--new-deployment', name, '--to-pod', '9050', '--from-pod', String(back), '--run', process.execPath, '-e', script]);
    let out = '';
    session.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('the user process to listen', 120_000, () => (out.includes('listening') ? true : session.exitCode !== null ? true : undefined));
      const pods = await fx.kubectl(['get', 'pods', '-l', 'telepresence', '-o', 'jsonpath={.items[*].metadata.name}']);
      const pod = pods.split(' ').find((p) => p.startsWith(`${name}-`));
      expect(pod, pods).to.be.a('string');
      const inPod = await fx.kubectl(['exec', pod!, '--', '/opt/telepresence/bin/node', '-e',
        `const s=require('net').connect(${back},'127.0.0.1',()=>s.end('hello'));s.on('data',(d)=>process.stdout.write(d))`]);
      expect(inPod).to.equal('workstation got hello');
    } catch (err) {
      session.kill('SIGTERM');
      throw err;
    }
    const r = await session;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    expect(String(r.stdout).trim().split('\n')).to.deep.equal(['socks 0500', 'listening']);
    const progress = String(r.stderr).split('\n').filter((l) => l.startsWith('T: Forwarding'));
    expect(progress).to.deep.equal([
      `T: Forwarding localhost port ${back} of the proxy pod to the same port here`,
      'T: Forwarding localhost port 9050 here to the same port of the proxy pod',
    ]);
  });
});
