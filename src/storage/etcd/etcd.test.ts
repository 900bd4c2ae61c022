// The etcd backend against a private etcd: the shared conformance suite
// (each backend under a fresh key prefix), plus client TLS, failover in a
// three-member cluster and a clear error for an endpoint that does not answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, startEtcd } from '../../../test/support/etcd.ts';
import type { TestEtcd } from '../../../test/support/etcd.ts';
import { isStorageError } from '../backend.ts';
import { runConformance } from '../conformance.ts';
import { take } from '../conformance-util.ts';
import { createEtcdBackend } from './index.ts';

let etcd: TestEtcd | undefined;
let n = 0;

before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

runConformance('etcd', {
  newBackend: () => createEtcdBackend({ endpoints: etcd!.endpoints, prefix: `/conformance-${process.pid}-${n++}` }),
});

describe('etcd backend', () => {
  it('keeps stores with different prefixes apart and strips the prefix from keys', async () => {
    const a = await createEtcdBackend({ endpoints: etcd!.endpoints, prefix: '/pa' });
    const b = await createEtcdBackend({ endpoints: etcd!.endpoints, prefix: '/pb' });
    try {
      await a.create('/k', 'from a');
      assert.equal((await b.get('/k')).kv, null);
      assert.deepEqual((await a.list('/')).items.map((kv) => kv.key), ['/k']);
      assert.equal((await b.count('/')).count, 0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  // k8ts server uses no prefix: every read of "" (revision, list, count,
  // watch) must still work, though etcd refuses an empty key.
  it('works without a prefix, reading from the empty key', async () => {
    const b = await createEtcdBackend({ endpoints: etcd!.endpoints });
    try {
      const created = await b.create(`/noprefix-${process.pid}`, 'v');
      assert.ok(await b.currentRevision() >= created.modRevision);
      assert.ok((await b.list('')).items.some((kv) => kv.key === `/noprefix-${process.pid}`));
      assert.ok((await b.count('')).count >= 1);
    } finally {
      await b.close();
    }
  });

  it('gives watchers of one prefix that share an etcd watch exactly their own events', async () => {
    const b = await createEtcdBackend({ endpoints: etcd!.endpoints, prefix: '/share' });
    try {
      const early = b.watch('/s/');
      const a = await b.create('/s/a', '1');
      const late = b.watch('/s/'); // from now: after a
      const fromA = b.watch('/s/', { fromRevision: a.modRevision });
      const replay = b.watch('/s/', { fromRevision: a.modRevision - 1 });
      early.close();
      const c = await b.create('/s/c', '2');
      const revs = async (w: typeof early, n: number) => (await take(w, n)).map((e) => e.revision);
      assert.deepEqual(await revs(late, 1), [c.modRevision]);
      assert.deepEqual(await revs(fromA, 1), [c.modRevision]);
      assert.deepEqual(await revs(replay, 2), [a.modRevision, c.modRevision]);
      const d = await b.delete('/s/a');
      for (const w of [late, fromA, replay]) assert.deepEqual(await revs(w, 1), [d.revision]);
      for (const w of [late, fromA, replay]) w.close();
    } finally {
      await b.close();
    }
  });

  it('fails the factory within dialTimeoutMs, naming the endpoints, when none answers', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const t0 = Date.now();
    await assert.rejects(createEtcdBackend({ endpoints: [dead], dialTimeoutMs: 700 }), (err) => {
      assert.ok(isStorageError(err, 'Unavailable'), String(err));
      assert.match((err as Error).message, new RegExp(`cannot reach etcd at ${dead} within 700 ms.*ECONNREFUSED`));
      return true;
    });
    const took = Date.now() - t0;
    assert.ok(took >= 600 && took < 2000, `took ${took} ms`);
  });

  it('uses client TLS certificates, and refuses a client without them', async () => {
    const secure = await startEtcd({ tls: true });
    try {
      const b = await createEtcdBackend({ endpoints: secure.endpoints, tls: secure.tls });
      const kv = await b.create('/tls/k', 'v');
      assert.equal((await b.get('/tls/k')).kv?.modRevision, kv.modRevision);
      await b.close();
      await assert.rejects(
        createEtcdBackend({ endpoints: secure.endpoints, tls: { ca: secure.tls!.ca }, dialTimeoutMs: 800 }),
        (err) => isStorageError(err, 'Unavailable'),
      );
    } finally {
      await secure.stop();
    }
  });

  it('keeps writing and watching when the member it uses dies in a 3-member cluster', async () => {
    const cluster = await startEtcd({ members: 3 });
    try {
      const b = await createEtcdBackend({ endpoints: cluster.endpoints, dialTimeoutMs: 5000 });
      const w = b.watch('/ha/');
      const first = await b.create('/ha/1', 'a');
      assert.equal((await take(w, 1))[0]!.revision, first.modRevision);
      // The backend starts on the first endpoint that answers; kill it. A write
      // in flight at that moment may fail (its fate is unknown), so read first.
      const using = (b as unknown as { endpoint: string }).endpoint;
      const used = cluster.members.find((m) => m.endpoint === using)!;
      await used.kill();
      assert.deepEqual((await b.list('/ha/')).items.map((kv) => kv.value), ['a']);
      const second = await b.create('/ha/2', 'b');
      const third = await b.update('/ha/2', 'c', second.modRevision);
      assert.deepEqual((await b.list('/ha/')).items.map((kv) => kv.value), ['a', 'c']);
      const evs = await take(w, 2, 8000);
      assert.deepEqual(evs.map((e) => e.revision), [second.modRevision, third.modRevision]);
      w.close();
      await b.close();
    } finally {
      await cluster.stop();
    }
  });
});
