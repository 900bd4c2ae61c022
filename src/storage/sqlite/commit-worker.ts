// The writer thread: it owns the only writing connection to the database and
// runs each batch the main thread sends in one transaction. The COMMIT, the WAL auto-checkpoints (which write and fsync the
// database file) and compaction's deletes all block this thread only, never
// the main thread's event loop, which keeps revisions, preconditions and
// watches and reads through its own connection (WAL lets it read beside us).
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { compactRows } from './compact.ts';
import { COMPACTED_KEY, prepare } from './statements.ts';
import type { ToMain, ToWorker, WorkerConfig } from './committer.ts';

const port = parentPort!;
const config = workerData as WorkerConfig;
const send = (m: ToMain) => port.postMessage(m);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

let db: DatabaseSync;
let st: ReturnType<typeof prepare>;
let closed = false;
try {
  db = new DatabaseSync(config.path, { timeout: config.busyTimeoutMs });
  // synchronous=NORMAL: COMMIT does not fsync; the main thread fsyncs the WAL
  // after each commit (committer.ts) and acknowledges a batch only after it.
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = ${config.autocheckpointPages}; PRAGMA journal_size_limit = 67108864;`);
  st = prepare(db);
  send({ t: 'ready' });
} catch (err) {
  send({ t: 'openFailed', message: message(err) });
  port.close();
}

function commit(id: number, rows: unknown[][]): void {
  const t0 = performance.now();
  let open = false;
  try {
    db.exec('BEGIN IMMEDIATE');
    open = true;
    for (const r of rows) st.insert.run(...(r as (string | number | null)[]));
    db.exec('COMMIT');
    open = false;
  } catch (err) {
    if (open) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // SQLite already rolled back (it does on some errors): nothing to undo.
      }
    }
    send({ t: 'failed', id, message: message(err) });
    return;
  }
  send({ t: 'committed', id, ms: performance.now() - t0 });
}

async function compact(id: number, target: number): Promise<void> {
  try {
    // Publish the new floor before deleting anything (the main thread already reads it from memory).
    st.setMeta.run(COMPACTED_KEY, target);
    const removed = await compactRows(db, st, target, () => closed);
    if (!closed) send({ t: 'done', id, removed });
  } catch (err) {
    if (!closed) send({ t: 'error', id, message: message(err) });
  }
}

port.on('message', (m: ToWorker) => {
  if (closed) return;
  if (m.t === 'batch') commit(m.id, m.rows);
  else if (m.t === 'compact') void compact(m.id, m.target);
  else if (m.t === 'close') {
    // Every batch sent before was answered (committed or failed) before this message ran.
    closed = true;
    db.close();
    send({ t: 'closed' });
    port.close();
  }
});
