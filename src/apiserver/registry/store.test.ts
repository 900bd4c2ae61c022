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
