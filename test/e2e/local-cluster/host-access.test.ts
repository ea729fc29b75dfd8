// Issue 15's local-cluster proof on the host-access topology (`npm run cluster -- up --host-access`): the
// real CLI runs inside netns tp-ws, whose host-only link leads to the node, whose default route and DNS
// fallback lead back to tp-ws, so a cluster that cannot answer asks the workstation (DNS and connect
// recursion, as minikube on VirtualBox does). Brought up for this file only and taken down after it.
import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { HOST_ACCESS, NODE_NETNS, clusterAddresses, readSettings, statePaths } from '../../cluster/state.js';
import { useCluster } from '../helpers/cluster.js';
import { ensureProxyImage } from '../helpers/proxy-image.js';
import { echoService } from '../kube/fixtures.js';
import { BIN, tmpDir } from '../session/run.js';
import { DNS_ASK, WS, clusterCli, inWorkstation, ip, logLines } from './workstation.js';

/** Addresses outside every test network: none may have a way out. 192.0.2.1 is the machine's real gateway. */
const OUTSIDE = ['1.1.1.1', '8.8.8.8', '203.0.113.1', '192.0.2.1'];
/** dns.lookupTimeoutMs's default: a look-up must end (NXDOMAIN) before it. */
const LOOKUP_TIMEOUT_MS = 8000;
/** The VIF's connect timeout (vif connectTimeoutMs default). */
const CONNECT_TIMEOUT_S = 20;
/** The connect recursion guard's log lines (src/vif/README.md): the repeats are held, then fail with the first. */
const guardHeld = (target: string) => `vif: guard: holding connects to ${target} while the first is in flight`;
const guardFailed = (target: string) => new RegExp(`vif: guard: ${target.replace(/\./g, '\\.')} failed \\(.+\\): \\d+ held attempts? failed with it`);
/** The session's own progress line on this topology: the API server is on tp-ws's loopback. */
const LOCAL_LINE = 'T: Local cluster detected (API server 127.0.0.1 is a loopback address): the proxy pod resolves names outside the cluster through 8.8.8.8, not through this workstation';

async function plainSnapshot(): Promise<Record<string, string>> {
  return {
    netns: (await ip(['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]).sort().join(' '),
    nodeRoutes: (await ip(['-n', NODE_NETNS, '-4', 'route', 'show', 'table', 'all'])).stdout.split('\n').filter((l) => !/ dev tpv[0-9a-f]{8} /.test(l)).join('\n'),
    nodeLinks: (await ip(['-n', NODE_NETNS, '-o', 'link', 'show'])).stdout.split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter((n) => n && !n.startsWith('tpv')).join(' '),
    etcNetns: fs.existsSync(`/etc/netns/${WS}`) ? 'present' : 'absent',
  };
}

describe('host-access topology: a local cluster that reaches back to the workstation (e2e, root)', function () {
  this.timeout(300_000);
  const fx = useCluster();
  let plain: Record<string, string>;
  let dir = '';
  const dnsIp = clusterAddresses(readSettings()).dnsIp;

  before(async function () {
    this.timeout(600_000);
    await ensureProxyImage();
    await clusterCli(['down', '--host-access']);
    plain = await plainSnapshot();
    const up = await clusterCli(['up', '--host-access']);
    expect(up.stdout.trim().split('\n')).to.deep.equal([statePaths().kubeconfig, statePaths().hostAccessKubeconfig]);
    process.stderr.write(`      (up --host-access on a running cluster: ${up.seconds.toFixed(1)} s)\n`);
  });
  after(async function () {
    this.timeout(60_000);
    await clusterCli(['down', '--host-access']);
  });
  beforeEach(() => { dir = tmpDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A vpn-tcp session in tp-ws; `config` is its config.yml (none: the defaults, so the cluster is detected as local). */
  const session = (ns: string, script: string, config?: string, method = 'vpn-tcp') => {
    const env: NodeJS.ProcessEnv = {};
    if (config !== undefined) {
      env.TELEPRESENCE_CONFIG = path.join(dir, 'config.yml');
      fs.writeFileSync(env.TELEPRESENCE_CONFIG, config);
    }
    return inWorkstation([BIN, '--method', method, '--namespace', ns, '--logfile', path.join(dir, 'tp.log'), '--run', 'sh', '-c', script], dir, env);
  };
  const sessionLog = () => fs.readFileSync(path.join(dir, 'tp.log'), 'utf8');

  it('has no way out: tp-ws has loopback and the host-only link only, the node goes out only to tp-ws, tp-ws nowhere', async () => {
    const links = (await ip(['-n', WS, '-o', 'link', 'show'])).stdout.split('\n').map((l) => l.split(':')[1]!.trim().split('@')[0]);
    expect(links).to.deep.equal(['lo', HOST_ACCESS.wsLink]);
    expect((await ip(['-n', WS, '-4', 'route', 'show', 'table', 'all'])).stdout).to.not.match(/^default/m);
    for (const address of [...OUTSIDE, dnsIp]) {
      const ws = await ip(['-n', WS, 'route', 'get', address]);
      expect(ws.exitCode, `tp-ws: ${address}`).to.not.equal(0);
      expect(ws.stderr.trim()).to.equal('RTNETLINK answers: Network is unreachable');
    }
    for (const address of OUTSIDE) {
      const node = await ip(['-n', NODE_NETNS, 'route', 'get', address]);
      expect(node.stdout.split('\n')[0]!.trim(), `tp-node: ${address}`)
        .to.equal(`${address} via ${HOST_ACCESS.wsAddress} dev ${HOST_ACCESS.nodeLink} src ${HOST_ACCESS.nodeAddress} uid 0`);
    }
    expect((await ip(['-n', WS, 'route', 'get', HOST_ACCESS.nodeAddress])).stdout).to.contain(`dev ${HOST_ACCESS.wsLink} src ${HOST_ACCESS.wsAddress}`);
    expect(fs.readFileSync(`/etc/netns/${WS}/resolv.conf`, 'utf8')).to.match(new RegExp(`^nameserver ${HOST_ACCESS.wsResolver.replace(/\./g, '\\.')}$`, 'm'));
    expect((await inWorkstation(['sysctl', '-n', 'net.ipv4.ip_forward'], dir)).stdout.trim()).to.equal('1');
  });

  it("the node's DNS fallback is the relay on the workstation's link, which asks tp-ws's resolver (NXDOMAIN, nothing leaves)", async () => {
    const name = `probe-${crypto.randomBytes(4).toString('hex')}.example`;
    const fromNode = await ip(['netns', 'exec', NODE_NETNS, process.execPath, DNS_ASK, dnsIp, name]);
    expect(fromNode.stdout.trim()).to.equal('NXDOMAIN');
    const relayed = logLines('host-dns-relay', ` ${name} A `);
    expect(relayed.map((l) => l.split(' ').slice(1).join(' '))).to.deep.equal([`${name} A from ${HOST_ACCESS.nodeAddress} -> ${HOST_ACCESS.wsResolver}`]);
    expect(logLines('ws-resolver', ` ${name} A`)).to.have.length(1);
    // Inside tp-ws a program resolves through that resolver too: the name is not found, and it was asked there.
    const other = `probe-${crypto.randomBytes(4).toString('hex')}.example`;
    expect((await inWorkstation(['getent', 'hosts', other], dir)).exitCode).to.equal(2);
    expect(logLines('ws-resolver', ` ${other} A`).length).to.be.at.least(1);
  });

  it('a session in tp-ws reaches a Service by name (curl echo.NS:8080)', async () => {
    await echoService(fx, 'echo');
    const r = await session(fx.namespace, `curl -sS --max-time 20 http://echo.${fx.namespace}:8080/host-access`);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect((JSON.parse(r.stdout) as { path: string }).path).to.equal('/host-access');
  });

  const timedLookup = (name: string) => `s=$(date +%s%N); getent hosts ${name}; rc=$?; e=$(date +%s%N); echo "rc=$rc ms=$(( (e - s) / 1000000 ))"`;
  const lookupResult = (stdout: string) => {
    const [, rc, ms] = /^rc=(\d+) ms=(\d+)$/m.exec(stdout) ?? [];
    return { rc, ms: Number(ms) };
  };

  it('without the local-cluster resolver, a name nobody knows comes back to the workstation: recognised, NXDOMAIN within the lookup timeout, no storm', async () => {
    const name = `nosuchname-${crypto.randomBytes(4).toString('hex')}`;
    const r = await session(fx.namespace, timedLookup(name), 'localCluster:\n  detect: false\n');
    const relayed = logLines('host-dns-relay', ` ${name}`).length;
    process.stderr.write(`      (${r.stdout.trim()}, relay questions for ${name}: ${relayed}, session ${r.seconds.toFixed(1)} s)\n`);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stderr).to.not.contain('Local cluster detected');
    const { rc, ms } = lookupResult(r.stdout);
    expect(rc, r.stdout).to.equal('2');
    expect(ms).to.be.below(LOOKUP_TIMEOUT_MS);
    const log = sessionLog();
    expect(log).to.contain('vpn-tcp: DNS recursion check: detected');
    expect(log).to.match(new RegExp(`dns: recursion: A ${name}[.\\w-]* came back while its look-up is in flight: NXDOMAIN at once, to every repeat until it ends`));
    expect(relayed).to.be.greaterThan(0); // the recursion was real: the cluster asked the workstation
    expect(relayed).to.be.below(10);
  });

  it("detected as a local cluster (loopback API server), the pod asks its own nameserver for names outside the cluster: inject-tcp's look-up never reaches the workstation", async () => {
    const lookup = async (config?: string) => {
      const name = `nosuch-${crypto.randomBytes(4).toString('hex')}.example.org`;
      const r = await session(fx.namespace, `curl -sS --max-time 20 http://${name}/; echo "rc=$?"`, config, 'inject-tcp');
      const relayed = logLines('host-dns-relay', ` ${name} `).length;
      process.stderr.write(`      (${config === undefined ? 'detected' : 'detect: false'}: ${r.stdout.trim()} ${r.stderr.split('\n').filter((l) => l.startsWith('curl')).join(' ')}, relay questions: ${relayed}, session ${r.seconds.toFixed(1)} s)\n`);
      return { r, name, relayed };
    };
    const local = await lookup();
    expect(local.r.stderr.split('\n')).to.include(LOCAL_LINE);
    expect(local.r.stdout.trim()).to.equal('rc=6');
    expect(local.r.stderr).to.contain(`curl: (6) Could not resolve host: ${local.name}`);
    expect(local.relayed).to.equal(0);
    // The same look-up with the detection off asks the pod's resolver, whose cluster DNS asks the workstation.
    const plain = await lookup('localCluster:\n  detect: false\n');
    expect(plain.r.stderr).to.not.contain('Local cluster detected');
    expect(plain.r.stdout.trim()).to.equal('rc=6');
    expect(plain.relayed).to.be.greaterThan(0);
  });

  it('curl to an unused ClusterIP:port fails within the connect timeout; the guard holds the repeats', async function () {
    this.timeout(180_000);
    const used = (await fx.kubectl(['get', 'svc', '-A', '-o', 'jsonpath={.items[*].spec.clusterIP}'])).split(' ');
    const target = ['10.130.254.254', '10.130.254.253', '10.130.254.252'].find((a) => !used.includes(a))!;
    const r = await session(fx.namespace, `s=$(date +%s); curl -sS --max-time 60 http://${target}:8080/; rc=$?; echo "rc=$rc s=$(( $(date +%s) - s ))"`);
    const repeats = sessionLog().split('\n').filter((l) => l.includes(`vif: connect ${target}:8080 for ${HOST_ACCESS.nodeAddress}:`)).length;
    process.stderr.write(`      (${r.stdout.trim()}, repeats of the dial that came back through the node: ${repeats}, session ${r.seconds.toFixed(1)} s)\n`);
    const [, rc, s] = /^rc=(\d+) s=(\d+)$/m.exec(r.stdout) ?? [];
    expect(rc, r.stdout + r.stderr).to.not.equal('0');
    expect(Number(s)).to.be.at.most(CONNECT_TIMEOUT_S + 5);
    const log = sessionLog();
    expect(log).to.contain(guardHeld(`${target}:8080`));
    expect(log).to.match(guardFailed(`${target}:8080`));
    expect(repeats).to.be.at.most(2);
  });

  it('down --host-access gives back the plain topology (no tp-ws, the node without a default route, DNS REFUSED again)', async () => {
    const down = await clusterCli(['down', '--host-access']);
    process.stderr.write(`      (down --host-access: ${down.seconds.toFixed(1)} s)\n`);
    expect(await plainSnapshot()).to.deep.equal(plain);
    expect((await ip(['-n', NODE_NETNS, 'route', 'get', '1.1.1.1'])).stderr.trim()).to.equal('RTNETLINK answers: Network is unreachable');
    const name = `probe-${crypto.randomBytes(4).toString('hex')}.example`;
    expect((await ip(['netns', 'exec', NODE_NETNS, process.execPath, DNS_ASK, dnsIp, name])).stdout.trim()).to.equal('REFUSED');
    expect(logLines('host-dns-relay', name)).to.deep.equal([]);
    const status = await clusterCli(['status']);
    expect(status.stdout).to.match(/^topology: plain$/m);
    const up = await clusterCli(['up', '--host-access']);
    process.stderr.write(`      (up --host-access again: ${up.seconds.toFixed(1)} s)\n`);
    expect((await clusterCli(['status'])).stdout).to.match(/^topology: host-access \(workstation netns tp-ws/m);
  });
});
