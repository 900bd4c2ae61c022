// The embedded default backend: a kine-style log table in SQLite (one row per
// revision) under <dataDir>/db/state.db, in WAL mode. A writer thread commits
// (commit-worker.ts), the WAL is fsynced on the thread pool, and a write is
// acknowledged only once its WAL frames are on disk, so it survives kill -9. This process is the only
// writer, so watches are fanned out in process after each commit; the event
// loop reads through its own connection and never waits for the disk.
import type { DatabaseSync } from 'node:sqlite';
import { StorageError } from '../backend.ts';
import type { Backend, KeyValue, ListOptions, ListResult, Revision, WatchEvent, WatchOptions, WatchStream, WriteOptions } from '../backend.ts';
import { checkKey, checkTtl, checkValue, closedError, readRevision, realClock } from '../checks.ts';
import type { Clock } from '../checks.ts';
import { decodeContinue, encodeContinue, nextKeyAfter } from '../continue.ts';
import { compareKeys, prefixEnd } from '../keys.ts';
import { WatchHub } from '../watch-hub.ts';
import { WorkerCommitter } from './committer.ts';
import { openDatabase } from './open.ts';
import { COMPACTED_KEY, NO_BOUND, prepare, rowEvent } from './statements.ts';
import type { Bound, Row, Statements } from './statements.ts';
import { traceRecord, traceStart, tracing } from './trace.ts';
import { Writer } from './writer.ts';
import type { Op } from './writer.ts';

export interface SqliteConfig {
  /** The server's data directory; the database lives in <dataDir>/db/state.db. */
  dataDir: string;
  clock?: Clock;
  /** How often the background compactor runs, in ms (default 5 minutes; 0 disables it). */
  compactInterval?: number;
  /** The compactor keeps at least this many recent revisions (default 1000). */
  compactRetain?: number;
  /** How often expired TTL keys are swept, in ms (default 500). */
  sweepInterval?: number;
}

// The WAL is checkpointed in the writer thread once it holds this many pages (4 KiB each;
// SQLite's default). A checkpoint holds up the commits behind it, not the event loop: at
// 8,000 pages a checkpoint stalled commits up to 130-200 ms, at 1,000 up to 50-65 ms.
const AUTOCHECKPOINT_PAGES = 1000;

export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly st: Statements;
  private readonly hub = new WatchHub();
  private readonly writer: Writer;
  private readonly committer: WorkerCommitter;
  private readonly lock: DatabaseSync;
  private compacted: Revision;
  private closed = false;
  private compacting: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(db: DatabaseSync, lock: DatabaseSync, path: string, committer: WorkerCommitter, config: SqliteConfig) {
    this.db = db;
    this.lock = lock;
    this.path = path;
    this.committer = committer;
    this.st = prepare(db);
    const { seq, mx } = this.st.maxRevision.get() as { seq: number; mx: number };
    this.compacted = ((this.st.getMeta.get(COMPACTED_KEY) as { v: number } | undefined)?.v) ?? 0;
    traceStart();
    if (tracing) committer.onCommitTime = (ms) => traceRecord('writer_thread_commit_ms', ms);
    this.writer = new Writer(this.st, committer, this.hub, config.clock ?? realClock, Math.max(seq, mx, this.compacted));
    for (const r of this.st.liveKeys.iterate() as Iterable<{ name: string; create_revision: number; id: number; expires_at: number | null }>) {
      this.writer.index.set(r.name, { create: r.create_revision, mod: r.id, expiresAt: r.expires_at ?? 0 });
      if (r.expires_at) this.writer.leases.set(r.name, { expiresAt: r.expires_at, mod: r.id });
    }
    const clock = config.clock ?? realClock;
    this.timer(() => this.sweepExpired(clock.now()), config.sweepInterval ?? 500);
    const interval = config.compactInterval ?? 5 * 60_000;
    if (interval > 0) {
      const retain = config.compactRetain ?? 1000;
      // Like the apiserver, keep at least one interval of history; like kine, at least `retain` revisions.
      let seenAtLastTick = this.writer.rev;
      this.timer(() => {
        const target = Math.min(this.writer.rev - retain, seenAtLastTick);
        seenAtLastTick = this.writer.rev;
        if (target > this.compacted) this.compact(target).catch(() => {}); // retried next tick
      }, interval);
    }
  }

  private timer(fn: () => void, ms: number): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  private live(): void {
    if (this.closed) throw closedError(this.name);
  }

  private write<T>(make: (resolve: (v: T) => void, reject: (e: unknown) => void) => Op): Promise<T> {
    return new Promise<T>((resolve, reject) => this.writer.submit(make(resolve, reject)));
  }

  async get(key: string, opts: { revision?: Revision } = {}): Promise<{ kv: KeyValue | null; revision: Revision }> {
    this.live();
    const current = this.writer.rev;
    const rev = readRevision(opts.revision, current, this.compacted);
    if (rev === current) {
      const e = this.writer.index.get(key);
      return { kv: e ? { key, value: this.writer.valueAt(e.mod), createRevision: e.create, modRevision: e.mod } : null, revision: rev };
    }
    const r = this.st.getAt.get(key, rev) as { id: number; create_revision: number; deleted: number; value: string } | undefined;
    const kv = r && !r.deleted ? { key, value: r.value, createRevision: r.create_revision, modRevision: r.id } : null;
    return { kv, revision: rev };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.live();
    let start = prefix;
    let rev: Revision;
    if (opts.continue) {
      const c = decodeContinue(opts.continue, prefix);
      start = c.startKey;
      rev = readRevision(c.revision, this.writer.rev, this.compacted);
    } else {
      rev = readRevision(opts.revision, this.writer.rev, this.compacted);
    }
    const end: Bound = prefixEnd(prefix) ?? NO_BOUND;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const rows = this.st.list.all(start, end, rev, limit < 0 ? -1 : limit + 1) as { id: number; name: string; create_revision: number; value: string }[];
    const more = limit > 0 && rows.length > limit;
    if (more) rows.pop();
    const items: KeyValue[] = rows.map((r) => ({ key: r.name, value: r.value, createRevision: r.create_revision, modRevision: r.id }));
    const result: ListResult = { items, revision: rev };
    if (more) {
      const next = nextKeyAfter(items[items.length - 1]!.key);
      result.continue = encodeContinue(next, prefix, rev);
      result.remainingItemCount = this.countFrom(prefix, next, end, rev);
    }
    return result;
  }

  async count(prefix: string): Promise<{ count: number; revision: Revision }> {
    this.live();
    const rev = this.writer.rev;
    return { count: this.countFrom(prefix, prefix, prefixEnd(prefix) ?? NO_BOUND, rev), revision: rev };
  }

  /** Live keys under prefix from start on, at rev. At the current revision the in-memory index answers faster than SQL. */
  private countFrom(prefix: string, start: string, end: Bound, rev: Revision): number {
    if (rev !== this.writer.rev) return (this.st.count.get(start, end, rev) as { n: number }).n;
    let n = 0;
    for (const key of this.writer.index.keys()) if (key.startsWith(prefix) && compareKeys(key, start) >= 0) n++;
    return n;
  }

  // Not async: one promise per write instead of two, which shows under many concurrent writers.
  create(key: string, value: string, opts: WriteOptions = {}): Promise<KeyValue> {
    try {
      this.checkWrite(key, value, opts.ttlSeconds);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write((resolve, reject) => ({ kind: 'create', key, value, ttl: opts.ttlSeconds, resolve, reject }));
  }

  update(key: string, value: string, expectedRevision: Revision, opts: WriteOptions = {}): Promise<KeyValue> {
    try {
      this.checkWrite(key, value, opts.ttlSeconds);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write((resolve, reject) => ({ kind: 'update', key, value, expected: expectedRevision, ttl: opts.ttlSeconds, resolve, reject }));
  }

  delete(key: string, expectedRevision?: Revision): Promise<{ prevKv: KeyValue; revision: Revision }> {
    try {
      this.live();
      checkKey(key);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write((resolve, reject) => ({ kind: 'delete', key, expected: expectedRevision, resolve, reject }));
  }

  private checkWrite(key: string, value: string, ttlSeconds: number | undefined): void {
    this.live();
    checkKey(key);
    checkValue(key, value);
    checkTtl(ttlSeconds);
  }

  watch(prefix: string, opts: WatchOptions = {}): WatchStream {
    const current = this.writer.rev;
    const stream = this.hub.watch({
      prefix,
      fromRevision: opts.fromRevision || current,
      currentRevision: current,
      compactedRevision: () => this.compacted,
      replay: (p, after, upTo, limit) => this.replay(p, after, upTo, limit),
    });
    if (this.closed) stream.close();
    return stream;
  }

  private replay(prefix: string, after: Revision, upTo: Revision, limit: number): WatchEvent[] {
    if (this.closed) return [];
    const rows = this.st.replay.all(after, upTo, prefix, prefixEnd(prefix) ?? NO_BOUND, limit) as unknown as Row[];
    return rows.map(rowEvent);
  }

  async currentRevision(): Promise<Revision> {
    this.live();
    return this.writer.rev;
  }

  async compact(revision: Revision): Promise<void> {
    this.live();
    if (revision > this.writer.rev) {
      throw new StorageError('FutureRevision', `required revision ${revision} is a future revision (current revision ${this.writer.rev})`);
    }
    // One compaction at a time; a later one covers what an earlier one would have.
    const run = this.compacting.then(async () => {
      if (revision <= this.compacted || this.closed) return;
      // Publish the new floor before deleting anything, so replays notice.
      this.compacted = revision;
      await this.committer.compact(revision);
    });
    this.compacting = run.catch(() => {});
    return run;
  }

  /** Group-commit counters, for tests and metrics. */
  get stats(): { batches: number; writes: number } {
    return { ...this.writer.stats };
  }

  async compactedRevision(): Promise<Revision> {
    this.live();
    return this.compacted;
  }

  /** Deletes keys whose TTL has passed, as ordinary deletes. Runs on a timer; tests may call it. */
  sweepExpired(now: number): void {
    if (this.closed) return;
    for (const [key, lease] of this.writer.leases) {
      if (lease.expiresAt > now) continue;
      this.writer.leases.delete(key);
      this.delete(key, lease.mod).catch((err: unknown) => {
        // Conflict or KeyNotFound: the key moved on and no longer carries this lease.
        if (err instanceof StorageError && (err.code === 'Conflict' || err.code === 'KeyNotFound')) return;
        if (!this.closed && !this.writer.leases.has(key)) this.writer.leases.set(key, lease);
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    // Writes already accepted still commit; compaction stops after its current chunk.
    await this.writer.drain();
    await this.committer.close();
    await this.compacting;
    this.hub.closeAll();
    this.db.close();
    this.lock.close();
  }
}

/** Opens (or creates) the database under config.dataDir and checks it. */
export async function createSqliteBackend(config: SqliteConfig): Promise<SqliteBackend> {
  const { db, path, lock } = openDatabase(config.dataDir);
  let committer: WorkerCommitter;
  try {
    committer = await WorkerCommitter.start({ path, busyTimeoutMs: 5000, autocheckpointPages: AUTOCHECKPOINT_PAGES });
  } catch (err) {
    db.close();
    lock.close();
    throw err;
  }
  try {
    return new SqliteBackend(db, lock, path, committer, config);
  } catch (err) {
    await committer.close();
    db.close();
    lock.close();
    throw new StorageError('Corrupt', `cannot load the database ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
