// The one conformance suite: every backend runs it from its own test file.
//   runConformance('sqlite', { newBackend: () => createSqliteBackend({ dataDir }) })
// Each case gets a fresh backend and closes it at the end.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MAX_VALUE_BYTES, isStorageError } from './backend.ts';
import type { KeyValue } from './backend.ts';
import { registerListCases } from './conformance-list.ts';
import { rejectsWith, withBackend } from './conformance-util.ts';
import type { ConformanceOptions } from './conformance-util.ts';
import { registerWatchCases } from './conformance-watch.ts';

export type { ConformanceOptions } from './conformance-util.ts';

export function runConformance(name: string, opts: ConformanceOptions): void {
  describe(`storage conformance: ${name}`, () => {
    if (opts.cleanup) after(opts.cleanup);
    registerWriteCases(opts);
    registerListCases(opts);
    registerWatchCases(opts);
  });
}

function registerWriteCases(opts: ConformanceOptions): void {
  const run = (fn: Parameters<typeof withBackend>[1]) => () => withBackend(opts, fn);

  it('create, get, update, delete with global, strictly increasing revisions', run(async (b) => {
    const r0 = await b.currentRevision();
    const a = await b.create('/t/a', 'a1');
    assert.deepEqual(a, { key: '/t/a', value: 'a1', createRevision: a.modRevision, modRevision: a.modRevision });
    assert.ok(a.modRevision > r0);
    const other = await b.create('/u/other', 'x');
    assert.ok(other.modRevision > a.modRevision, 'revisions are global across keys');
    const got = await b.get('/t/a');
    assert.deepEqual(got.kv, a);
    assert.equal(got.revision, other.modRevision);
    const a2 = await b.update('/t/a', 'a2', a.modRevision);
    assert.equal(a2.createRevision, a.createRevision);
    assert.ok(a2.modRevision > other.modRevision);
    assert.equal(a2.value, 'a2');
    assert.deepEqual((await b.get('/t/a', { revision: a.modRevision })).kv, a, 'old revision still readable');
    const del = await b.delete('/t/a');
    assert.deepEqual(del.prevKv, a2);
    assert.ok(del.revision > a2.modRevision);
    assert.equal((await b.get('/t/a')).kv, null);
    assert.equal(await b.currentRevision(), del.revision);
    const again = await b.create('/t/a', 'a3');
    assert.ok(again.createRevision > del.revision, 'a re-created key starts a new life');
    assert.equal((await b.get('/missing')).kv, null);
  }));

  it('reports KeyExists, KeyNotFound and FutureRevision', run(async (b) => {
    const a = await b.create('/t/a', 'v');
    const err = await rejectsWith(b.create('/t/a', 'w'), 'KeyExists');
    assert.equal((err as { key?: string }).key, '/t/a');
    await rejectsWith(b.update('/t/none', 'v', 1), 'KeyNotFound');
    await rejectsWith(b.delete('/t/none'), 'KeyNotFound');
    await rejectsWith(b.get('/t/a', { revision: a.modRevision + 1000 }), 'FutureRevision');
    assert.equal((await b.get('/t/a')).kv?.value, 'v', 'failed writes changed nothing');
    assert.equal(await b.currentRevision(), a.modRevision, 'failed writes used no revision');
  }));

  it('lets exactly one of many concurrent creates of a key win', run(async (b) => {
    const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => b.create('/race/k', `v${i}`)));
    const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<KeyValue>[];
    assert.equal(won.length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isStorageError(r.reason, 'KeyExists'), String(r.reason));
    assert.deepEqual((await b.get('/race/k')).kv, won[0]!.value);
  }));

  it('rejects stale updates and deletes with Conflict carrying the current value', run(async (b) => {
    const v1 = await b.create('/cas/k', 'v1');
    const v2 = await b.update('/cas/k', 'v2', v1.modRevision);
    const err = await rejectsWith(b.update('/cas/k', 'stale', v1.modRevision), 'Conflict');
    assert.deepEqual((err as { current?: KeyValue }).current, v2);
    const derr = await rejectsWith(b.delete('/cas/k', v1.modRevision), 'Conflict');
    assert.deepEqual((derr as { current?: KeyValue }).current, v2);
    // Concurrent updates from the same base: exactly one wins.
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => b.update('/cas/k', `w${i}`, v2.modRevision)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isStorageError(r.reason, 'Conflict'), String(r.reason));
    const now = (await b.get('/cas/k')).kv!;
    const del = await b.delete('/cas/k', now.modRevision);
    assert.deepEqual(del.prevKv, now);
  }));

  it('accepts values up to 1.5 MiB and rejects larger ones with ValueTooLarge', run(async (b) => {
    const max = 'x'.repeat(MAX_VALUE_BYTES);
    const kv = await b.create('/big/max', max);
    assert.equal((await b.get('/big/max')).kv?.value.length, MAX_VALUE_BYTES);
    await rejectsWith(b.create('/big/over', max + 'y'), 'ValueTooLarge', new RegExp(`${MAX_VALUE_BYTES + 1}.*${MAX_VALUE_BYTES}`));
    // The limit counts UTF-8 bytes, not characters.
    await rejectsWith(b.update('/big/max', '€'.repeat(MAX_VALUE_BYTES / 3 + 1), kv.modRevision), 'ValueTooLarge');
    assert.equal((await b.get('/big/over')).kv, null);
  }));

  it('stores unicode keys and values unchanged', run(async (b) => {
    const entries: [string, string][] = [
      ['/u/日本/ключ', '{"name":"日本語 ключ"}'],
      ['/u/emoji/😀', 'smile 😀 \u0000 nul'],
      ['/u/plain', 'ascii'],
      ['/u/\uffff', 'bmp max'],
      ['/u/😀', 'astral right after the prefix'],
    ];
    for (const [k, v] of entries) await b.create(k, v);
    for (const [k, v] of entries) assert.equal((await b.get(k)).kv?.value, v);
    // Byte (UTF-8) order: the astral 😀 sorts after U+FFFF.
    const keys = (await b.list('/u/')).items.map((kv) => kv.key);
    assert.deepEqual(keys, entries.map(([k]) => k).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  }));
}
