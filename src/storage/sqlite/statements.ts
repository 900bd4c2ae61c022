// The prepared statements of the sqlite backend, and rows turned into
// KeyValues and events. A row is one revision: id is the revision; created
// and deleted say which kind of write it was; old_value and prev_revision
// keep the previous value so that watch replays carry prevKv without a join.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { KeyValue, Revision, WatchEvent } from '../backend.ts';

export interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string | null;
  old_value: string | null;
}

// Names below this bound cover a prefix; an empty BLOB sorts after every TEXT value,
// which gives "no upper bound" for the empty prefix without a second statement.
export type Bound = string | Uint8Array;

/** The meta row that holds the compacted revision. */
export const COMPACTED_KEY = 'compact_rev';
export const NO_BOUND: Bound = new Uint8Array(0);

export function prepare(db: DatabaseSync) {
  const s = (sql: string): StatementSync => db.prepare(sql);
  return {
    // old_value is copied from the previous row here, in the writer thread,
    // when the row leaves it null: the event loop neither reads nor sends it.
    insert: s(`INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, lease, expires_at, value, old_value)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, COALESCE(?10, (SELECT value FROM kine WHERE id = ?6)))`),
    valueById: s('SELECT value FROM kine WHERE id = ?'),
    getAt: s('SELECT id, create_revision, deleted, value FROM kine WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1'),
    // Walks the (name, id) index in name order and stops at the limit, so a page costs its size.
    list: s(`SELECT k.id, k.name, k.create_revision, k.value FROM kine k INDEXED BY kine_name_id
      WHERE k.name >= ?1 AND k.name < ?2 AND k.id <= ?3 AND k.deleted = 0
      AND k.id = (SELECT MAX(m.id) FROM kine m WHERE m.name = k.name AND m.id <= ?3) ORDER BY k.name LIMIT ?4`),
    count: s(`SELECT COUNT(*) AS n FROM kine k JOIN
      (SELECT MAX(id) AS mid FROM kine WHERE name >= ? AND name < ? AND id <= ? GROUP BY name) m ON k.id = m.mid WHERE k.deleted = 0`),
    replay: s(`SELECT id, name, created, deleted, create_revision, prev_revision, value, old_value FROM kine
      WHERE id > ? AND id <= ? AND name >= ? AND name < ? ORDER BY id LIMIT ?`),
    liveKeys: s(`SELECT k.name, k.create_revision, k.id, k.expires_at FROM kine k
      JOIN (SELECT MAX(id) AS mid FROM kine GROUP BY name) m ON k.id = m.mid WHERE k.deleted = 0`),
    maxRevision: s("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'kine'), 0) AS seq, COALESCE((SELECT MAX(id) FROM kine), 0) AS mx"),
    getMeta: s('SELECT v FROM meta WHERE k = ?'),
    setMeta: s('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v'),
    compactWindow: s('SELECT MAX(id) AS hi, COUNT(*) AS n FROM (SELECT id FROM kine WHERE id > ? AND id <= ? ORDER BY id LIMIT ?)'),
    // Superseded rows, and tombstones that are the newest row at or below the target.
    compactDelete: s(`DELETE FROM kine WHERE id > ? AND id <= ? AND (deleted = 1 OR EXISTS
      (SELECT 1 FROM kine n WHERE n.name = kine.name AND n.id > kine.id AND n.id <= ?))`),
  };
}

export type Statements = ReturnType<typeof prepare>;

export function rowEvent(r: Row): WatchEvent {
  const revision = r.id;
  if (r.deleted) {
    return { type: 'delete', revision, key: r.name, prevKv: prevOf(r) };
  }
  const kv: KeyValue = { key: r.name, value: r.value ?? '', createRevision: r.create_revision, modRevision: revision };
  if (r.created) return { type: 'create', revision, kv };
  return { type: 'update', revision, kv, prevKv: prevOf(r) };
}

function prevOf(r: Row): KeyValue {
  return { key: r.name, value: r.old_value ?? '', createRevision: r.create_revision, modRevision: r.prev_revision as Revision };
}
