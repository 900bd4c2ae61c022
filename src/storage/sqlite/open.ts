// Opening the SQLite file: every way a data directory can be bad ends in a
// StorageError that names the path and the cause, and nothing here ever
// rewrites or removes a file that is not already a k8ts database.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StorageError } from '../backend.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  lease INTEGER NOT NULL,
  expires_at INTEGER,
  value TEXT,
  old_value TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
`;

const KINE_COLUMNS = ['id', 'name', 'created', 'deleted', 'create_revision', 'prev_revision', 'lease', 'expires_at', 'value', 'old_value'];

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function unavailable(what: string, err: unknown): StorageError {
  return new StorageError('Unavailable', `${what}: ${message(err)}`, { cause: err });
}

/** The database file for a data directory. */
export function databasePath(dataDir: string): string {
  return join(dataDir, 'db', 'state.db');
}

/** Opens (creating if needed) and checks the database under dataDir. */
export function openDatabase(dataDir: string): { db: DatabaseSync; path: string; lock: DatabaseSync } {
  if (typeof dataDir !== 'string' || dataDir === '') {
    throw new StorageError('Unavailable', 'sqlite storage needs a data directory (dataDir is empty)');
  }
  const dir = join(dataDir, 'db');
  const path = databasePath(dataDir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw unavailable(`cannot create the storage directory ${dir}`, err);
  }
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw unavailable(`the storage directory ${dir} is not readable and writable`, err);
  }
  let exists = false;
  try {
    const st = statSync(path);
    exists = true;
    if (!st.isFile()) throw new StorageError('Unavailable', `the database ${path} is not a regular file`);
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (err) {
    if (err instanceof StorageError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unavailable(`cannot access the database ${path}`, err);
  }
  const lock = lockDirectory(dir, path);
  let db: DatabaseSync;
  try {
    // A short busy timeout: the writer thread's connection and this one share the file.
    db = new DatabaseSync(path, { timeout: 1000 });
  } catch (err) {
    lock.close();
    throw unavailable(`cannot open the database ${path}`, err);
  }
  try {
    if (exists) check(db, path);
    // WAL, so that this connection reads while the writer thread's one writes (commit-worker.ts).
    // synchronous=NORMAL: the writer fsyncs the WAL itself, off the event loop (wal-sync.ts).
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
  } catch (err) {
    db.close();
    lock.close();
    if (err instanceof StorageError) throw err;
    if (/locked|busy/i.test(message(err))) {
      throw unavailable(`the database ${path} is in use by another process`, err);
    }
    throw unavailable(`cannot initialise the database ${path}`, err);
  }
  return { db, path, lock };
}

/**
 * This process is the only writer (watches are fanned out in process), so a
 * second server on the same directory must fail instead of silently forking
 * history. The database itself is shared by two connections of this process,
 * so the claim is an exclusive SQLite lock on a file of its own, held until
 * close (and dropped by the kernel if the process dies).
 */
function lockDirectory(dir: string, path: string): DatabaseSync {
  const file = join(dir, 'server.lock');
  let lock: DatabaseSync;
  try {
    lock = new DatabaseSync(file);
  } catch (err) {
    throw unavailable(`cannot open the lock file ${file}`, err);
  }
  try {
    lock.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;');
  } catch (err) {
    lock.close();
    if (/locked|busy/i.test(message(err))) throw unavailable(`the database ${path} is in use by another process`, err);
    throw unavailable(`cannot lock ${file}`, err);
  }
  return lock;
}

function check(db: DatabaseSync, path: string): void {
  let rows: Record<string, unknown>[];
  try {
    rows = db.prepare('PRAGMA quick_check').all() as Record<string, unknown>[];
  } catch (err) {
    const msg = message(err);
    if (/locked|busy/i.test(msg)) throw unavailable(`the database ${path} is in use by another process`, err);
    if (/not a database|malformed|corrupt/i.test(msg)) {
      throw new StorageError('Corrupt', `the database ${path} is corrupt or not a SQLite database: ${msg}`, { cause: err });
    }
    throw unavailable(`cannot read the database ${path}`, err);
  }
  const problems = rows.map((r) => String(Object.values(r)[0]));
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new StorageError('Corrupt', `the database ${path} failed its integrity check: ${problems.slice(0, 5).join('; ')}`);
  }
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  if (tables.length === 0) return;
  if (!tables.includes('kine')) {
    throw new StorageError('Corrupt', `the database ${path} is not a k8ts database (it has tables ${tables.join(', ')}); refusing to change it`);
  }
  const cols = (db.prepare('PRAGMA table_info(kine)').all() as { name: string }[]).map((c) => c.name);
  const missing = KINE_COLUMNS.filter((c) => !cols.includes(c));
  if (missing.length > 0) {
    throw new StorageError('Corrupt', `the database ${path} has an unknown schema (table kine lacks ${missing.join(', ')})`);
  }
}
