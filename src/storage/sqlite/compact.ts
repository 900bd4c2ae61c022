// Compaction in small transactions, so that writers wait at most one chunk.
// Rows go in ascending id order: a key's older rows always go before its
// tombstone, so a reader between chunks never sees a deleted key come back.
import type { DatabaseSync } from 'node:sqlite';
import type { Revision } from '../backend.ts';
import type { Statements } from './statements.ts';

export const COMPACT_CHUNK = 500;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Deletes history at or below target. Returns the number of rows removed. */
export async function compactRows(db: DatabaseSync, st: Statements, target: Revision, stopped: () => boolean): Promise<number> {
  let cursor = 0;
  let removed = 0;
  while (!stopped()) {
    const win = st.compactWindow.get(cursor, target, COMPACT_CHUNK) as { hi: number | null; n: number };
    if (!win.hi) break;
    db.exec('BEGIN IMMEDIATE');
    try {
      removed += Number(st.compactDelete.run(cursor, win.hi, target).changes);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
    cursor = win.hi;
    if (win.n < COMPACT_CHUNK) break;
    await yieldToLoop();
  }
  return removed;
}
