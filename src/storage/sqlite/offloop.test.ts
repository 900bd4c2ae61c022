// The point of the writer thread: a commit that waits on the disk (here, on
// another connection's write lock) holds up that write only. The event loop
// keeps turning and reads keep being answered meanwhile.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSqliteBackend } from './index.ts';
import { databasePath } from './open.ts';

const root = mkdtempSync(join(tmpdir(), 'k8ts-offloop-'));

describe('sqlite commits off the event loop', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keeps the loop turning and reads answered while a commit waits for the database', async () => {
    const dataDir = join(root, 'd');
    const b = await createSqliteBackend({ dataDir, compactInterval: 0 });
    try {
      await b.create('/a', 'one');
      const blocker = new DatabaseSync(databasePath(dataDir));
      blocker.exec('BEGIN IMMEDIATE');
      let acked = false;
      const write = b.create('/b', 'two').then((kv) => { acked = true; return kv; });
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) await sleep(10);
      const loopMs = performance.now() - t0;
      assert.equal(acked, false, 'the write waits for the lock');
      assert.equal((await b.get('/a')).kv?.value, 'one', 'a read is answered meanwhile');
      assert.equal((await b.list('/')).items.length, 1, 'a list too, at the last committed revision');
      blocker.exec('COMMIT');
      blocker.close();
      const kv = await write;
      assert.equal(kv.modRevision, 2);
      assert.equal((await b.get('/b')).kv?.value, 'two');
      assert.ok(loopMs < 4000, `ten 10 ms timers took ${loopMs.toFixed(0)} ms while the commit waited`);
    } finally {
      await b.close();
    }
  });
});
