// What only the sqlite backend promises: state survives reopening, group
// commit batches concurrent writes, and compaction really removes rows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { createSqliteBackend } from './index.ts';
import { databasePath } from './open.ts';

const root = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-persist-'));
let n = 0;
const fresh = () => join(root, `d${n++}`);

function rowCount(dataDir: string): number {
  const db = new DatabaseSync(databasePath(dataDir), { readOnly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM kine').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('sqlite backend specifics', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keeps keys, revisions, leases and the compacted revision across reopen', async () => {
    const dataDir = fresh();
    let now = 1_000_000;
    const clock = { now: () => now };
    const b1 = await createSqliteBackend({ dataDir, clock, sweepInterval: 60_000 });
    const a = await b1.create('/p/a', 'a1');
    const a2 = await b1.update('/p/a', 'a2', a.modRevision);
    await b1.create('/p/ttl', 't', { ttlSeconds: 10 });
    await b1.create('/p/gone', 'g');
    await b1.compact(await b1.currentRevision());
    const del = await b1.delete('/p/gone');
    await b1.compact(del.revision); // the newest row is now gone from the table
    await b1.close();

    const b2 = await createSqliteBackend({ dataDir, clock, sweepInterval: 60_000 });
    try {
      assert.equal(await b2.currentRevision(), del.revision, 'the revision survives even when its row was compacted');
      assert.equal(await b2.compactedRevision(), del.revision);
      assert.deepEqual((await b2.get('/p/a')).kv, a2);
      assert.deepEqual((await b2.list('/p/')).items.map((kv) => kv.key), ['/p/a', '/p/ttl']);
      const next = await b2.create('/p/new', 'n');
      assert.equal(next.modRevision, del.revision + 1);
      const w = b2.watch('/p/');
      now += 11_000;
      b2.sweepExpired(now);
      const it = w[Symbol.asyncIterator]();
      const ev = (await it.next()).value!;
      assert.equal(ev.type, 'delete');
      assert.ok(ev.type === 'delete' && ev.key === '/p/ttl', 'the lease survived the restart');
      w.close();
    } finally {
      await b2.close();
    }
  });

  it('commits concurrent writes in shared transactions, each with its own revision', async () => {
    const dataDir = fresh();
    const b = await createSqliteBackend({ dataDir });
    try {
      const kvs = await Promise.all(Array.from({ length: 300 }, (_, i) => b.create(`/g/${i}`, String(i))));
      const revs = kvs.map((kv) => kv.modRevision).sort((x, y) => x - y);
      assert.equal(new Set(revs).size, 300);
      assert.equal(revs[299]! - revs[0]!, 299, 'revisions are dense');
      assert.ok(b.stats.batches <= 3, `300 concurrent writes took ${b.stats.batches} transactions`);
      assert.equal(b.stats.writes, 300);
    } finally {
      await b.close();
    }
  });

  it('compaction deletes superseded rows and tombstones, keeping the state at the target', async () => {
    const dataDir = fresh();
    const b = await createSqliteBackend({ dataDir });
    let kv = await b.create('/c/k', 'v0');
    for (let i = 1; i < 1200; i++) kv = await b.update('/c/k', `v${i}`, kv.modRevision);
    await b.create('/c/d', 'x');
    await b.delete('/c/d');
    await b.create('/c/keep', 'k');
    const target = await b.currentRevision();
    const after1 = await b.update('/c/k', 'after', kv.modRevision);
    await b.compact(target);
    assert.deepEqual((await b.get('/c/k', { revision: target })).kv, kv);
    assert.deepEqual((await b.get('/c/k')).kv, after1);
    await b.close();
    // Left: /c/k at the target, /c/k after it, /c/keep.
    assert.equal(rowCount(dataDir), 3);
  });

  it('runs the background compactor, keeping the configured number of revisions', async () => {
    const dataDir = fresh();
    const b = await createSqliteBackend({ dataDir, compactInterval: 30, compactRetain: 10 });
    try {
      let kv = await b.create('/bg/k', 'v0');
      for (let i = 1; i < 50; i++) kv = await b.update('/bg/k', `v${i}`, kv.modRevision);
      const deadline = Date.now() + 3000;
      while ((await b.compactedRevision()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const compacted = await b.compactedRevision();
      assert.ok(compacted > 0 && compacted <= kv.modRevision - 10, `compacted to ${compacted} of ${kv.modRevision}`);
    } finally {
      await b.close();
    }
  });
});
