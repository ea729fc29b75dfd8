// The resolver chain of several sessions (resolv.conf form) on real files in a temporary directory:
// two sessions stacked, ended in either order, one of them SIGKILLed (a backup whose pid is dead) and
// repaired by a later run; each time the live one forwards to the right upstream and the file ends
// as it was before both. The pure link rules as a table.
import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { effectiveOriginal, upstreamOf, withFileLock, type ChainLink } from '../../../src/host/resolver-chain.js';
import { overrideResolvConf, repairResolvConf, type ResolvConfPaths } from '../../../src/host/resolver-resolvconf.js';

const ORIGINAL = 'search corp.example\nnameserver 10.0.0.2\n';

async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}

function link(state: string, original: string, written: string, pid = 1): ChainLink {
  return { state, path: '/etc/resolv.conf', original: { content: original }, written, pid, bootId: 'b' };
}

describe('host resolver chain: links', () => {
  const o = 'nameserver 10.0.0.2\n';
  const w1 = 'nameserver 127.0.0.153\n';
  const w2 = 'nameserver 127.0.0.154\n';
  const w3 = 'nameserver 127.0.0.155\n';
  const s1 = link('/s/0', o, w1, 101);
  const s2 = link('/s/1', w1, w2, 102);
  const s3 = link('/s/2', w2, w3, 103);
  const cases: { title: string; self: ChainLink; dead: number[]; upstream: string[] }[] = [
    { title: 'the first session forwards to the original', self: s1, dead: [], upstream: ['10.0.0.2'] },
    { title: 'the second to the first', self: s2, dead: [], upstream: ['127.0.0.153'] },
    { title: 'the third to the second', self: s3, dead: [], upstream: ['127.0.0.154'] },
    { title: 'past a dead second to the first', self: s3, dead: [102], upstream: ['127.0.0.153'] },
    { title: 'past a dead second and first to the original', self: s3, dead: [101, 102], upstream: ['10.0.0.2'] },
    { title: 'a dead first below a live second: the second still', self: s3, dead: [101], upstream: ['127.0.0.154'] },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const live = (l: ChainLink) => !c.dead.includes(l.pid);
      expect(upstreamOf(c.self, [s1, s2, s3], live).map((n) => n.host)).to.deep.equal(c.upstream);
    });
  }
  it('never forwards to its own address, and a loop of links ends', () => {
    const a = link('/s/a', w2, w1, 1);
    const b = link('/s/b', w1, w2, 2);
    expect(effectiveOriginal(a, [a, b], () => false)).to.deep.equal({ content: w1 });
    expect(upstreamOf(a, [a, b], () => false, '127.0.0.153')).to.deep.equal([]);
  });
});

describe('host resolver chain: two sessions on real files', () => {
  let dir: string;
  let file: string;
  let p1: ResolvConfPaths;
  let p2: ResolvConfPaths;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tp-chain-'));
    file = path.join(dir, 'resolv.conf');
    writeFileSync(file, ORIGINAL);
    p1 = { resolvConf: file, state: path.join(dir, 'state', 'resolver-backup.json') };
    p2 = { resolvConf: file, state: path.join(dir, 'state', 'resolver-backup.1.json') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const nameservers = () => readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('nameserver'));
  const hosts = async (o: { upstream(): Promise<{ host: string }[]> }) => (await o.upstream()).map((n) => n.host);
  const setPid = (state: string, pid: number) => {
    const backup = JSON.parse(readFileSync(state, 'utf8')) as { pid: number };
    writeFileSync(state, JSON.stringify({ ...backup, pid }));
  };

  it('the later ends first: the host names the earlier again, then the original', async () => {
    const s1 = await overrideResolvConf('127.0.0.153', p1, 0);
    const s2 = await overrideResolvConf('127.0.0.154', p2, 0);
    expect(nameservers()).to.deep.equal(['nameserver 127.0.0.154']);
    expect(await hosts(s1)).to.deep.equal(['10.0.0.2']);
    expect(await hosts(s2)).to.deep.equal(['127.0.0.153']);
    expect(await s2.undo()).to.equal(`restored ${file} as telepresence pid ${process.pid}, which still runs, had it`);
    expect(nameservers()).to.deep.equal(['nameserver 127.0.0.153']);
    expect(await s1.undo()).to.equal(`restored the original ${file}`);
    expect(readFileSync(file, 'utf8')).to.equal(ORIGINAL);
    expect(existsSync(p1.state) || existsSync(p2.state)).to.equal(false);
  });

  it('the earlier ends first: it hands its original to the later, whose upstream becomes the original', async () => {
    const s1 = await overrideResolvConf('127.0.0.153', p1, 0);
    const s2 = await overrideResolvConf('127.0.0.154', p2, 0);
    expect(await s1.undo()).to.equal(`left ${file} to telepresence pid ${process.pid}, which replaced it since and now forwards to 10.0.0.2`);
    expect(nameservers()).to.deep.equal(['nameserver 127.0.0.154']);
    expect(await hosts(s2)).to.deep.equal(['10.0.0.2']);
    expect(await s2.undo()).to.equal(`restored the original ${file}`);
    expect(readFileSync(file, 'utf8')).to.equal(ORIGINAL);
  });

  it('the earlier is SIGKILLed: the later forwards past it at once; the repair hands over; the later restores the original', async () => {
    await overrideResolvConf('127.0.0.153', p1, 0);
    const s2 = await overrideResolvConf('127.0.0.154', p2, 0);
    const dead = await deadPid();
    setPid(p1.state, dead);
    expect(await hosts(s2)).to.deep.equal(['10.0.0.2']);
    const repaired = await repairResolvConf(p1);
    expect(repaired).to.have.length(1);
    expect(repaired[0]).to.match(new RegExp(`^left ${file} to telepresence pid ${process.pid}, which replaced it since and now forwards to 10\\.0\\.0\\.2 \\(telepresence pid ${dead} changed it at .* and did not clean up\\)$`));
    expect(nameservers()).to.deep.equal(['nameserver 127.0.0.154']);
    expect(await s2.undo()).to.equal(`restored the original ${file}`);
    expect(readFileSync(file, 'utf8')).to.equal(ORIGINAL);
  });

  it('the later is SIGKILLed: the repair puts back the earlier\'s file, which the earlier then restores', async () => {
    const s1 = await overrideResolvConf('127.0.0.153', p1, 0);
    await overrideResolvConf('127.0.0.154', p2, 0);
    setPid(p2.state, await deadPid());
    const [said] = await repairResolvConf(p2);
    expect(said).to.match(new RegExp(`^restored ${file} as telepresence pid ${process.pid}, which still runs, had it \\(`));
    expect(nameservers()).to.deep.equal(['nameserver 127.0.0.153']);
    expect(await s1.undo()).to.equal(`restored the original ${file}`);
    expect(readFileSync(file, 'utf8')).to.equal(ORIGINAL);
  });

  it('the earlier is SIGKILLed and the later ends before any repair: the original comes back; the repair finds it so', async () => {
    await overrideResolvConf('127.0.0.153', p1, 0);
    const s2 = await overrideResolvConf('127.0.0.154', p2, 0);
    setPid(p1.state, await deadPid());
    expect(await s2.undo()).to.equal(`restored the original ${file}`);
    expect(readFileSync(file, 'utf8')).to.equal(ORIGINAL);
    const [said] = await repairResolvConf(p1);
    expect(said).to.match(new RegExp(`^found ${file} restored already \\(`));
    expect(readFileSync(file, 'utf8')).to.equal(ORIGINAL);
  });

  it('a live session\'s backup is never repaired', async () => {
    const s1 = await overrideResolvConf('127.0.0.153', p1, 0);
    await overrideResolvConf('127.0.0.154', p2, 0);
    // Our own pid counts as the repairing run: a backup of another live pid is what is left alone.
    setPid(p1.state, process.ppid);
    expect(await repairResolvConf(p1)).to.deep.equal([`left ${file} alone: telepresence pid ${process.ppid}, which changed it, is still running`]);
    setPid(p1.state, process.pid);
    await s1.undo();
  });

  it('the chain lock: a second holder waits for the first; a dead holder\'s lock is taken over', async () => {
    const lock = path.join(dir, 'x.lock');
    const order: string[] = [];
    let release!: () => void;
    const first = withFileLock(lock, () => new Promise<void>((r) => { order.push('first in'); release = () => { order.push('first out'); r(); }; }));
    await new Promise((r) => setTimeout(r, 20));
    const second = withFileLock(lock, async () => { order.push('second in'); });
    await new Promise((r) => setTimeout(r, 80));
    expect(order).to.deep.equal(['first in']);
    release();
    await Promise.all([first, second]);
    expect(order).to.deep.equal(['first in', 'first out', 'second in']);
    writeFileSync(lock, `${await deadPid()}\n`);
    expect(await withFileLock(lock, async () => 'taken', 500)).to.equal('taken');
    expect(existsSync(lock)).to.equal(false);
  });
});
