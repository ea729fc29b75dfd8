// The addon's trimHeap (malloc_trim) against a real fragmented C heap, and the session's trimmer that calls it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startHeapTrim } from '../../../src/session/heap-trim.js';

const ADDON = fileURLToPath(new URL('../../../../shim/tun/build/Release/tun.node', import.meta.url));

/**
 * A child that leaves ~48 MB free in the middle of its C heap: 24,000 buffers of 2,000 bytes (each a calloc
 * below the mmap threshold), every 50th kept so the heap cannot shrink from its top, the rest collected.
 */
const FRAGMENT = `
const addon = require(process.argv[1]);
const anon = () => Number(/RssAnon:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
let bufs = Array.from({ length: 24000 }, () => Buffer.alloc(2000, 1));
const kept = bufs.filter((_, i) => i % 50 === 0);
bufs = null;
// V8 frees collected buffers off the main thread: poll until their memory is back in malloc's hands.
const settle = () => {
  gc();
  if (process.memoryUsage().arrayBuffers > 4e6) return setTimeout(settle, 50);
  setTimeout(() => {
    const before = anon();
    const released = addon.trimHeap();
    const after = anon();
    console.log(JSON.stringify({ before, after, released, kept: kept.length }));
  }, 100);
};
settle();
`;

/**
 * A child whose V8 heap grew to ~29 MB committed and then lost most of it: after a plain full collection
 * the pages stay committed (a second gc() here: 29 -> 26 MB); the addon's lowMemory gives them back.
 */
const SHRINK = `
const addon = require(process.argv[1]);
const v8 = require('v8');
let all = [];
for (let i = 0; i < 300000; i++) all.push({ i, s: 'x' + i });
const kept = all.filter((_, i) => i % 100 === 0);
all = null;
gc();
const before = v8.getHeapStatistics().total_heap_size / 1048576;
const notified = addon.lowMemory();
const after = v8.getHeapStatistics().total_heap_size / 1048576;
console.log(JSON.stringify({ before, after, notified, kept: kept.length }));
`;

describe('heap trim (malloc_trim through the addon)', () => {
  it("lowMemory (V8's low-memory notification) gives back heap pages a full collection keeps committed", () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', '-e', SHRINK, ADDON], { encoding: 'utf8' });
    const r = JSON.parse(out) as { before: number; after: number; notified: boolean };
    expect(r.notified, out).to.equal(true);
    expect(r.before, out).to.be.greaterThan(20);
    expect(r.after, out).to.be.lessThan(r.before / 2);
  });

  it('gives the freed middle of a fragmented C heap back to the kernel', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '-e', FRAGMENT, ADDON], { encoding: 'utf8' });
    const r = JSON.parse(out) as { before: number; after: number; released: boolean };
    expect(r.released, out).to.equal(true);
    // 48 MB were freed; without the trim they stay resident (before - after would be ~0).
    expect(r.before - r.after, out).to.be.greaterThan(30);
  });

  it('the session trimmer trims once soon after start and logs the RSS change, then stops', async () => {
    const lines: string[] = [];
    const stop = startHeapTrim((l) => lines.push(l), 10, 20);
    const deadline = Date.now() + 5_000;
    while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    stop();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^heap trim: RSS \d+\.\d -> \d+\.\d MB$/);
  });
});
