// Group commit. Writes queue up; one flush checks them all against the index
// (each with its own revision and precondition check that sees the earlier
// writes of the same batch) and hands the rows to the committer, which runs
// them in one transaction in the writer thread, off the event loop. One
// batch is in the committer at a time: the index and the revision move only
// once it is committed, so a failed transaction leaves nothing to undo.
// Promises settle, and watchers hear of the events, only once the batch is
// durable (its WAL fsync has resolved) and every earlier batch has been
// acknowledged, so batches are acknowledged in order while the next one
// already commits.
import { StorageError } from '../backend.ts';
import type { KeyValue, Revision, WatchEvent } from '../backend.ts';
import type { Clock } from '../checks.ts';
import type { WatchHub } from '../watch-hub.ts';
import type { Committer, RowValues } from './committer.ts';
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

// Bounds the time one flush holds the event loop, and the size of one transaction.
const MAX_BATCH = 1000;

/** One batch being built: its rows, its revisions and what it changes in the index. */
interface Batch {
  rev: Revision;
  overlay: Map<string, Entry | null>;
  events: WatchEvent[];
  rows: RowValues[];
  /** Values of this batch's own rows, which the database has not got yet. */
  values: Map<Revision, string>;
}

export class Writer {
  /** The newest committed revision. */
  rev: Revision;
  readonly index = new Map<string, Entry>();
  readonly leases = new Map<string, { expiresAt: number; mod: Revision }>();
  /** Committed transactions and the writes they carried (group commit shows as writes >> batches). */
  readonly stats = { batches: 0, writes: 0 };
  private queue: Op[] = [];
  private scheduled = false;
  /** Settles when the batch in the committer is committed or failed; null when none is. */
  private inFlight: Promise<void> | null = null;
  private readonly st: Statements;
  private readonly committer: Committer;
  private readonly hub: WatchHub;
  private readonly clock: Clock;
  private acked: Promise<void> = Promise.resolve();

  constructor(st: Statements, committer: Committer, hub: WatchHub, clock: Clock, rev: Revision) {
    this.st = st;
    this.committer = committer;
    this.hub = hub;
    this.clock = clock;
    this.rev = rev;
  }

  /** Runs every queued write and resolves once all of them are acknowledged (or failed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight) {
      if (!this.inFlight) this.flush();
      await this.inFlight;
    }
    await this.acked;
  }

  submit(op: Op): void {
    this.queue.push(op);
    this.schedule();
  }

  private schedule(): void {
    if (this.queue.length > 0 && !this.scheduled && !this.inFlight) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Checks the queued writes (up to MAX_BATCH) and sends them to the committer as one transaction. */
  flush(): void {
    this.scheduled = false;
    if (this.inFlight || this.queue.length === 0) return;
    const ops = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
    this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
    const batch: Batch = { rev: this.rev, overlay: new Map(), events: [], rows: [], values: new Map() };
    const outcomes: unknown[] = new Array(ops.length);
    const failed: boolean[] = new Array(ops.length).fill(false);
    try {
      for (let i = 0; i < ops.length; i++) {
        try {
          outcomes[i] = this.apply(ops[i]!, batch);
        } catch (err) {
          if (!(err instanceof StorageError)) throw err;
          failed[i] = true;
          outcomes[i] = err;
        }
      }
    } catch (err) {
      // A stored row could not be read: nothing of this batch was written.
      const e = new StorageError('Unavailable', `sqlite write failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      for (const op of ops) op.reject(e);
      this.schedule();
      return;
    }
    const acknowledge = () => {
      this.hub.publish(batch.events);
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!;
        if (failed[i]) op.reject(outcomes[i]);
        else (op.resolve as (v: unknown) => void)(outcomes[i]);
      }
    };
    if (batch.rows.length === 0) {
      // Every write failed its check: nothing to store, but answers still go out in order.
      this.acked = this.acked.then(acknowledge);
      this.schedule();
      return;
    }
    const { committed, durable } = this.committer.commit(batch.rows);
    durable.catch(() => {}); // handled below, once the batch is committed and the earlier ones acknowledged
    this.inFlight = committed.then(() => {
      this.inFlight = null;
      this.committedBatch(batch, ops.length);
      this.acked = this.acked.then(() => durable).then(acknowledge, (err: unknown) => {
        // The batch is committed and visible but may not survive a power loss:
        // neither an ack nor a rejection would be true, so stop, as databases do
        // on a failed fsync, and let the restart recover from what is on disk.
        setImmediate(() => { throw new Error(`the SQLite WAL is not durable: ${err instanceof Error ? err.message : String(err)}`, { cause: err }); });
      });
      // What queued up meanwhile goes at once: those writes came in earlier turns of the loop.
      this.flush();
    }, (err: unknown) => {
      this.inFlight = null;
      const e = err instanceof StorageError ? err : new StorageError('Unavailable', `sqlite write failed: ${String(err)}`, { cause: err });
      for (const op of ops) op.reject(e);
      this.flush();
    });
  }

  private committedBatch(batch: Batch, writes: number): void {
    this.rev = batch.rev;
    this.stats.batches++;
    this.stats.writes += writes;
    for (const [key, entry] of batch.overlay) {
      if (entry) {
        this.index.set(key, entry);
        if (entry.expiresAt) this.leases.set(key, { expiresAt: entry.expiresAt, mod: entry.mod });
        else this.leases.delete(key);
      } else {
        this.index.delete(key);
        this.leases.delete(key);
      }
    }
  }

  /** Reads a committed stored value. */
  valueAt(rev: Revision): string {
    const row = this.st.valueById.get(rev) as { value: string | null } | undefined;
    if (!row || row.value === null) throw new Error(`row ${rev} is missing from the kine table`);
    return row.value;
  }

  private apply(op: Op, b: Batch): unknown {
    const { key } = op;
    const o = b.overlay.get(key);
    const cur = o === undefined ? this.index.get(key) : o ?? undefined;
    if (op.kind === 'create') {
      if (cur) throw new StorageError('KeyExists', `key ${key} already exists`, { key });
      const rev = b.rev + 1;
      const expiresAt = this.expiry(op.ttl);
      b.rows.push([rev, key, 1, 0, rev, 0, Math.ceil(op.ttl ?? 0), expiresAt || null, op.value, null]);
      b.values.set(rev, op.value);
      b.rev = rev;
      b.overlay.set(key, { create: rev, mod: rev, expiresAt });
      const kv: KeyValue = { key, value: op.value, createRevision: rev, modRevision: rev };
      b.events.push({ type: 'create', revision: rev, kv });
      return kv;
    }
    if (!cur) throw new StorageError('KeyNotFound', `key ${key} not found`, { key });
    const prevKv = this.previous(key, cur, b);
    if (op.expected !== undefined && op.expected !== cur.mod) {
      throw new StorageError('Conflict', `key ${key} was modified: expected revision ${op.expected}, current ${cur.mod}`, { key, current: prevKv });
    }
    const rev = b.rev + 1;
    if (op.kind === 'update') {
      const expiresAt = this.expiry(op.ttl);
      b.rows.push([rev, key, 0, 0, cur.create, cur.mod, Math.ceil(op.ttl ?? 0), expiresAt || null, op.value, null]);
      b.values.set(rev, op.value);
      b.rev = rev;
      b.overlay.set(key, { create: cur.create, mod: rev, expiresAt });
      const kv: KeyValue = { key, value: op.value, createRevision: cur.create, modRevision: rev };
      b.events.push({ type: 'update', revision: rev, kv, prevKv });
      return kv;
    }
    b.rows.push([rev, key, 0, 1, cur.create, cur.mod, 0, null, null, null]);
    b.rev = rev;
    b.overlay.set(key, null);
    b.events.push({ type: 'delete', revision: rev, key, prevKv });
    return { prevKv, revision: rev };
  }

  /**
   * The key's current value as a KeyValue whose value is read only when
   * asked for: watchers mostly hold the previous object already, and the
   * stored row gets it from the database itself (see statements.insert).
   */
  private previous(key: string, cur: Entry, b: Batch): KeyValue {
    const values = b.values;
    const read = () => values.get(cur.mod) ?? this.valueAt(cur.mod);
    let value: string | undefined;
    return {
      key, createRevision: cur.create, modRevision: cur.mod,
      get value() {
        return (value ??= read());
      },
    };
  }

  private expiry(ttl: number | undefined): number {
    return ttl === undefined ? 0 : this.clock.now() + ttl * 1000;
  }
}
