import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryBackend } from '../storage/memory/index.ts';
import { WatchCache } from './watch-cache.ts';

const obj = (name: string) => JSON.stringify({ kind: 'X', metadata: { name } });

test('events go to the longest matching segment; eventsSince returns exactly the newer events', async () => {
  const backend = createMemoryBackend();
  const cache = new WatchCache({ backend, segments: ['services/specs', 'services/endpoints', 'services', 'pods', 'podsx'], eventWindow: 5 });
  await cache.start();
  try {
    const revs: number[] = [];
    for (const key of ['/registry/services/specs/ns/a', '/registry/services/endpoints/ns/a', '/registry/services/ns/b', '/registry/pods/ns/p', '/registry/podsx/ns/q', '/registry/other/x', '/registry/pods']) {
      revs.push((await backend.create(key, obj(key))).modRevision);
    }
    assert.ok(await cache.waitFor(revs.at(-1)!, 2000));
    const keys = (seg: string) => [...cache.resource(seg)!.objects.keys()];
    assert.deepEqual(keys('services/specs'), ['/registry/services/specs/ns/a']);
    assert.deepEqual(keys('services/endpoints'), ['/registry/services/endpoints/ns/a']);
    assert.deepEqual(keys('services'), ['/registry/services/ns/b']);
    assert.deepEqual(keys('pods'), ['/registry/pods/ns/p']);
    assert.deepEqual(keys('podsx'), ['/registry/podsx/ns/q']);

    const pods = cache.resource('pods')!;
    const written: number[] = [];
    for (let i = 0; i < 8; i++) written.push((await backend.create(`/registry/pods/ns/n${i}`, obj(`n${i}`))).modRevision);
    assert.ok(await cache.waitFor(written.at(-1)!, 2000));
    // A window of 5: the last five pod events are kept.
    const kept = written.slice(-5);
    for (const from of [kept[0]! - 1, kept[0]!, kept[2]!, kept[4]!, kept[4]! + 100]) {
      assert.deepEqual(pods.eventsSince(from)!.map((e) => e.revision), kept.filter((r) => r > from), `from ${from}`);
    }
    assert.equal(pods.eventsSince(written[0]!), null);
  } finally {
    cache.stop();
    await backend.close();
  }
});
