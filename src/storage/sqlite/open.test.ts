// Bad data directories: each fails with a StorageError naming the path and the
// cause, and nothing that is not a k8ts database gets modified.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { isStorageError } from '../backend.ts';
import type { StorageErrorCode } from '../backend.ts';
import { createSqliteBackend } from './index.ts';
import { databasePath } from './open.ts';

const root = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-open-'));
let n = 0;
const fresh = () => join(root, `d${n++}`);

async function failsWith(dataDir: string, code: StorageErrorCode, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(createSqliteBackend({ dataDir }), (err) => {
    assert.ok(isStorageError(err, code), `expected ${code}, got ${String(err)}`);
    for (const p of patterns) assert.match((err as Error).message, p);
    return true;
  });
}

const esc = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe('sqlite: bad data directories', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('rejects a garbage database file as Corrupt and leaves it untouched', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'db'), { recursive: true });
    const garbage = Buffer.alloc(8192, 0).map((_, i) => (i * 7919) % 251);
    writeFileSync(databasePath(dir), garbage);
    await failsWith(dir, 'Corrupt', esc(databasePath(dir)), /not a database/);
    assert.deepEqual(readFileSync(databasePath(dir)), garbage);
    assert.ok(!existsSync(databasePath(dir) + '-wal'), 'no WAL file was created next to it');
  });

  it('rejects a truncated k8ts database as Corrupt', async () => {
    const dir = fresh();
    const b = await createSqliteBackend({ dataDir: dir });
    for (let i = 0; i < 300; i++) await b.create(`/t/${i}`, 'x'.repeat(1000));
    await b.close();
    const size = readFileSync(databasePath(dir)).length;
    truncateSync(databasePath(dir), Math.floor(size / 2));
    const before = readFileSync(databasePath(dir));
    await failsWith(dir, 'Corrupt', esc(databasePath(dir)));
    assert.deepEqual(readFileSync(databasePath(dir)), before);
  });

  it('rejects another application\'s SQLite database without changing it', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'db'), { recursive: true });
    const other = new DatabaseSync(databasePath(dir));
    other.exec("CREATE TABLE accounts (id INTEGER); INSERT INTO accounts VALUES (1);");
    other.close();
    const before = readFileSync(databasePath(dir));
    await failsWith(dir, 'Corrupt', /not a k8ts database/, /accounts/);
    assert.deepEqual(readFileSync(databasePath(dir)), before);
  });

  it('rejects a data directory that is a file', async () => {
    const file = join(root, `file${n++}`);
    writeFileSync(file, 'not a directory');
    await failsWith(file, 'Unavailable', esc(join(file, 'db')), /ENOTDIR|EEXIST|not a directory/);
    assert.equal(readFileSync(file, 'utf8'), 'not a directory');
  });

  it('rejects a database path that is a directory', async () => {
    const dir = fresh();
    mkdirSync(databasePath(dir), { recursive: true });
    await failsWith(dir, 'Unavailable', esc(databasePath(dir)), /not a regular file/);
  });

  it('rejects an empty dataDir', async () => {
    await failsWith('', 'Unavailable', /dataDir/);
  });

  // Root ignores file modes, so as root the directory is made unusable with a
  // read-only mount instead; either way the server must refuse it by name.
  it('rejects a storage directory it cannot use', async () => {
    const dir = fresh();
    const db = join(dir, 'db');
    mkdirSync(db, { recursive: true });
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'k8ts-test', db]);
    else chmodSync(db, 0o000);
    try {
      await failsWith(dir, 'Unavailable', esc(db), asRoot ? /read-only|readonly|unable to open/i : /EACCES|permission/i);
    } finally {
      if (asRoot) execFileSync('umount', [db]);
      else chmodSync(db, 0o700);
    }
  });

  it('refuses a second server on the same data directory', async () => {
    const dir = fresh();
    const first = await createSqliteBackend({ dataDir: dir });
    try {
      await first.create('/k', 'v');
      await failsWith(dir, 'Unavailable', /in use by another process/, esc(databasePath(dir)));
      assert.equal((await first.get('/k')).kv?.value, 'v', 'the first server keeps working');
    } finally {
      await first.close();
    }
  });
});
