import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openDatabase } from './open.ts';
import { prepare } from './statements.ts';
import { Writer } from './writer.ts';
import type { Op } from './writer.ts';
import type { WatchHub } from '../watch-hub.ts';
import type { WatchEvent } from '../backend.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('a batch is acknowledged and published only once durable, and batches in commit order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'writer-'));
  const { db } = openDatabase(dir);
  const published: WatchEvent[] = [];
  const hub = { publish: (evs: WatchEvent[]) => published.push(...evs) } as unknown as WatchHub;
  const syncs: (() => void)[] = [];
  const writer = new Writer(db, prepare(db), hub, { now: () => Date.now() }, 0, () => new Promise<void>((r) => syncs.push(r)));
  const settled: string[] = [];
  const create = (key: string) => new Promise((resolve, reject) => writer.submit({ kind: 'create', key, value: 'v', resolve, reject } as Op)).then(() => settled.push(key));

  const a = create('/a');
  await tick(); // first batch commits, its fsync pending
  const b = create('/b');
  await tick(); // second batch commits too, without waiting for the first fsync
  assert.equal(syncs.length, 2);
  assert.deepEqual(settled, []);
  assert.equal(published.length, 0);
  syncs[1]!(); // the later fsync finishes first: still nothing may be acknowledged before /a
  await tick();
  assert.deepEqual(settled, []);
  syncs[0]!();
  await Promise.all([a, b]);
  assert.deepEqual(settled, ['/a', '/b']);
  assert.deepEqual(published.map((e) => e.revision), [1, 2]);
  await writer.drained();
  db.close();
  rmSync(dir, { recursive: true });
});

test('WAL fsyncs are shared: callers during a running fsync wait for one more, not one each', async () => {
  const { WalSync } = await import('./wal-sync.ts');
  const dir = mkdtempSync(join(tmpdir(), 'walsync-'));
  const { db, path } = openDatabase(dir);
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
  rmSync(dir, { recursive: true });
});
