// Conformance cases for watch, compaction, TTL and close.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isStorageError } from './backend.ts';
import type { Backend, WatchEvent } from './backend.ts';
import { describeEvent, ending, rejectsWith, take, withBackend } from './conformance-util.ts';
import type { ConformanceOptions } from './conformance-util.ts';

export function registerWatchCases(opts: ConformanceOptions): void {
  const run = (fn: (b: Backend) => Promise<void>) => () => withBackend(opts, fn);

  it('watches from now: create, update and delete with prevKv', run(async (b) => {
    await b.create('/w/before', 'old');
    const w = b.watch('/w/');
    const c = await b.create('/w/k', 'v1');
    const u = await b.update('/w/k', 'v2', c.modRevision);
    const d = await b.delete('/w/k');
    const evs = await take(w, 3);
    w.close();
    assert.deepEqual(evs, [
      { type: 'create', revision: c.modRevision, kv: c },
      { type: 'update', revision: u.modRevision, kv: u, prevKv: c },
      { type: 'delete', revision: d.revision, key: '/w/k', prevKv: u },
    ]);
  }));

  it('watches from an old revision: replays, then continues live, in order, exactly once', run(async (b) => {
    await b.create('/o/x', 'ignored');
    const from = await b.currentRevision();
    const expected: string[] = [];
    const record = (ev: WatchEvent) => expected.push(describeEvent(ev));
    for (let i = 0; i < 30; i++) {
      const kv = await b.create(`/o/k${i}`, `c${i}`);
      record({ type: 'create', revision: kv.modRevision, kv });
      await b.create(`/other/k${i}`, 'not watched');
      if (i % 3 === 0) {
        const u = await b.update(kv.key, `u${i}`, kv.modRevision);
        record({ type: 'update', revision: u.modRevision, kv: u, prevKv: kv });
        const d = await b.delete(kv.key);
        record({ type: 'delete', revision: d.revision, key: kv.key, prevKv: u });
      }
    }
    const w = b.watch('/o/', { fromRevision: from });
    // Writes racing with the replay must appear once, after the replayed ones.
    const live = Array.from({ length: 20 }, (_, i) => b.create(`/o/live${i}`, `l${i}`));
    for (const kv of await Promise.all(live)) record({ type: 'create', revision: kv.modRevision, kv });
    const sorted = [...expected].sort((x, y) => parseInt(x) - parseInt(y));
    const evs = await take(w, sorted.length);
    assert.deepEqual(evs.map(describeEvent), sorted);
    const extra = await b.create('/o/last', 'x');
    assert.equal((await take(w, 1))[0]!.revision, extra.modRevision, 'no duplicates after the switch to live');
    w.close();
  }));

  it('isolates watch prefixes', run(async (b) => {
    const w = b.watch('/iso/a/');
    await b.create('/iso/ab/1', 'no');
    await b.create('/iso/a', 'no');
    const yes = await b.create('/iso/a/1', 'yes');
    const evs = await take(w, 1);
    assert.equal(evs[0]!.revision, yes.modRevision);
    await b.create('/iso/b/1', 'no');
    const yes2 = await b.create('/iso/a/2', 'yes');
    assert.equal((await take(w, 1))[0]!.revision, yes2.modRevision);
    w.close();
  }));

  it('fails reads and watches below the compacted revision with Compacted', run(async (b) => {
    await b.create('/cmp/a', 'a');
    let kv = await b.create('/cmp/k', 'v0');
    for (let i = 1; i <= 10; i++) kv = await b.update('/cmp/k', `v${i}`, kv.modRevision);
    await b.create('/cmp/gone', 'x');
    await b.delete('/cmp/gone');
    const token = (await b.list('/cmp/', { limit: 0 })).revision;
    await b.create('/cmp/z1', 'z');
    await b.create('/cmp/z2', 'z');
    const paged = await b.list('/cmp/', { limit: 1, revision: token });
    assert.ok(paged.continue);
    const target = await b.currentRevision();
    await b.compact(target);
    assert.ok((await b.compactedRevision()) >= target);
    await rejectsWith(b.get('/cmp/k', { revision: target - 5 }), 'Compacted');
    await rejectsWith(b.list('/cmp/', { revision: target - 5 }), 'Compacted');
    await rejectsWith(b.list('/cmp/', { limit: 1, continue: paged.continue! }), 'Compacted');
    const err = await ending(b.watch('/cmp/', { fromRevision: 1 }));
    assert.ok(isStorageError(err, 'Compacted'), `watch from a compacted revision: ${String(err)}`);
    // The state at the compacted revision survives, and watching from it works.
    assert.deepEqual((await b.list('/cmp/')).items.map((i) => i.key), ['/cmp/a', '/cmp/k', '/cmp/z1', '/cmp/z2']);
    assert.equal((await b.get('/cmp/k')).kv?.value, 'v10');
    const w = b.watch('/cmp/', { fromRevision: target });
    const next = await b.create('/cmp/after', 'a');
    assert.equal((await take(w, 1))[0]!.revision, next.modRevision);
    w.close();
  }));

  it('delivers every event to 1,000 concurrent watchers', run(async (b) => {
    const watchers = Array.from({ length: 1000 }, () => b.watch('/many/'));
    const revs: number[] = [];
    for (let i = 0; i < 20; i++) revs.push((await b.create(`/many/k${i}`, `v${i}`)).modRevision);
    const got = await Promise.all(watchers.map((w) => take(w, 20, 10000)));
    for (const evs of got) assert.deepEqual(evs.map((e) => e.revision), revs);
    for (const w of watchers) w.close();
  }));

  it('deletes keys whose TTL expired, as ordinary deletes', run(async (b) => {
    const w = b.watch('/ttl/');
    const short = await b.create('/ttl/short', 's', { ttlSeconds: 1 });
    const kept = await b.create('/ttl/kept', 'k', { ttlSeconds: 1 });
    await b.update('/ttl/kept', 'k2', kept.modRevision); // a write without TTL drops the lease
    await b.create('/ttl/long', 'l', { ttlSeconds: 3600 });
    const evs = await take(w, 5, 6000);
    const del = evs[4]!;
    assert.equal(del.type, 'delete');
    assert.ok(del.type === 'delete' && del.key === '/ttl/short' && del.revision > short.modRevision);
    assert.equal((await b.get('/ttl/short')).kv, null);
    assert.equal((await b.get('/ttl/kept')).kv?.value, 'k2');
    assert.equal((await b.get('/ttl/long')).kv?.value, 'l');
    w.close();
  }));

  it('ends watches on close()', async () => {
    const b = await opts.newBackend();
    const w = b.watch('/');
    await b.create('/closing', 'x');
    await b.close();
    const err = await ending(w);
    assert.ok(err === undefined || isStorageError(err), `a closed watch ends cleanly: ${String(err)}`);
  });
}
