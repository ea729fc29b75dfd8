// The VIF's NAT table, the VIF address parser and the device commands with their undo steps.
import { expect } from 'chai';
import { intToIpv4, ipv4ToInt } from '../../../src/vif/ipv4.js';
import { NatExhaustedError, NatTable } from '../../../src/vif/nat.js';
import { configureDevice } from '../../../src/vif/device.js';
import { parseVifAddress } from '../../../src/vif/index.js';
import { UndoStack } from '../../../src/session/undo.js';

const ip = (s: string) => ipv4ToInt(s)!;
const A = ip('198.18.0.1');
const B = ip('10.77.0.2');
const D = ip('10.130.0.10');
// A pool of 198.18.0.1 - 198.18.0.4 where .1 (T) and .2 (DNS) are not fakes.
const pool = () => ({ first: ip('198.18.0.1'), last: ip('198.18.0.4'), exclude: [ip('198.18.0.1'), ip('198.18.0.2')] });

describe('vif NatTable', () => {
  it('finds a flow from both sides', () => {
    const nat = new NatTable(pool());
    const flow = nat.create(A, 40000, D, 80, 0);
    expect(intToIpv4(flow.fake)).to.equal('198.18.0.3');
    expect(nat.outgoing(A, 40000, D, 80)).to.equal(flow);
    expect(nat.returning(flow.fake, 40000)).to.equal(flow);
    expect([nat.outgoing(A, 40000, D, 81), nat.outgoing(B, 40000, D, 80), nat.returning(flow.fake, 40001)]).to.deep.equal([undefined, undefined, undefined]);
  });

  it('gives two flows from the same source port distinct fakes, and skips T and the DNS address', () => {
    const nat = new NatTable(pool());
    const fakes = [nat.create(A, 40000, D, 80, 0), nat.create(B, 40000, D, 80, 0)].map((f) => intToIpv4(f.fake));
    expect(fakes).to.deep.equal(['198.18.0.3', '198.18.0.4']);
    expect(() => nat.create(A, 40000, D, 81, 0)).to.throw(NatExhaustedError, 'every fake source of the VIF subnet holds a connection from port 40000');
    // Another source port still fits: a fake is exhausted per port only.
    expect(intToIpv4(nat.create(A, 40001, D, 80, 0).fake)).to.equal('198.18.0.3');
  });

  it('hands fakes out round-robin, so a freed F:port is not the next one reused', () => {
    const nat = new NatTable({ first: ip('198.18.0.1'), last: ip('198.18.0.10'), exclude: [] });
    const first = nat.create(A, 1, D, 80, 0);
    nat.remove(first);
    expect(intToIpv4(nat.create(A, 1, D, 80, 0).fake)).to.equal('198.18.0.2');
  });

  const expiry: [string, 'dialing' | 'open' | 'closed', number, boolean, boolean][] = [
    // [case, state, age in ms, isStale answer, expired]
    ['closed, within the linger', 'closed', 999, false, false],
    ['closed, linger over', 'closed', 1000, false, true],
    ['open and accepted, however old', 'open', 60000, false, false],
    ['open, never accepted, stale', 'open', 5000, true, true],
    ['open, never accepted, young', 'open', 4999, true, false],
    ['dialing, stale', 'dialing', 5000, true, true],
  ];
  for (const [what, state, age, stale, expired] of expiry) {
    it(`expire(): ${what} -> ${expired ? 'removed' : 'kept'}`, () => {
      const nat = new NatTable(pool());
      const flow = nat.create(A, 40000, D, 80, 0);
      flow.state = state;
      expect(nat.expire(age, 1000, 5000, () => stale)).to.deep.equal(expired ? [flow] : []);
      expect(nat.size).to.equal(expired ? 0 : 1);
      expect(nat.outgoing(A, 40000, D, 80)).to.equal(expired ? undefined : flow);
    });
  }

  it('close() starts the linger clock once', () => {
    const nat = new NatTable(pool());
    const flow = nat.create(A, 40000, D, 80, 0);
    nat.close(flow, 100);
    nat.close(flow, 900);
    expect([flow.state, flow.since]).to.deep.equal(['closed', 100]);
  });
});

describe('vif parseVifAddress', () => {
  const cases: [string, string | [string, string, string]][] = [
    ['198.18.0.1/16', ['198.18.0.1', '198.18.0.1', '198.18.255.254']],
    ['10.9.8.7/24', ['10.9.8.7', '10.9.8.1', '10.9.8.254']],
    ['198.18.0.0/16', 'VIF address "198.18.0.0/16" is the network or broadcast address of its subnet: use a host address such as 198.18.0.1/16'],
    ['198.18.0.1', 'VIF address "198.18.0.1" is not an IPv4 address with a prefix from /8 to /29: use e.g. 198.18.0.1/16'],
    ['198.18.0.1/30', 'VIF address "198.18.0.1/30" is not an IPv4 address with a prefix from /8 to /29: use e.g. 198.18.0.1/16'],
    ['fd00::1/64', 'VIF address "fd00::1/64" is not an IPv4 address with a prefix from /8 to /29: use e.g. 198.18.0.1/16'],
  ];
  for (const [text, want] of cases) {
    it(text, () => {
      if (typeof want === 'string') return void expect(() => parseVifAddress(text)).to.throw(want);
      const s = parseVifAddress(text);
      expect([s.address, s.first, s.last].map(intToIpv4)).to.deep.equal(want);
    });
  }
});

describe('vif configureDevice', () => {
  it('runs ip for address, link and routes, and undoes them in reverse', async () => {
    const calls: string[] = [];
    const undo = new UndoStack();
    await configureDevice({ name: 'tp0', address: '198.18.0.1/16', routes: ['10.130.0.0/16', '211.55.0.0/16'] }, undo, async (args) => void calls.push(args.join(' ')));
    expect(calls.splice(0)).to.deep.equal([
      'addr add 198.18.0.1/16 dev tp0',
      'link set dev tp0 up',
      'route add 10.130.0.0/16 dev tp0',
      'route add 211.55.0.0/16 dev tp0',
    ]);
    expect(await undo.unwind()).to.deep.equal([]);
    expect(calls).to.deep.equal([
      'route del 211.55.0.0/16 dev tp0',
      'route del 10.130.0.0/16 dev tp0',
      'link set dev tp0 down',
      'addr del 198.18.0.1/16 dev tp0',
    ]);
  });

  it('a failing route leaves the steps done so far on the undo stack', async () => {
    const undo = new UndoStack();
    const ip = async (args: string[]) => {
      if (args[2] === '211.55.0.0/16') throw new Error('RTNETLINK answers: File exists');
    };
    let error = '';
    await configureDevice({ name: 'tp0', address: '198.18.0.1/16', routes: ['10.130.0.0/16', '211.55.0.0/16'] }, undo, ip).catch((e: Error) => (error = e.message));
    expect([error, undo.size]).to.deep.equal(['RTNETLINK answers: File exists', 3]);
  });
});
