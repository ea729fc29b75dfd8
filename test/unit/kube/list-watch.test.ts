// List + watch driven by fakes: the watch starts at the list's resourceVersion, a dropped watch resumes
// from the last one seen, 410 Gone relists, a 403 at the first list rejects; and the record keeper
// that turns lists and events into the DNS sink's calls.
import { expect } from 'chai';

import { ListForbidden, ListWatcher, type WatchStream } from '../../../src/kube/list-watch.js';
import { RecordKeeper, type DnsSink, type KeptObject } from '../../../src/kube/dns-watch-keeper.js';
import { sliceRecord, type DnsEndpoints } from '../../../src/kube/dns-watch-records.js';

interface Obj { metadata: { name: string; namespace?: string; resourceVersion: string } }
const obj = (name: string, rv: string): Obj => ({ metadata: { name, resourceVersion: rv } });

interface FakeWatch { path: string; query: Record<string, unknown>; onEvent(type: string, o: unknown): void; onDone(err: unknown): void; aborted: boolean }

class FakeStream implements WatchStream {
  readonly watches: FakeWatch[] = [];
  async watch(path: string, query: Record<string, unknown>, onEvent: FakeWatch['onEvent'], onDone: FakeWatch['onDone']) {
    const w: FakeWatch = { path, query, onEvent, onDone, aborted: false };
    this.watches.push(w);
    return { abort: () => { w.aborted = true; } };
  }
  get last(): FakeWatch { return this.watches[this.watches.length - 1]; }
}

async function until(what: string, cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup(lists: Array<{ items: Obj[]; rv: string } | Error>) {
  const stream = new FakeStream();
  const calls: string[] = [];
  const log: string[] = [];
  let listCalls = 0;
  const list = async () => {
    const next = lists[Math.min(listCalls++, lists.length - 1)];
    if (next instanceof Error) throw next;
    return { items: next.items, metadata: { resourceVersion: next.rv } };
  };
  const watcher = new ListWatcher<Obj>({ what: 'dns: services', path: '/api/v1/services', list }, {
    listed: (items) => calls.push(`listed ${items.map((o) => o.metadata.name).join(',')}`),
    event: (type, o) => calls.push(`${type} ${o.metadata.name}`),
  }, stream, (l) => log.push(l), { retryDelayMs: 20, maxRetryDelayMs: 40, watchTimeoutSeconds: 7 });
  return { stream, calls, log, watcher, listCalls: () => listCalls };
}

const apiError = (code: number, message: string) => Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', code, message }) });

describe('kube/list-watch (fakes)', () => {
  it('lists, watches from the list resourceVersion, hands events over one by one and resumes from the last one', async () => {
    const { stream, calls, log, watcher } = setup([{ items: [obj('a', '10'), obj('b', '11')], rv: '12' }]);
    await watcher.firstList;
    await until('a watch', () => stream.watches.length === 1);
    expect(stream.last.path).to.equal('/api/v1/services');
    expect(stream.last.query).to.deep.equal({ resourceVersion: '12', allowWatchBookmarks: true, timeoutSeconds: 7 });
    stream.last.onEvent('ADDED', obj('c', '13'));
    expect(calls).to.deep.equal(['listed a,b', 'ADDED c']); // synchronously, as it arrived
    stream.last.onEvent('BOOKMARK', { metadata: { resourceVersion: '15' } });
    stream.last.onDone(null); // the server's timeoutSeconds
    await until('the next watch', () => stream.watches.length === 2);
    expect(stream.last.query.resourceVersion).to.equal('15');
    stream.last.onEvent('DELETED', obj('a', '16'));
    // A dropped connection: resumed after the retry pause from the last resourceVersion, no list.
    stream.last.onDone(Object.assign(new TypeError('terminated'), { cause: { code: 'ECONNRESET', message: 'read ECONNRESET' } }));
    await until('the watch after the break', () => stream.watches.length === 3);
    expect(stream.last.query.resourceVersion).to.equal('16');
    expect(calls).to.deep.equal(['listed a,b', 'ADDED c', 'DELETED a']);
    expect(log).to.deep.equal(['dns: services: the watch broke: read ECONNRESET; watching again from resourceVersion 16 in 0.02 s']);
    watcher.stop();
  });

  it('client-node\'s idle timeout: watches again at once from the same resourceVersion', async () => {
    const { stream, log, watcher } = setup([{ items: [], rv: '5' }]);
    await watcher.firstList;
    await until('a watch', () => stream.watches.length === 1);
    stream.last.onEvent('MODIFIED', obj('a', '6'));
    stream.last.onDone(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    await until('the next watch', () => stream.watches.length === 2);
    expect(stream.last.query.resourceVersion).to.equal('6');
    expect(log).to.deep.equal([]);
    watcher.stop();
  });

  it('410 Gone (an ERROR event, then the end): lists again and watches from the new list', async () => {
    const { stream, calls, log, watcher, listCalls } = setup([{ items: [obj('a', '10')], rv: '10' }, { items: [obj('b', '90')], rv: '99' }]);
    await watcher.firstList;
    await until('a watch', () => stream.watches.length === 1);
    stream.last.onEvent('ERROR', { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version: 10 (50)' });
    stream.last.onDone(null);
    await until('the watch after the relist', () => stream.watches.length === 2);
    expect(listCalls()).to.equal(2);
    expect(stream.last.query.resourceVersion).to.equal('99');
    expect(calls).to.deep.equal(['listed a', 'listed b']);
    expect(log).to.deep.equal(['dns: services: resourceVersion 10 is too old (410 Gone); listing them again']);
    watcher.stop();
  });

  it('410 as the watch request\'s own status: lists again', async () => {
    const { stream, calls, watcher } = setup([{ items: [], rv: '1' }, { items: [obj('x', '3')], rv: '3' }]);
    await watcher.firstList;
    await until('a watch', () => stream.watches.length === 1);
    stream.last.onDone(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await until('the watch after the relist', () => stream.watches.length === 2);
    expect(calls).to.deep.equal(['listed ', 'listed x']);
    watcher.stop();
  });

  it('another ERROR event (resourceVersion too large): lists again after the pause', async () => {
    const { stream, log, watcher, listCalls } = setup([{ items: [], rv: '100' }]);
    await watcher.firstList;
    await until('a watch', () => stream.watches.length === 1);
    stream.last.onEvent('ERROR', { code: 504, message: 'Too large resource version: 100, current: 7' });
    stream.last.onDone(null);
    await until('the relist', () => listCalls() === 2 && stream.watches.length === 2);
    expect(log).to.deep.equal(['dns: services: the watch ended with Too large resource version: 100, current: 7; listing them again in 0.02 s']);
    watcher.stop();
  });

  it('a failing first list is retried with a doubling pause until it answers', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' } });
    const { stream, calls, log, watcher } = setup([refused, refused, refused, { items: [obj('a', '1')], rv: '1' }]);
    await watcher.firstList;
    expect(calls).to.deep.equal(['listed a']);
    expect(log).to.deep.equal([
      'dns: services: cannot list them: connect ECONNREFUSED 127.0.0.1:1; listing them again in 0.02 s',
      'dns: services: cannot list them: connect ECONNREFUSED 127.0.0.1:1; listing them again in 0.04 s',
      'dns: services: cannot list them: connect ECONNREFUSED 127.0.0.1:1; listing them again in 0.04 s',
    ]);
    await until('a watch', () => stream.watches.length === 1);
    watcher.stop();
  });

  it('403 at the first list: firstList rejects with the server\'s message and nothing is watched', async () => {
    const msg = 'services is forbidden: User "jane" cannot list resource "services" in API group "" at the cluster scope';
    const { stream, calls, log, watcher, listCalls } = setup([apiError(403, msg)]);
    const err = await watcher.firstList.then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ListForbidden);
    expect((err as Error).message).to.equal(msg);
    await new Promise((r) => setTimeout(r, 60));
    expect([stream.watches.length, listCalls(), calls.length, log.length]).to.deep.equal([0, 1, 0, 0]);
  });

  it('stop() aborts the watch and nothing follows', async () => {
    const { stream, calls, watcher } = setup([{ items: [], rv: '1' }]);
    await watcher.firstList;
    await until('a watch', () => stream.watches.length === 1);
    const w = stream.last;
    watcher.stop();
    expect(w.aborted).to.equal(true);
    w.onEvent('ADDED', obj('late', '2'));
    w.onDone(null);
    await new Promise((r) => setTimeout(r, 60));
    expect([stream.watches.length, calls]).to.deep.equal([1, ['listed ']]);
  });
});

describe('kube/dns-watch-keeper', () => {
  const slice = (name: string, namespace: string, service: string | undefined, ip: string): KeptObject => ({
    addressType: 'IPv4', endpoints: [{ addresses: [ip] }],
    metadata: { name, namespace, resourceVersion: '1', ...(service ? { labels: { 'kubernetes.io/service-name': service } } : {}) },
  } as KeptObject);
  const setupKeeper = () => {
    const calls: string[] = [];
    const sink = {
      reset: (kind: string) => calls.push(`reset ${kind}`),
      upsertEndpoints: (e: DnsEndpoints) => calls.push(`upsert ${e.namespace}/${e.service}/${e.key} ${e.addresses.map((a) => a.ip).join(',')}`),
      deleteEndpoints: (ns: string, svc: string, key: string) => calls.push(`delete ${ns}/${svc}/${key}`),
    } as unknown as DnsSink;
    const keeper = new RecordKeeper<DnsEndpoints>('endpoints', sink, (o) => sliceRecord(o as never), (r) => `${r.namespace}/${r.service}/${r.key}`,
      (r) => sink.upsertEndpoints(r), (r) => sink.deleteEndpoints(r.namespace, r.service, r.key));
    return { calls, keeper };
  };

  it('cluster-wide list: reset, then every record; events; a slice that changes Service; a delete of what was put in', () => {
    const { calls, keeper } = setupKeeper();
    keeper.listed([slice('web-1', 'a', 'web', '10.132.0.1'), slice('orphan', 'a', undefined, '10.132.0.2')]);
    keeper.event('MODIFIED', slice('web-1', 'a', 'web', '10.132.0.3'));
    keeper.event('MODIFIED', slice('web-1', 'a', 'www', '10.132.0.3'));
    keeper.event('MODIFIED', slice('web-1', 'a', undefined, '10.132.0.3'));
    keeper.event('DELETED', slice('web-1', 'a', undefined, '10.132.0.3'));
    keeper.event('ADDED', slice('db-1', 'a', 'db', '10.132.0.4'));
    keeper.event('DELETED', { metadata: { name: 'db-1', namespace: 'a' } });
    expect(calls).to.deep.equal([
      'reset endpoints', 'upsert a/web/web-1 10.132.0.1',
      'upsert a/web/web-1 10.132.0.3',
      'delete a/web/web-1', 'upsert a/www/web-1 10.132.0.3',
      'delete a/www/web-1',
      'upsert a/db/db-1 10.132.0.4', 'delete a/db/db-1',
    ]);
  });

  it('a list of one namespace: what it no longer has is deleted, other namespaces stay; dropNamespace removes its records', () => {
    const { calls, keeper } = setupKeeper();
    keeper.listed([slice('web-1', 'a', 'web', '10.132.0.1'), slice('web-2', 'a', 'web', '10.132.0.2')], 'a');
    keeper.listed([slice('db-1', 'b', 'db', '10.132.0.9')], 'b');
    keeper.listed([slice('web-2', 'a', 'web', '10.132.0.2')], 'a');
    keeper.dropNamespace('b');
    keeper.dropNamespace('b');
    expect(calls).to.deep.equal([
      'upsert a/web/web-1 10.132.0.1', 'upsert a/web/web-2 10.132.0.2',
      'upsert b/db/db-1 10.132.0.9',
      'delete a/web/web-1', 'upsert a/web/web-2 10.132.0.2',
      'delete b/db/db-1',
    ]);
  });
});
