// `node dist/test/e2e/local-cluster/dns-ask.js SERVER NAME`: one A question over UDP, as a program inside
// a namespace asks it (run with `ip netns exec`); prints the rcode and the addresses, or `timeout`.
import dns2 from 'dns2';

import { forwardDns } from '../../cluster/node/dns-forward.js';

const { Packet } = dns2;
const [server, name] = process.argv.slice(2);
const query = new Packet();
query.header.id = Math.floor(Math.random() * 65535);
query.header.rd = 1;
query.questions.push({ name: name!, type: Packet.TYPE.A, class: Packet.CLASS.IN } as never);
const reply = await forwardDns(query.toBuffer(), server!, 53, 5000);
if (!reply) {
  process.stdout.write('timeout\n');
} else {
  const p = Packet.parse(reply);
  const rcodes: Record<number, string> = { 0: 'NOERROR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 5: 'REFUSED' };
  process.stdout.write(`${rcodes[p.header.rcode] ?? p.header.rcode} ${p.answers.map((a) => (a as { address?: string }).address).join(' ')}`.trim() + '\n');
}
