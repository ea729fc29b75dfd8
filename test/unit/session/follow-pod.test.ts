// connectToPod's locatePod: per reconnect attempt the current pod while it runs (its pinned key kept), its
// successor once it is gone — pinned then for that pod alone, and followed from there on.
import { expect } from 'chai';

import type { Cluster, ProxyPod } from '../../../src/kube/index.js';
import { connectToPod } from '../../../src/session/connect.js';
import type { PodConnection, Session } from '../../../src/session/session.js';
import type { ConnectTimeouts } from '../../../src/tunnel/connect.js';
import { generateSessionKey, type SessionKey } from '../../../src/tunnel/session-key.js';
import { pinHostKey } from '../../../src/tunnel/host-key.js';

/** An OpenSSH public key line (the session key's maker: always parsable). */
function keyLine(): string {
  return generateSessionKey('test').publicKey;
}

const fp = (line: string) => pinHostKey(line, 'any').fingerprint;

describe('session/connect: the pod a reconnect goes to', () => {
  it('the same pod and key while it runs; its successor with its own key once it is gone; then the successor\'s', async () => {
    const keys = { a: keyLine(), b: keyLine() };
    const answers: Array<ProxyPod | null> = [];
    const pod = (name: string, hostKey: string): ProxyPod => ({ podName: name, podIp: '10.1.0.1', hostKey, sshUser: 'telepresence', successor: async () => answers.shift() ?? null });
    let opts: ConnectTimeouts | undefined;
    const logs: string[] = [];
    const s = {
      config: { timeouts: { portForwardMs: 1, sshConnectMs: 1, reconnectMs: 1 } },
      deps: { connect: async (_c: Cluster, _p: string, _k: SessionKey, o: ConnectTimeouts) => { opts = o; return { close: () => undefined } as unknown as PodConnection; } },
      undo: { push: () => undefined }, signals: { check: () => undefined }, progress: () => undefined, log: (l: string) => logs.push(l),
    } as unknown as Session;
    await connectToPod(s, {} as Cluster, 'proxy-a', pod('proxy-a', keys.a), {} as SessionKey, {} as never);
    expect((await opts!.hostKey).fingerprint).to.equal(fp(keys.a));
    const locate = () => opts!.locatePod!(Date.now() + 1000, new AbortController().signal);
    const shown = (t: Awaited<ReturnType<typeof locate>>) => [t.podName, t.hostKey.pod, t.hostKey.fingerprint];

    expect(shown(await locate())).to.deep.equal(['proxy-a', 'proxy-a', fp(keys.a)]);
    answers.push(pod('proxy-b', keys.b));
    expect(shown(await locate())).to.deep.equal(['proxy-b', 'proxy-b', fp(keys.b)]);
    // proxy-b runs: its own successor answers null, and its key stays.
    expect(shown(await locate())).to.deep.equal(['proxy-b', 'proxy-b', fp(keys.b)]);
    expect(logs).to.deep.equal([`proxy pod proxy-a: SSH host key ${fp(keys.a)} (pinned)`, `proxy pod proxy-b: SSH host key ${fp(keys.b)} (pinned)`]);
  });
});
