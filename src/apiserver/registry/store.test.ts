import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryBackend } from '../../storage/memory/index.ts';
import { RESOURCES } from '../../api/resources.ts';
import type { WatchCache } from '../watch-cache.ts';
import { ResourceStore } from './store.ts';

const backend = createMemoryBackend();
after(() => backend.close());
const configMaps = RESOURCES.find((r) => r.group === '' && r.resource === 'configmaps')!;
// No watch cache: these tests read nothing back through it.
const noCache = { resource: () => undefined } as unknown as WatchCache;
const store = new ResourceStore(configMaps, { backend, cache: noCache, now: () => new Date(Date.UTC(2026, 0, 1)) });

describe('ResourceStore.writtenJson', () => {
  const objects: [string, () => any][] = [
    ['a plain object', () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: 'y' } }, data: { k: 'v' } })],
    ['metadata holding only its name', () => ({ metadata: { name: 'b' } })],
    ['a stale resourceVersion in the middle of metadata', () => ({ metadata: { resourceVersion: '999', name: 'c', uid: 'u' }, data: {} })],
    ['undefined and function values, integer-like keys, escapes', () => ({
      kind: undefined, metadata: { name: 'd', annotations: { 2: 'two', 1: 'one', 'q"\\\u2028': '\u0000é' } }, data: { fn: (() => 1) as any, n: undefined }, binaryData: {},
    })],
    ['empty metadata (a name comes from the key only here)', () => ({ metadata: {}, data: { z: '' } })],
    ['metadata after the other fields', () => ({ data: { a: '1' }, metadata: { name: 'e' } })],
    ['a date inside', () => ({ metadata: { name: 'f', annotations: { at: new Date(0) as any } } })],
  ];
  for (const [name, make] of objects) {
    it(`is what JSON.stringify gives after a create and an update: ${name}`, async () => {
      const obj = make();
      const created = await store.create(obj);
      assert.equal(store.writtenJson(created), JSON.stringify(created));
      const { obj: updated } = await store.writeUpdate(created, Number(created.metadata.resourceVersion));
      assert.notEqual(updated.metadata.resourceVersion, undefined);
      assert.equal(store.writtenJson(updated), JSON.stringify(updated));
    });
  }

  it('is undefined for an object not written here, or whose resourceVersion moved on', async () => {
    assert.equal(store.writtenJson({ metadata: { name: 'x', resourceVersion: '1' } }), undefined);
    const created = await store.create({ metadata: { name: 'g' } });
    created.metadata.resourceVersion = '12345';
    assert.equal(store.writtenJson(created), undefined);
  });

  it('stores the object without its resourceVersion', async () => {
    const created = await store.create({ metadata: { name: 'h', resourceVersion: '7' }, data: { a: 'b' } });
    const { kv } = await backend.get(store.keyFor('', 'h'));
    assert.equal(kv!.value, JSON.stringify({ metadata: { name: 'h' }, data: { a: 'b' } }));
    assert.equal(created.metadata.resourceVersion, String(kv!.modRevision));
  });
});

describe('ResourceStore.guaranteedUpdate from the watch cache', () => {
  const objects = new Map<string, any>();
  const cache = { resource: () => ({ objects }) } as unknown as WatchCache;
  const cachedStore = new ResourceStore(configMaps, { backend, cache, now: () => new Date(0) });
  const key = cachedStore.keyFor('ns', 'gu');

  it('starts from the cached object when it is current, without reading storage', async () => {
    const created = await cachedStore.create({ metadata: { name: 'gu', namespace: 'ns' }, data: { n: '0' } });
    objects.set(key, structuredClone(created));
    const seen: string[] = [];
    const reads = backend.get.bind(backend);
    let storageReads = 0;
    backend.get = (async (...a: Parameters<typeof reads>) => { storageReads++; return reads(...a); }) as typeof backend.get;
    try {
      const { obj } = await cachedStore.guaranteedUpdate('ns', 'gu', (cur) => { seen.push(cur.data.n); cur.data.n = '1'; return cur; });
      assert.deepEqual(seen, ['0']);
      assert.equal(storageReads, 0);
      assert.equal(obj.data.n, '1');
      // The cached object is the cache's: the attempt worked on a copy.
      assert.equal(objects.get(key).data.n, '0');
    } finally {
      backend.get = reads;
    }
  });

  it('redoes an attempt from storage when the cached object is stale: a conflict, or an error the stale copy caused', async () => {
    // The cache still holds data.n = '0' at an older revision; storage has '1'.
    const seen: string[] = [];
    const { obj } = await cachedStore.guaranteedUpdate('ns', 'gu', (cur) => { seen.push(cur.data.n); cur.data.n = '2'; return cur; });
    assert.deepEqual(seen, ['0', '1']);
    assert.equal(obj.data.n, '2');
    const tried: string[] = [];
    await cachedStore.guaranteedUpdate('ns', 'gu', (cur) => {
      tried.push(cur.data.n);
      if (cur.data.n === '0') throw new Error('stale');
      return cur;
    });
    assert.deepEqual(tried, ['0', '2']);
  });

  it('reports an error that storage\'s own state gives', async () => {
    objects.clear();
    await assert.rejects(cachedStore.guaranteedUpdate('ns', 'gu', () => { throw new Error('refused'); }), /refused/);
  });
});
