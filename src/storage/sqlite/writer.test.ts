import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openDatabase } from './open.ts';
import { prepare } from './statements.ts';
import { Writer } from './writer.ts';
import type { Op } from './writer.ts';
import type { Committer, RowValues } from './committer.ts';
import type { WatchHub } from '../watch-hub.ts';
import type { KeyValue, WatchEvent } from '../backend.ts';
import { StorageError } from '../backend.ts';

const tick = () => new Promise((r) => setImmediate(r));

/** A committer the test drives by hand: each batch waits until the test commits (or fails) it and syncs it. */
class ManualCommitter implements Committer {
  readonly batches: { rows: RowValues[]; commit: () => void; fail: (e: unknown) => void; sync: () => void }[] = [];
  private readonly insert: (rows: RowValues[]) => void;
  constructor(insert: (rows: RowValues[]) => void) {
    this.insert = insert;
  }
  commit(rows: RowValues[]) {
    let commit!: () => void, fail!: (e: unknown) => void, sync!: () => void, syncFail!: (e: unknown) => void;
    const committed = new Promise<void>((res, rej) => { commit = () => { this.insert(rows); res(); }; fail = rej; });
    const durable = new Promise<void>((res, rej) => { sync = res; syncFail = rej; });
    this.batches.push({ rows, commit, fail: (e) => { fail(e); syncFail(e); }, sync });
    return { committed, durable };
  }
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'writer-'));
  const { db, lock } = openDatabase(dir);
  const st = prepare(db);
  const published: WatchEvent[] = [];
  const hub = { publish: (evs: WatchEvent[]) => published.push(...evs) } as unknown as WatchHub;
  const committer = new ManualCommitter((rows) => { for (const r of rows) st.insert.run(...r); });
  const writer = new Writer(st, committer, hub, { now: () => Date.now() }, 0);
  const settled: string[] = [];
  const op = (kind: 'create' | 'update' | 'delete', key: string, value = 'v', expected?: number) =>
    new Promise<KeyValue | { revision: number }>((resolve, reject) => writer.submit({ kind, key, value, expected, resolve, reject } as Op))
      .then((v) => { settled.push(key); return v; });
  const done = () => { db.close(); lock.close(); rmSync(dir, { recursive: true }); };
  return { writer, committer, published, settled, op, done };
}

test('one batch in the committer at a time; acknowledged and published only once durable, in commit order', async () => {
  const { writer, committer, published, settled, op, done } = setup();
  const a = op('create', '/a');
  await tick();
  const b = op('create', '/b');
  await tick();
  assert.equal(committer.batches.length, 1, 'the second batch waits until the first is committed');
  assert.equal(writer.rev, 0, 'the revision moves only once committed');
  committer.batches[0]!.commit();
  await tick();
  assert.equal(writer.rev, 1);
  assert.equal(committer.batches.length, 2, 'the next batch goes as soon as the first is committed, before its fsync');
  assert.deepEqual(committer.batches[1]!.rows.map((r) => r[0]), [2]);
  committer.batches[1]!.commit();
  committer.batches[1]!.sync(); // the later fsync finishes first: still nothing may be acknowledged before /a
  await tick();
  assert.deepEqual(settled, []);
  assert.equal(published.length, 0);
  committer.batches[0]!.sync();
  await Promise.all([a, b]);
  assert.deepEqual(settled, ['/a', '/b']);
  assert.deepEqual(published.map((e) => e.revision), [1, 2]);
  await writer.drain();
  done();
});

test('a failed transaction rejects its writes and leaves revision and index as they were', async () => {
  const { writer, committer, op, done } = setup();
  const a = op('create', '/a');
  await tick();
  committer.batches[0]!.fail(new StorageError('Unavailable', 'sqlite write failed: disk I/O error'));
  await assert.rejects(a, (e) => e instanceof StorageError && e.code === 'Unavailable' && /disk I\/O/.test(e.message));
  assert.equal(writer.rev, 0);
  assert.equal(writer.index.size, 0);
  // The next write reuses the revision nothing was stored under.
  const b = op('create', '/a', 'again');
  await tick();
  assert.deepEqual(committer.batches[1]!.rows.map((r) => [r[0], r[1], r[8]]), [[1, '/a', 'again']]);
  committer.batches[1]!.commit();
  committer.batches[1]!.sync();
  assert.equal((await b as KeyValue).modRevision, 1);
  done();
});

test('writes in one batch see each other: update and delete of a key created in the same batch carry its value', async () => {
  const { writer, committer, published, op, done } = setup();
  const results = Promise.all([op('create', '/k', 'one'), op('update', '/k', 'two', 1), op('update', '/k', 'bad', 1), op('delete', '/k')].map((p) => p.catch((e: unknown) => e)));
  await tick();
  assert.equal(committer.batches.length, 1);
  // old_value is left for the database to copy from the previous row (statements.insert).
  assert.deepEqual(committer.batches[0]!.rows.map((r) => [r[0], r[2], r[3], r[5], r[8], r[9]]), [[1, 1, 0, 0, 'one', null], [2, 0, 0, 1, 'two', null], [3, 0, 1, 2, null, null]]);
  committer.batches[0]!.commit();
  committer.batches[0]!.sync();
  const [, , conflict, del] = await results;
  assert.ok(conflict instanceof StorageError && conflict.code === 'Conflict', String(conflict));
  assert.equal((del as { revision: number }).revision, 3);
  assert.deepEqual(published.map((e) => [e.type, e.revision, e.type === 'create' ? null : e.prevKv.value]), [['create', 1, null], ['update', 2, 'one'], ['delete', 3, 'two']]);
  assert.equal(writer.index.has('/k'), false);
  // A batch whose every write fails its check writes nothing but still answers.
  await assert.rejects(op('update', '/k', 'x', 3), (e) => e instanceof StorageError && e.code === 'KeyNotFound');
  assert.equal(committer.batches.length, 1);
  done();
});

test('WAL fsyncs are shared: callers during a running fsync wait for one more, not one each', async () => {
  const { WalSync } = await import('./wal-sync.ts');
  const dir = mkdtempSync(join(tmpdir(), 'walsync-'));
  const { db, path, lock } = openDatabase(dir);
  db.exec("CREATE TABLE IF NOT EXISTS t (x); INSERT INTO t VALUES (1)");
  const wal = new WalSync(path);
  const first = wal.sync();
  const later = [wal.sync(), wal.sync(), wal.sync()];
  assert.notEqual(later[0], first, 'a caller arriving during an fsync needs a fresh one');
  assert.equal(later[1], later[0]);
  assert.equal(later[2], later[0]);
  await Promise.all([first, ...later]);
  const after = wal.sync();
  assert.notEqual(after, later[0]);
  await after;
  wal.close();
  db.close();
  lock.close();
  rmSync(dir, { recursive: true });
});
