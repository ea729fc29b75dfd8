// `telepresence status`'s formatter as a table of cases: no session, one of each method, dead ones
// (by where their changes are), a journal of an earlier release; the JSON form; ages; local time.
import { expect } from 'chai';
import { age, formatStatus, localTime, statusJson, type SessionState } from '../../../src/cli/status-output.js';
import type { SessionRecord } from '../../../src/session/journal.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const HOST_KINDS = new Set(['port-forward', 'resolver', 'vpn-tcp-lock']);

function session(alive: boolean, fields: Partial<SessionRecord>): SessionState {
  const record: SessionRecord = {
    sessionId: 's', pid: 1, context: 'tp-local', namespace: 'demo', deployment: 'd', started: '2026-12-01T11:00:00Z', bootId: 'b', entries: [], ...fields,
  };
  return { alive, record };
}

const VPN = session(true, {
  sessionId: 'a1', pid: 4242, method: 'vpn-tcp', operation: 'new', deployment: 'telepresence-1-2',
  started: '2026-12-01T11:55:58Z', routes: ['10.96.0.0/12', '10.244.0.0/16'], entries: [{ id: 1, kind: 'vpn-tcp-lock', data: {} }],
});
const INJECT = session(true, { sessionId: 'b2', pid: 77, namespace: 'other', method: 'inject-tcp', operation: 'swap', deployment: 'web', started: '2026-12-01T09:58:00Z' });
const CONTAINER = session(true, {
  sessionId: 'c3', pid: 9001, context: 'prod', method: 'container', operation: 'existing', deployment: 'proxy', started: '2026-11-28T10:00:00Z',
  routes: ['10.96.0.0/12'], container: 'telepresence-c3',
});
const TELEPROXY = session(true, { sessionId: 'd4', pid: 5, method: 'teleproxy', operation: 'new', deployment: 'tp', started: '2026-12-01T11:59:59.400Z', routes: ['246.246.0.0/16'] });
const DEAD_CLUSTER = session(false, { sessionId: 'x1', pid: 31, method: 'vpn-tcp', entries: [{ id: 1, kind: 'cluster-objects', data: {} }] });
const DEAD_BOTH = session(false, { sessionId: 'x2', pid: 32, entries: [{ id: 1, kind: 'cluster-objects', data: {} }, { id: 2, kind: 'resolver', data: {} }] });
const DEAD_HOST = session(false, { sessionId: 'x3', pid: 33, entries: [{ id: 1, kind: 'port-forward', data: {} }] });
const DEAD_EMPTY = session(false, { sessionId: 'x4', pid: 34 });
const EARLIER_RELEASE = session(true, { sessionId: 'e5', pid: 600, deployment: 'telepresence-9-9' });

const CASES: Array<{ name: string; sessions: SessionState[]; text: string[] }> = [
  { name: 'no journal at all', sessions: [], text: ['No telepresence sessions on this workstation.'] },
  { name: 'only a dead session that left nothing', sessions: [DEAD_EMPTY], text: ['No telepresence sessions on this workstation.'] },
  {
    name: 'one vpn-tcp session: its TUN routes, a new Deployment',
    sessions: [VPN],
    text: [
      'PID   CONTEXT   NAMESPACE  METHOD   STARTED                          ROUTES                      OPERATION',
      '4242  tp-local  demo       vpn-tcp  2026-12-01 17:25:58 (4m02s ago)  10.96.0.0/12,10.244.0.0/16  new telepresence-1-2',
    ],
  },
  {
    name: 'one of each method, oldest first, and the dead ones by where their changes are',
    sessions: [DEAD_CLUSTER, VPN, TELEPROXY, INJECT, DEAD_BOTH, CONTAINER, DEAD_HOST, DEAD_EMPTY],
    text: [
      'PID   CONTEXT   NAMESPACE  METHOD      STARTED                          ROUTES                      OPERATION',
      '9001  prod      demo       container   2026-11-28 15:30:00 (3d02h ago)  container telepresence-c3   existing proxy',
      '77    tp-local  other      inject-tcp  2026-12-01 15:28:00 (2h02m ago)  -                           swap web',
      '4242  tp-local  demo       vpn-tcp     2026-12-01 17:25:58 (4m02s ago)  10.96.0.0/12,10.244.0.0/16  new telepresence-1-2',
      '5     tp-local  demo       teleproxy   2026-12-01 17:29:59 (0s ago)     246.246.0.0/16              new tp',
      '2 dead sessions left changes in the cluster: run `telepresence repair`',
      '2 dead sessions left changes on this workstation: the next telepresence session repairs them',
    ],
  },
  {
    name: 'no live session, one dead one with cluster objects',
    sessions: [DEAD_CLUSTER],
    text: ['No telepresence sessions on this workstation.', '1 dead session left changes in the cluster: run `telepresence repair`'],
  },
  {
    name: 'a journal of an earlier release (no method, operation or routes)',
    sessions: [EARLIER_RELEASE],
    text: [
      'PID  CONTEXT   NAMESPACE  METHOD  STARTED                          ROUTES  OPERATION',
      '600  tp-local  demo       ?       2026-12-01 16:30:00 (1h00m ago)  -       telepresence-9-9',
    ],
  },
];

describe('telepresence status: the formatter', () => {
  let tz: string | undefined;
  // India's offset (+05:30, no DST) shows that STARTED is local time, not UTC.
  before(() => { tz = process.env.TZ; process.env.TZ = 'Asia/Kolkata'; });
  after(() => { if (tz === undefined) delete process.env.TZ; else process.env.TZ = tz; });

  for (const c of CASES) {
    it(c.name, () => {
      expect(formatStatus(c.sessions, { now: NOW, hostKinds: HOST_KINDS }).split('\n')).to.deep.equal([...c.text, '']);
    });
  }

  it('says the same as JSON: live sessions in full, dead ones with what they left', () => {
    expect(statusJson([DEAD_BOTH, INJECT, CONTAINER])).to.deep.equal({
      sessions: [
        {
          sessionId: 'c3', pid: 9001, context: 'prod', namespace: 'demo', method: 'container', started: '2026-11-28T10:00:00Z',
          routes: ['10.96.0.0/12'], container: 'telepresence-c3', operation: 'existing', deployment: 'proxy',
        },
        {
          sessionId: 'b2', pid: 77, context: 'tp-local', namespace: 'other', method: 'inject-tcp', started: '2026-12-01T09:58:00Z',
          routes: [], container: null, operation: 'swap', deployment: 'web',
        },
      ],
      dead: [{ sessionId: 'x2', pid: 32, context: 'tp-local', namespace: 'demo', method: null, started: '2026-12-01T11:00:00Z', left: ['cluster-objects', 'resolver'] }],
    });
  });

  const AGES: Array<[number, string]> = [[-5000, '0s'], [999, '0s'], [59_999, '59s'], [60_000, '1m00s'], [3_599_000, '59m59s'], [3_600_000, '1h00m'], [86_399_000, '23h59m'], [90_061_000, '1d01h']];
  for (const [ms, text] of AGES) it(`age ${ms} ms is ${text}`, () => expect(age(ms)).to.equal(text));

  it('local time is the workstation zone, to the second', () => {
    expect(localTime(new Date('2026-12-31T20:00:01Z'))).to.equal('2027-01-01 01:30:01');
  });
});
