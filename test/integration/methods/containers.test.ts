// The container method's containers on the real Docker engine: labelled with the session, listed and
// removed by that label only; the repairer of a dead session's `docker-containers` entry removes them
// and says so, and leaves another session's container alone.
import { expect } from 'chai';
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

import { containersRepairer, removeSessionContainers, sessionContainers, sessionLabelArgs } from '../../../methods/container/containers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('container method: the session\'s containers (real Docker engine)', function () {
  this.timeout(120_000);
  const id = () => `t${crypto.randomBytes(5).toString('hex')}`;
  const [dead, other] = [id(), id()];
  let image = '';
  const started: string[] = [];
  const start = async (sessionId: string, name: string) => {
    started.push(name);
    await execa('docker', ['run', '-d', '--network', 'none', '--name', name, ...sessionLabelArgs(sessionId), image]);
  };

  before(async () => {
    image = (await execa('sh', [path.join(ROOT, 'methods/container/sidecar/build.sh')])).stdout.trim();
  });
  after(async () => {
    await execa('docker', ['rm', '-f', ...started], { reject: false });
  });

  it('lists and removes exactly the containers labelled with the session', async () => {
    const s = id();
    await start(s, `${s}-b`);
    await start(s, `${s}-a`);
    await start(other, `${other}-x`);
    expect(await sessionContainers(s)).to.deep.equal([`${s}-a`, `${s}-b`]);
    expect(await removeSessionContainers(s)).to.deep.equal([`${s}-a`, `${s}-b`]);
    expect(await sessionContainers(s)).to.deep.equal([]);
    expect(await sessionContainers(other)).to.deep.equal([`${other}-x`]);
    expect(await removeSessionContainers(s)).to.deep.equal([]);
  });

  it("the repairer removes a dead session's containers and says so; nothing left: nothing said", async () => {
    await start(dead, `${dead}-sidecar`);
    const lines = await containersRepairer.repair({ sessionId: dead, dockerHost: '' }, { sessionId: dead, pid: 4242, started: '' });
    expect(lines).to.deep.equal([`removed the containers of an earlier session (pid 4242): ${dead}-sidecar`]);
    expect((await execa('docker', ['inspect', `${dead}-sidecar`], { reject: false })).exitCode).to.equal(1);
    expect(await containersRepairer.repair({ sessionId: dead, dockerHost: '' }, { sessionId: dead, pid: 4242, started: '' })).to.deep.equal([]);
    expect(await sessionContainers(other)).to.deep.equal([`${other}-x`]);
  });
});
