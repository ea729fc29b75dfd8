// The host-access topology's pieces without namespaces: kube-proxy's masquerade rule for the host-only
// link (only when asked: the plain rules are unchanged), the cluster DNS fallback to an upstream, the
// relay's helpers (resolv.conf's first nameserver, the question of a message for the logs).
import { expect } from 'chai';
import dgram from 'node:dgram';

import dns2 from 'dns2';

import { serveClusterDns, type ServiceObject } from '../../../cluster/node/cluster-dns.js';
import { describeQuestion, firstNameserver, forwardDns } from '../../../cluster/node/dns-forward.js';
import { serviceRules } from '../../../cluster/node/service-rules.js';

const { Packet } = dns2;

const web: ServiceObject = { metadata: { name: 'web', namespace: 'ns' }, spec: { clusterIP: '10.130.0.20', ports: [{ port: 80 }] } };

function query(name: string, id: number): Buffer {
  const p = new Packet();
  p.header.id = id;
  p.header.rd = 1;
  p.questions.push({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN } as never);
  return p.toBuffer();
}

/** A fake upstream on 127.0.0.1: answers every A question with 192.0.2.9 and records the names. */
async function fakeUpstream(): Promise<{ port: number; names: string[]; close(): void }> {
  const names: string[] = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, from) => {
    const req = Packet.parse(msg);
    names.push(req.questions[0]!.name);
    const res = Packet.createResponseFromRequest(req);
    res.answers.push(Packet.createResourceFromQuestion(req.questions[0]!, { type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 30, address: '192.0.2.9' }));
    socket.send(res.toBuffer(), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, names, close: () => socket.close() };
}

describe('host-access topology pieces', () => {
  it('kube-proxy masquerades out of the host-only link only when asked; the plain rules are as before', () => {
    const plain = serviceRules([web], () => undefined, '10.132.0.1');
    expect(serviceRules([web], () => undefined, '10.132.0.1', [], undefined)).to.equal(plain);
    expect(plain).to.not.contain('MASQUERADE');
    const withLink = serviceRules([web], () => undefined, '10.132.0.1', [], 'tpho-node').split('\n');
    const snat = withLink.indexOf('-A TP-POSTROUTING -m mark --mark 0x4000/0x4000 -j SNAT --to-source 10.132.0.1');
    expect(withLink[snat + 1]).to.equal('-A TP-POSTROUTING -o tpho-node -j MASQUERADE');
    expect(withLink.filter((l) => l !== '-A TP-POSTROUTING -o tpho-node -j MASQUERADE')).to.deep.equal(plain.split('\n'));
  });

  it('the cluster DNS forwards names outside cluster.local to the upstream, answers its own, REFUSES without one', async () => {
    const upstream = await fakeUpstream();
    let target: { address: string; port: number } | undefined;
    const asked: string[] = [];
    const server = await serveClusterDns('127.0.0.1', 0, { service: (ns, n) => (ns === 'ns' && n === 'web' ? web : undefined), endpoints: () => undefined },
      (name) => asked.push(name), () => target);
    const port = server.addresses().udp!.port;
    const ask = async (name: string, id: number) => {
      const reply = await forwardDns(query(name, id), '127.0.0.1', port, 2000);
      return reply ? Packet.parse(reply) : undefined;
    };
    try {
      expect((await ask('example.com', 1))?.header.rcode).to.equal(5);
      target = { address: '127.0.0.1', port: upstream.port };
      const outside = await ask('nosuchname-x.example', 2);
      expect(outside?.header.id).to.equal(2);
      expect(outside?.answers.map((a) => (a as { address?: string }).address)).to.deep.equal(['192.0.2.9']);
      const inside = await ask('web.ns.svc.cluster.local', 3);
      expect(inside?.answers.map((a) => (a as { address?: string }).address)).to.deep.equal(['10.130.0.20']);
      expect((await ask('nope.ns.svc.cluster.local', 4))?.header.rcode).to.equal(3);
      expect(upstream.names).to.deep.equal(['nosuchname-x.example']);
      expect(asked).to.deep.equal(['example.com', 'nosuchname-x.example', 'web.ns.svc.cluster.local', 'nope.ns.svc.cluster.local']);
    } finally {
      upstream.close();
      await server.close();
    }
  });

  it('forwardDns gives up after its timeout when nothing answers', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const started = Date.now();
    expect(await forwardDns(query('a.example', 7), '127.0.0.1', silent.address().port, 300)).to.equal(undefined);
    expect(Date.now() - started).to.be.within(250, 1500);
    silent.close();
  });

  it('reads the first nameserver of resolv.conf and names a question for the logs', () => {
    expect(firstNameserver('# x\nsearch a\nnameserver 127.0.0.153\nnameserver 127.0.0.2\n')).to.equal('127.0.0.153');
    expect(firstNameserver('search a\n')).to.equal(undefined);
    expect(describeQuestion(query('nosuchname-x', 9))).to.equal('nosuchname-x A');
    expect(describeQuestion(Buffer.from([1, 2]))).to.equal('(unparsable)');
  });
});
