// Conformance cases for list, count and pagination.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Backend, KeyValue } from './backend.ts';
import { rejectsWith, withBackend } from './conformance-util.ts';
import type { ConformanceOptions } from './conformance-util.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64url');

export function registerListCases(opts: ConformanceOptions): void {
  const run = (fn: (b: Backend) => Promise<void>) => () => withBackend(opts, fn);

  it('lists and counts by prefix, in key order, with prefixes isolated', run(async (b) => {
    for (const k of ['/a/b/2', '/a/bc/1', '/a/b/1', '/a/b', '/a/a/1', '/a/b/1/x']) await b.create(k, `v${k}`);
    const rev = await b.currentRevision();
    const l = await b.list('/a/b/');
    assert.deepEqual(l.items.map((kv) => kv.key), ['/a/b/1', '/a/b/1/x', '/a/b/2']);
    assert.equal(l.items[0]!.value, 'v/a/b/1');
    assert.equal(l.revision, rev);
    assert.equal(l.continue, undefined);
    assert.equal(l.remainingItemCount, undefined);
    assert.deepEqual((await b.list('/a/bc/')).items.map((kv) => kv.key), ['/a/bc/1']);
    assert.deepEqual((await b.list('/none/')).items, []);
    assert.deepEqual(await b.count('/a/b/'), { count: 3, revision: rev });
    assert.equal((await b.count('/a/')).count, 6);
    await b.delete('/a/b/2');
    assert.equal((await b.count('/a/b/')).count, 2, 'deleted keys are not counted');
  }));

  it('lists as of a past revision', run(async (b) => {
    const x1 = await b.create('/h/x1', 'x1-a');
    await b.create('/h/x2', 'x2-a');
    const rev = await b.currentRevision();
    await b.update('/h/x1', 'x1-b', x1.modRevision);
    await b.delete('/h/x2');
    await b.create('/h/x3', 'x3-a');
    const past = await b.list('/h/', { revision: rev });
    assert.equal(past.revision, rev);
    assert.deepEqual(past.items.map((kv) => `${kv.key}=${kv.value}`), ['/h/x1=x1-a', '/h/x2=x2-a']);
    const now = await b.list('/h/');
    assert.deepEqual(now.items.map((kv) => `${kv.key}=${kv.value}`), ['/h/x1=x1-b', '/h/x3=x3-a']);
    await rejectsWith(b.list('/h/', { revision: now.revision + 100 }), 'FutureRevision');
  }));

  it('paginates a consistent snapshot while writes happen between pages', run(async (b) => {
    const keys = Array.from({ length: 25 }, (_, i) => `/p/k${String(i).padStart(2, '0')}`);
    for (const k of keys) await b.create(k, `${k}@0`);
    await b.create('/p0/outside', 'not listed');
    const snap = await b.list('/p/');
    const snapshot = snap.items;
    const seen: KeyValue[] = [];
    let page = await b.list('/p/', { limit: 7 });
    const rev = page.revision;
    assert.equal(rev, snap.revision);
    let round = 0;
    for (;;) {
      seen.push(...page.items);
      assert.equal(page.revision, rev, 'every page is read at the first page revision');
      if (!page.continue) break;
      assert.ok(page.items.length === 7);
      assert.equal(page.remainingItemCount, snapshot.length - seen.length);
      // Disturb the store: add keys before and after the cursor, change and delete listed and unlisted ones.
      round++;
      await b.create(`/p/a-new${round}`, 'new');
      await b.create(`/p/z-new${round}`, 'new');
      const victim = (await b.get(keys[round * 5]!)).kv!;
      await b.update(victim.key, 'changed', victim.modRevision);
      await b.delete(keys[round * 5 + 1]!);
      page = await b.list('/p/', { limit: 7, continue: page.continue });
    }
    assert.deepEqual(seen, snapshot, 'pages hold exactly the snapshot: nothing skipped, repeated or newer');
    const full = await b.list('/p/', { limit: 0 });
    assert.equal(full.continue, undefined);
  }));

  it('rejects malformed continue tokens with InvalidContinue', run(async (b) => {
    await b.create('/c/a', 'a');
    await b.create('/c/b', 'b');
    const good = (await b.list('/c/', { limit: 1 })).continue!;
    assert.ok(good);
    assert.deepEqual((await b.list('/c/', { limit: 1, continue: good })).items.map((kv) => kv.key), ['/c/b']);
    const bad = [
      'not base64!!',
      b64('not json'),
      b64('[]'),
      b64('{"v":"meta.k8s.io/v2","rv":1,"start":"a"}'),
      b64('{"v":"meta.k8s.io/v1","rv":-1,"start":"a"}'),
      b64('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}'),
      b64('{"v":"meta.k8s.io/v1","rv":1,"start":""}'),
      b64('{"v":"meta.k8s.io/v1","rv":1,"start":"../x"}'),
      b64('{"v":"meta.k8s.io/v1","rv":1,"start":"/etc"}'),
    ];
    for (const token of bad) await rejectsWith(b.list('/c/', { limit: 1, continue: token }), 'InvalidContinue', /continue key is not valid/);
  }));
}
