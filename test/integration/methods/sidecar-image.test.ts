// The container method's sidecar image (methods/container/sidecar): built locally FROM scratch with
// Debian's static busybox, a few MB; a container of it keeps a network namespace of its own (only lo)
// for the user's container to join, and is gone with `docker rm -f`.
import { expect } from 'chai';
import crypto from 'node:crypto';
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('container method: the sidecar image', function () {
  this.timeout(120_000);
  let tag = '';
  const name = `tp-sidecar-test-${crypto.randomBytes(3).toString('hex')}`;

  before(async () => {
    tag = (await execa('sh', [path.join(ROOT, 'methods/container/sidecar/build.sh')])).stdout.trim();
  });
  after(async () => {
    await execa('docker', ['rm', '-f', name], { reject: false });
  });

  it('is telepresence/sidecar:<version>, under 5 MB', async () => {
    const { version } = JSON.parse((await execa('cat', [path.join(ROOT, 'package.json')])).stdout) as { version: string };
    expect(tag).to.equal(`telepresence/sidecar:${version}`);
    const size = Number((await execa('docker', ['image', 'inspect', '-f', '{{.Size}}', tag])).stdout);
    expect(size).to.be.within(1, 5 * 1024 * 1024);
  });

  it('keeps a network namespace of its own with only lo, joinable by another container, and goes with docker rm -f', async () => {
    await execa('docker', ['run', '-d', '--network', 'none', '--name', name, tag]);
    const pid = Number((await execa('docker', ['inspect', '-f', '{{.State.Pid}}', name])).stdout);
    expect(pid).to.be.greaterThan(0);
    expect(readlinkSync(`/proc/${pid}/ns/net`)).to.not.equal(readlinkSync('/proc/self/ns/net'));
    const links = (await execa('nsenter', ['-t', String(pid), '-n', 'ip', '-o', 'link', 'show'])).stdout;
    expect(links.split('\n').map((l) => l.split(':')[1].trim())).to.deep.equal(['lo']);
    // A second container of the same image joins that namespace: the user's container does the same.
    const joined = await execa('docker', ['run', '--rm', '--network', `container:${name}`, '--entrypoint', '/bin/busybox', tag, 'cat', '/proc/self/net/dev']);
    expect(joined.stdout).to.match(/^\s*lo:/m);
    expect(joined.stdout).to.not.match(/eth0/);
    await execa('docker', ['rm', '-f', name]);
    const gone = await execa('docker', ['inspect', name], { reject: false });
    expect(gone.exitCode).to.equal(1);
  });
});
