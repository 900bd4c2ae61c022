// The writer thread through its main-thread handle: rows land in the database
// and are readable from another connection once committed, a failed
// transaction is an Unavailable StorageError that leaves the thread working,
// compaction runs there, and a closed or unstartable writer fails requests
// instead of hanging or crashing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StorageError } from '../backend.ts';
import { WorkerCommitter } from './committer.ts';
import type { RowValues } from './committer.ts';
import { openDatabase } from './open.ts';
import { COMPACTED_KEY, prepare } from './statements.ts';

const root = mkdtempSync(join(tmpdir(), 'k8ts-committer-'));
let n = 0;
const config = (path: string) => ({ path, busyTimeoutMs: 1000, autocheckpointPages: 1000 });
const create = (id: number, name: string, value: string): RowValues => [id, name, 1, 0, id, 0, 0, null, value, null];
const update = (id: number, name: string, create: number, prev: number, value: string): RowValues => [id, name, 0, 0, create, prev, 0, null, value, null];
const unavailable = (pattern: RegExp) => (e: unknown) => e instanceof StorageError && e.code === 'Unavailable' && pattern.test(e.message);

const valueOf = (st: ReturnType<typeof prepare>, id: number) => (st.valueById.get(id) as { value: string } | undefined)?.value;

function open() {
  const { db, path, lock } = openDatabase(join(root, `d${n++}`));
  return { db, path, st: prepare(db), done: () => { db.close(); lock.close(); } };
}

describe('sqlite writer thread', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('commits rows that the main connection reads once committed, and reports durability', async () => {
    const { path, st, done } = open();
    const c = await WorkerCommitter.start(config(path));
    const times: number[] = [];
    c.onCommitTime = (ms) => times.push(ms);
    const first = c.commit([create(1, '/a', 'one'), create(2, '/b', 'two')]);
    await first.committed;
    assert.equal(valueOf(st, 2), 'two');
    await first.durable;
    const second = c.commit([update(3, '/a', 1, 1, 'uno')]);
    await Promise.all([second.committed, second.durable]);
    assert.equal(valueOf(st, 3), 'uno');
    assert.equal(times.length, 2);
    await c.close();
    done();
  });

  it('a failed transaction rejects as Unavailable, stores none of its rows, and the next one commits', async () => {
    const { path, st, done } = open();
    const c = await WorkerCommitter.start(config(path));
    await c.commit([create(1, '/a', 'one')]).committed;
    const bad = c.commit([create(2, '/b', 'two'), create(1, '/dup', 'x')]); // id 1 is taken
    await assert.rejects(bad.committed, unavailable(/sqlite write failed: .*UNIQUE/));
    await assert.rejects(bad.durable, unavailable(/UNIQUE/));
    assert.equal(valueOf(st, 2), undefined, 'the whole transaction was rolled back');
    const good = c.commit([create(2, '/b', 'two')]);
    await Promise.all([good.committed, good.durable]);
    assert.equal(valueOf(st, 2), 'two');
    await c.close();
    done();
  });

  it('compacts in the writer thread: records the floor and deletes superseded rows', async () => {
    const { path, st, done } = open();
    const c = await WorkerCommitter.start(config(path));
    await c.commit([create(1, '/a', 'v1'), update(2, '/a', 1, 1, 'v2'), update(3, '/a', 1, 2, 'v3'), create(4, '/b', 'b')]).durable;
    assert.equal(await c.compact(3), 2, 'rows 1 and 2 are superseded by row 3');
    assert.equal((st.getMeta.get(COMPACTED_KEY) as { v: number }).v, 3);
    assert.equal(valueOf(st, 2), undefined);
    assert.equal(valueOf(st, 3), 'v3');
    await c.close();
    done();
  });

  it('after close, requests fail with Unavailable instead of hanging', async () => {
    const { path, done } = open();
    const c = await WorkerCommitter.start(config(path));
    const last = c.commit([create(1, '/a', 'one')]);
    await last.committed;
    await c.close();
    await last.durable; // close waited for the fsync of what was committed
    const late = c.commit([create(2, '/b', 'two')]);
    await assert.rejects(late.committed, unavailable(/closed|exited/));
    await assert.rejects(late.durable, unavailable(/closed|exited/));
    await assert.rejects(c.compact(1), unavailable(/closed|exited/));
    done();
  });

  it('a database it cannot open fails the start with Unavailable', async () => {
    await assert.rejects(WorkerCommitter.start(config(join(root, 'missing', 'dir', 'state.db'))), unavailable(/cannot start the sqlite writer for .*missing/));
  });
});
