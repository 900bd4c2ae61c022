// Group commit. Writes queue up; one flush runs them all in one
// BEGIN IMMEDIATE … COMMIT (one fsync), each with its own revision and its
// own precondition check that sees the earlier writes of the same batch.
// Promises settle, and watchers hear of the events, only once the COMMIT is
// durable: `durable()` (the WAL's fsync, off the event loop) has resolved for
// it and for every earlier batch, so batches are acknowledged in order while
// the next one already commits.
import type { DatabaseSync } from 'node:sqlite';
import { StorageError } from '../backend.ts';
import type { KeyValue, Revision, WatchEvent } from '../backend.ts';
import type { Clock } from '../checks.ts';
import type { WatchHub } from '../watch-hub.ts';
import type { Statements } from './statements.ts';

/** What the writer knows about a live key without reading the table. */
export interface Entry {
  create: Revision;
  mod: Revision;
  expiresAt: number; // ms since epoch; 0: no TTL
}

export type Op =
  | { kind: 'create'; key: string; value: string; ttl?: number; resolve: (v: KeyValue) => void; reject: (e: unknown) => void }
  | { kind: 'update'; key: string; value: string; expected: Revision; ttl?: number; resolve: (v: KeyValue) => void; reject: (e: unknown) => void }
  | { kind: 'delete'; key: string; expected?: Revision; resolve: (v: { prevKv: KeyValue; revision: Revision }) => void; reject: (e: unknown) => void };

// Bounds the time one flush holds the event loop.
const MAX_BATCH = 1000;

export class Writer {
  rev: Revision;
  readonly index = new Map<string, Entry>();
  readonly leases = new Map<string, { expiresAt: number; mod: Revision }>();
  /** Committed transactions and the writes they carried (group commit shows as writes >> batches). */
  readonly stats = { batches: 0, writes: 0 };
  private queue: Op[] = [];
  private scheduled = false;
  private readonly db: DatabaseSync;
  private readonly st: Statements;
  private readonly hub: WatchHub;
  private readonly clock: Clock;
  private readonly durable: () => Promise<void>;
  private acked: Promise<void> = Promise.resolve();

  constructor(db: DatabaseSync, st: Statements, hub: WatchHub, clock: Clock, rev: Revision, durable: () => Promise<void>) {
    this.db = db;
    this.st = st;
    this.hub = hub;
    this.clock = clock;
    this.rev = rev;
    this.durable = durable;
  }

  /** Resolves once every committed batch has been acknowledged. */
  drained(): Promise<void> {
    return this.acked;
  }

  submit(op: Op): void {
    this.queue.push(op);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Runs the queued writes (up to MAX_BATCH) in one transaction. Synchronous. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
    this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
    const startRev = this.rev;
    const overlay = new Map<string, Entry | null>();
    const events: WatchEvent[] = [];
    const outcomes: unknown[] = new Array(batch.length);
    const failed: boolean[] = new Array(batch.length).fill(false);
    let open = false;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      open = true;
      for (let i = 0; i < batch.length; i++) {
        try {
          outcomes[i] = this.apply(batch[i]!, overlay, events);
        } catch (err) {
          if (!(err instanceof StorageError)) throw err;
          failed[i] = true;
          outcomes[i] = err;
        }
      }
      this.db.exec('COMMIT');
      open = false;
      this.stats.batches++;
      this.stats.writes += batch.length;
    } catch (err) {
      if (open) {
        try {
          this.db.exec('ROLLBACK');
        } catch {
          // The transaction is already gone (SQLite rolls back on some errors); nothing to undo.
        }
      }
      this.rev = startRev;
      const e = new StorageError('Unavailable', `sqlite write failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      for (const op of batch) op.reject(e);
      this.reschedule();
      return;
    }
    for (const [key, entry] of overlay) {
      if (entry) {
        this.index.set(key, entry);
        if (entry.expiresAt) this.leases.set(key, { expiresAt: entry.expiresAt, mod: entry.mod });
        else this.leases.delete(key);
      } else {
        this.index.delete(key);
        this.leases.delete(key);
      }
    }
    const acknowledge = () => {
      this.hub.publish(events);
      for (let i = 0; i < batch.length; i++) {
        const op = batch[i]!;
        if (failed[i]) op.reject(outcomes[i]);
        else (op.resolve as (v: unknown) => void)(outcomes[i]);
      }
    };
    const synced = this.durable();
    synced.catch(() => {}); // handled below, once the earlier batches are acknowledged
    this.acked = this.acked.then(() => synced).then(acknowledge, (err) => {
      // The batch is committed and visible but may not survive a power loss:
      // neither an ack nor a rejection would be true, so stop, as databases do
      // on a failed fsync, and let the restart recover from what is on disk.
      setImmediate(() => { throw new Error(`fsync of the SQLite WAL failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }); });
    });
    this.reschedule();
  }

  private reschedule(): void {
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Reads a stored value; inside a batch this sees the batch's own rows. */
  valueAt(rev: Revision): string {
    const row = this.st.valueById.get(rev) as { value: string | null } | undefined;
    if (!row || row.value === null) throw new Error(`row ${rev} is missing from the kine table`);
    return row.value;
  }

  private apply(op: Op, overlay: Map<string, Entry | null>, events: WatchEvent[]): unknown {
    const { key } = op;
    const o = overlay.get(key);
    const cur = o === undefined ? this.index.get(key) : o ?? undefined;
    if (op.kind === 'create') {
      if (cur) throw new StorageError('KeyExists', `key ${key} already exists`, { key });
      const rev = this.rev + 1;
      const expiresAt = this.expiry(op.ttl);
      this.st.insert.run(rev, key, 1, 0, rev, 0, Math.ceil(op.ttl ?? 0), expiresAt || null, op.value, null);
      this.rev = rev;
      overlay.set(key, { create: rev, mod: rev, expiresAt });
      const kv: KeyValue = { key, value: op.value, createRevision: rev, modRevision: rev };
      events.push({ type: 'create', revision: rev, kv });
      return kv;
    }
    if (!cur) throw new StorageError('KeyNotFound', `key ${key} not found`, { key });
    const prevKv: KeyValue = { key, value: this.valueAt(cur.mod), createRevision: cur.create, modRevision: cur.mod };
    if (op.expected !== undefined && op.expected !== cur.mod) {
      throw new StorageError('Conflict', `key ${key} was modified: expected revision ${op.expected}, current ${cur.mod}`, { key, current: prevKv });
    }
    const rev = this.rev + 1;
    if (op.kind === 'update') {
      const expiresAt = this.expiry(op.ttl);
      this.st.insert.run(rev, key, 0, 0, cur.create, cur.mod, Math.ceil(op.ttl ?? 0), expiresAt || null, op.value, prevKv.value);
      this.rev = rev;
      overlay.set(key, { create: cur.create, mod: rev, expiresAt });
      const kv: KeyValue = { key, value: op.value, createRevision: cur.create, modRevision: rev };
      events.push({ type: 'update', revision: rev, kv, prevKv });
      return kv;
    }
    this.st.insert.run(rev, key, 0, 1, cur.create, cur.mod, 0, null, null, prevKv.value);
    this.rev = rev;
    overlay.set(key, null);
    events.push({ type: 'delete', revision: rev, key, prevKv });
    return { prevKv, revision: rev };
  }

  private expiry(ttl: number | undefined): number {
    return ttl === undefined ? 0 : this.clock.now() + ttl * 1000;
  }

  /** Fails every queued write (used when closing with writes that can no longer run). */
  failPending(err: unknown): void {
    const q = this.queue;
    this.queue = [];
    for (const op of q) op.reject(err);
  }
}
