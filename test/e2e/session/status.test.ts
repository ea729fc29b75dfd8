// `telepresence status` run by a vpn-tcp session's own user process: its row has the session's pid,
// context, namespace, method, the CIDRs its TUN routes (the very routes the kernel shows) and its new
// Deployment; once the session ended, there is no session left and the host is as before.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { labelledTelepresence } from '../kube/fixtures.js';
import { hostState, useHostSessions } from './host-state.js';
import { BIN, startTelepresence, telepresence, tmpDir } from './run.js';

describe('telepresence status beside a vpn-tcp session (e2e, root)', function () {
  this.timeout(60_000);
  const host = useHostSessions(tmpDir);
  const { fx } = host;

  it('lists the running session with its namespace, method, routes and Deployment, and nothing after it', async () => {
    const env = { XDG_CACHE_HOME: path.join(host.dir(), 'cache') };
    const log = path.join(host.dir(), 'tp.log');
    const script = `${BIN} status; echo ---; ${BIN} status --json; echo ---; ip -o route show`;
    const child = startTelepresence(['--method', 'vpn-tcp', '--namespace', fx.namespace, '--logfile', log, '--run', 'sh', '-c', script], env);
    const r = await child;
    expect(r.exitCode, String(r.stderr)).to.equal(0);

    const [, dev, logged] = /vpn-tcp: (tp\d+) routes (.*)$/m.exec(fs.readFileSync(log, 'utf8')) ?? [];
    const routes = logged.split(', ');
    const deployment = /\(deployment (telepresence-[\d-]+)\)$/m.exec(String(r.stderr))?.[1];
    const context = fx.kc.getCurrentContext();
    const [text, json, kernel] = String(r.stdout).split('\n---\n');
    const [header, row, ...more] = text.split('\n');
    expect(header.split(/\s{2,}/)).to.deep.equal(['PID', 'CONTEXT', 'NAMESPACE', 'METHOD', 'STARTED', 'ROUTES', 'OPERATION']);
    const cells = row.split(/\s{2,}/);
    expect(cells[4]).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\d+s ago\)$/);
    expect(cells.filter((_, i) => i !== 4)).to.deep.equal([String(child.pid), context, fx.namespace, 'vpn-tcp', routes.join(','), `new ${deployment}`]);
    expect(more).to.deep.equal([]);
    // What status says is routed is what the kernel routes to the session's TUN.
    for (const cidr of routes) expect(kernel, cidr).to.match(new RegExp(`^${cidr.replace(/\./g, '\\.')} dev ${dev} `, 'm'));

    const listed = JSON.parse(json) as { sessions: Array<Record<string, unknown>>; dead: unknown[] };
    expect(listed.dead).to.deep.equal([]);
    expect(listed.sessions.map(({ sessionId: _id, started: _started, ...s }) => s)).to.deep.equal([
      { pid: child.pid, context, namespace: fx.namespace, method: 'vpn-tcp', routes, container: null, operation: 'new', deployment },
    ]);

    expect(await telepresence(['status'], env)).to.deep.equal({ exitCode: 0, stdout: 'No telepresence sessions on this workstation.', stderr: '' });
    expect(await hostState()).to.deep.equal(host.initial());
    expect(await labelledTelepresence(fx)).to.deep.equal([]);
  });
});
