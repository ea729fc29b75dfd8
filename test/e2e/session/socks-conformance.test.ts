// The proxy pod's SOCKS server (Tor extensions) in a real pod, reached through `kubectl port-forward`:
// raw bytes in, exact bytes out, against real cluster targets (an echo Service and pod, the cluster DNS).
import { expect } from 'chai';
import { deployProxy } from '../../../src/kube/index.js';
import { PortForward } from '../../../src/tunnel/port-forward.js';
import { generateSessionKey } from '../../../src/tunnel/session-key.js';
import { RawClient } from '../../integration/proxy-pod/raw-socks-client.js';
import { useCluster } from '../helpers/cluster.js';
import { ensureProxyImage } from '../helpers/proxy-image.js';
import { echoService, PROXY_IMAGE, targetOf } from '../kube/fixtures.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const name = (s: string): string => Buffer.from([s.length]).toString('hex') + Buffer.from(s).toString('hex');
const ipHex = (ip: string): string => Buffer.from(ip.split('.').map(Number)).toString('hex');

describe("the proxy pod's SOCKS server through a port-forward (e2e)", function () {
  this.timeout(120_000);
  const fx = useCluster();

  before(async function () {
    this.timeout(600_000);
    await ensureProxyImage();
  });

  it('speaks SOCKSv5 with RESOLVE and RESOLVE_PTR, and fails with the right codes', async () => {
    const { podIp, clusterIp } = await echoService(fx, 'echo');
    const target = await targetOf(fx);
    const key = generateSessionKey('socks-e2e');
    const proxy = await deployProxy(target, { name: 'tp-socks', image: PROXY_IMAGE, sessionId: 'socks-e2e', publicKey: key.publicKey }, () => {}, 60_000);
    const forward = await PortForward.start({ clusterArgs: target.kubectlArgs, target: `pod/${proxy.podName}`, podPort: 9050, timeoutMs: 20_000 });
    const clients: RawClient[] = [];
    const client = () => { const c = new RawClient(forward.workstationPort); clients.push(c); return c; };
    try {
      // greeting
      let c = client();
      c.send(hex('050100'));
      expect((await c.take(2, 10_000)).toString('hex')).to.equal('0500');

      // CONNECT by IPv4 to the echo pod, then HTTP through it
      c = client();
      c.send(hex(`050100 05010001 ${ipHex(podIp)} 1f90`));
      expect((await c.take(2, 10_000)).toString('hex')).to.equal('0500');
      const reply = await c.take(10, 10_000);
      expect(reply.subarray(0, 4).toString('hex')).to.equal('05000001');
      c.socket.end('GET /by-ip HTTP/1.0\r\n\r\n');
      const body = (await c.untilEnd(10_000)).toString();
      expect(body).to.match(/^HTTP\/1\.[01] 200/);
      expect(body).to.contain('"path":"/by-ip"');

      // CONNECT by name: the pod's resolver applies its search path (echo -> echo.<ns>.svc.cluster.local)
      c = client();
      c.send(hex(`050100 05010003 ${name('echo')} 1f90`));
      expect((await c.take(12, 10_000)).subarray(0, 6).toString('hex')).to.equal('050005000001');
      c.socket.end('GET /by-name HTTP/1.0\r\n\r\n');
      expect((await c.untilEnd(10_000)).toString()).to.contain('"path":"/by-name"');

      // RESOLVE (F0): the Service's ClusterIP, in Tor's layout
      c = client();
      c.send(hex(`050100 05f00003 ${name(`echo.${fx.namespace}`)} 0000`));
      expect((await c.untilEnd(10_000)).toString('hex')).to.equal(`0500 05000001 ${ipHex(clusterIp)} 0000`.replace(/ /g, ''));

      // RESOLVE of a name the cluster does not know: 04
      c = client();
      c.send(hex(`050100 05f00003 ${name('no-such-service')} 0000`));
      expect((await c.untilEnd(10_000)).toString('hex')).to.equal('0500' + '05040001000000000000');

      // RESOLVE_PTR (F1) of an address without a PTR record: the address itself (TP1's torsocks work-around)
      c = client();
      c.send(hex(`050100 05f10001 ${ipHex(clusterIp)} 0000`));
      expect((await c.untilEnd(10_000)).toString('hex')).to.equal('0500' + `05000003${name(clusterIp)}0000`);

      // CONNECT to a port where nothing listens: 05
      c = client();
      c.send(hex(`050100 05010001 ${ipHex(podIp)} 0009`));
      expect((await c.untilEnd(10_000)).toString('hex')).to.equal('0500' + '05050001000000000000');

      // IPv6 address type and an unknown command (BIND): 07
      c = client();
      c.send(hex('050100 05010004 00000000000000000000000000000001 1f90'));
      expect((await c.untilEnd(10_000)).toString('hex')).to.equal('0500' + '05070001000000000000');
      c = client();
      c.send(hex(`050100 05020001 ${ipHex(podIp)} 1f90`));
      expect((await c.untilEnd(10_000)).toString('hex')).to.equal('0500' + '05070001000000000000');
    } finally {
      for (const c of clients) c.socket.destroy();
      forward.stop();
      await proxy.undo();
    }
  });
});
