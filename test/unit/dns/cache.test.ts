// The internal cache: what is kept and for how long, shared in-flight look-ups, flush, and the
// recursion check's NXDOMAIN for repeats of an in-flight question.
import { expect } from 'chai';
import { LookupCache, RCODE, type LookupResult } from '../../../src/dns/index.js';
import { a, nx, ok, settle } from './helpers.js';

describe('dns/cache', () => {
  const servfail: LookupResult = { rcode: RCODE.SERVFAIL, answers: [] };
  const cases: { title: string; result: LookupResult | Error; keep: boolean; ageMs: number; looksUpAgain: boolean }[] = [
    { title: 'a success is reused within 60 s', result: ok(a('web', '10.0.0.1')), keep: true, ageMs: 60_000, looksUpAgain: false },
    { title: 'a success is looked up again after 60 s', result: ok(a('web', '10.0.0.1')), keep: true, ageMs: 60_001, looksUpAgain: true },
    { title: 'an empty NOERROR (NODATA) is a success', result: ok(), keep: true, ageMs: 1000, looksUpAgain: false },
    { title: 'NXDOMAIN is not kept', result: nx, keep: true, ageMs: 0, looksUpAgain: true },
    { title: 'SERVFAIL is not kept', result: servfail, keep: true, ageMs: 0, looksUpAgain: true },
    { title: 'a failed look-up is not kept', result: new Error('tunnel down'), keep: true, ageMs: 0, looksUpAgain: true },
    { title: 'keep: false (the original resolver) is not kept', result: ok(a('x.com', '1.2.3.4')), keep: false, ageMs: 0, looksUpAgain: true },
  ];
  for (const c of cases) {
    it(c.title, async () => {
      let now = 1_000_000;
      const cache = new LookupCache(60_000, () => now);
      let calls = 0;
      const lookup = async () => {
        calls += 1;
        if (c.result instanceof Error) throw c.result;
        return c.result;
      };
      await cache.get('k', lookup, { keep: c.keep }).catch(() => undefined);
      now += c.ageMs;
      const second = await cache.get('k', lookup, { keep: c.keep }).catch((err: Error) => err);
      expect(calls).to.equal(c.looksUpAgain ? 2 : 1);
      if (!c.looksUpAgain) expect(second).to.deep.equal({ result: c.result, source: 'cache' });
    });
  }

  it('identical questions in flight share one look-up', async () => {
    const cache = new LookupCache();
    let calls = 0;
    let release!: (r: LookupResult) => void;
    const lookup = () => {
      calls += 1;
      return new Promise<LookupResult>((r) => (release = r));
    };
    const first = cache.get('web|1', lookup, { keep: true });
    const second = cache.get('web|1', lookup, { keep: true });
    const other = cache.get('web|28', () => Promise.resolve(ok()), { keep: true });
    await settle();
    release(ok(a('web', '10.0.0.1')));
    expect(await first).to.deep.equal({ result: ok(a('web', '10.0.0.1')), source: 'lookup' });
    expect(await second).to.deep.equal({ result: ok(a('web', '10.0.0.1')), source: 'shared' });
    expect((await other).source).to.equal('lookup');
    expect(calls).to.equal(1);
  });

  it('flush drops finished answers, and an answer in flight during a flush is used once but not kept', async () => {
    const cache = new LookupCache();
    await cache.get('done', async () => ok(a('done', '10.0.0.1')), { keep: true });
    let release!: (r: LookupResult) => void;
    const running = cache.get('running', () => new Promise<LookupResult>((r) => (release = r)), { keep: true });
    expect(cache.size).to.equal(1);
    cache.flush();
    expect(cache.size).to.equal(0);
    await settle();
    release(ok(a('running', '10.0.0.2')));
    expect((await running).source).to.equal('lookup');
    expect(cache.size).to.equal(0);
  });

  it('expired answers are swept as new names arrive (every 256th new entry)', async () => {
    let now = 0;
    const cache = new LookupCache(60_000, () => now);
    for (let i = 0; i < 256; i++) await cache.get(`old${i}|1`, async () => ok(), { keep: true });
    expect(cache.tracked).to.equal(256);
    now += 60_001;
    for (let i = 0; i < 255; i++) await cache.get(`new${i}|1`, async () => ok(), { keep: true });
    expect(cache.tracked).to.equal(511);
    await cache.get('new255|1', async () => ok(), { keep: true });
    expect(cache.tracked).to.equal(256);
    expect(cache.size).to.equal(256);
  });

  it('a burst of fresh names within the 60 s keeps at most maxEntries, the oldest answers out, look-ups in flight kept', async () => {
    const cache = new LookupCache(60_000, () => 0, 100);
    let release!: () => void;
    const held = cache.get('inflight|1', () => new Promise<LookupResult>((r) => (release = () => r(ok()))), { keep: true });
    for (let i = 0; i < 1000; i++) await cache.get(`name${i}|1`, async () => ok(), { keep: true });
    expect(cache.tracked).to.equal(100);
    let asked = 0;
    await cache.get('name999|1', async () => ((asked += 1), ok()), { keep: true }); // newest: still kept
    await cache.get('name0|1', async () => ((asked += 1), ok()), { keep: true }); // oldest: evicted
    expect(asked).to.equal(1);
    release();
    await held;
    let shared = 0;
    await cache.get('inflight|1', async () => ((shared += 1), ok()), { keep: true });
    expect(shared).to.equal(0); // survived the evictions while in flight, then kept
  });

  describe('recursion check', () => {
    const marker = 'tel2-recursion-check.kube-system|1';

    it('the marker coming back while in flight sets detected and is answered NXDOMAIN', async () => {
      const cache = new LookupCache();
      cache.recursion = 'checking';
      // The cluster resolves through the host: asking it makes it ask us again, with the same question.
      const outer = await cache.get(marker, async () => (await cache.get(marker, async () => nx, { keep: true, isRecursionCheck: true })).result, {
        keep: true,
        isRecursionCheck: true,
      });
      expect(cache.recursion).to.equal('detected');
      expect(outer).to.deep.equal({ result: nx, source: 'lookup' });
    });

    it('once detected, a repeat of any question in flight is NXDOMAIN at once, not a second trip round the loop', async () => {
      const cache = new LookupCache();
      cache.recursion = 'detected';
      let inner: unknown;
      let calls = 0;
      const loop = async (): Promise<LookupResult> => {
        calls += 1;
        inner = await cache.get('db.ns|1', loop, { keep: true });
        return ok(a('db.ns', '10.0.0.9'));
      };
      const outer = await cache.get('db.ns|1', loop, { keep: true });
      expect(inner).to.deep.equal({ result: nx, source: 'recursion', firstOfBurst: true });
      expect(outer.result).to.deep.equal(ok(a('db.ns', '10.0.0.9')));
      expect(calls).to.equal(1);
    });

    it('a marker answered without coming back means not-detected, and repeats are shared again', async () => {
      const cache = new LookupCache();
      cache.recursion = 'checking';
      await cache.get(marker, async () => nx, { keep: true, isRecursionCheck: true });
      expect(cache.recursion).to.equal('not-detected');
      let release!: (r: LookupResult) => void;
      const first = cache.get('db.ns|1', () => new Promise<LookupResult>((r) => (release = r)), { keep: true });
      const second = cache.get('db.ns|1', async () => nx, { keep: true });
      await settle();
      release(ok(a('db.ns', '10.0.0.9')));
      expect((await second).source).to.equal('shared');
      expect((await first).result).to.deep.equal(ok(a('db.ns', '10.0.0.9')));
    });
  });
});
