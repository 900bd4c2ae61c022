// The main thread's side of the writer thread (commit-worker.ts): batches of
// rows go out and come back committed (visible to the main thread's reading
// connection); then the WAL is fsynced on libuv's thread pool (wal-sync.ts),
// straight back to this thread, which makes the batch durable. Nothing here
// blocks the event loop on the disk.
import { Worker } from 'node:worker_threads';
import { StorageError } from '../backend.ts';
import type { Revision } from '../backend.ts';
import { WalSync } from './wal-sync.ts';

/** One kine row, in the insert statement's column order. */
export type RowValues = [id: number, name: string, created: 0 | 1, deleted: 0 | 1, createRevision: number, prevRevision: number, lease: number, expiresAt: number | null, value: string | null, oldValue: string | null];

/** What the Writer needs from whoever puts its batches on disk. */
export interface Committer {
  /**
   * Writes rows in one transaction. `committed` settles when the transaction
   * is committed (or rejects if it was rolled back); `durable` once it is on disk.
   */
  commit(rows: RowValues[]): { committed: Promise<void>; durable: Promise<void> };
}

export interface WorkerConfig {
  path: string;
  busyTimeoutMs: number;
  autocheckpointPages: number;
}

export type ToWorker =
  | { t: 'batch'; id: number; rows: RowValues[] }
  | { t: 'compact'; id: number; target: Revision }
  | { t: 'close' };

export type ToMain =
  | { t: 'ready' }
  | { t: 'openFailed'; message: string }
  | { t: 'committed'; id: number; ms: number }
  | { t: 'failed'; id: number; message: string }
  | { t: 'done'; id: number; removed: number }
  | { t: 'error'; id: number; message: string }
  | { t: 'closed' };

const WORKER = new URL('./commit-worker.ts', import.meta.url);

export class WorkerCommitter implements Committer {
  /** Called with each transaction's time in the writer thread (ms), for tracing. */
  onCommitTime: ((ms: number) => void) | null = null;
  private readonly worker: Worker;
  private readonly wal: WalSync;
  /** The newest fsync asked for: the WAL's descriptor stays open until it is done. */
  private lastSync: Promise<void> = Promise.resolve();
  private seq = 0;
  private readonly commits = new Map<number, { committed: PromiseWithResolvers<void>; durable: PromiseWithResolvers<void> }>();
  private readonly compactions = new Map<number, PromiseWithResolvers<number>>();
  private stopped: StorageError | null = null;
  private readonly exited = Promise.withResolvers<void>();
  private referenced = true;

  private constructor(worker: Worker, path: string) {
    this.worker = worker;
    this.wal = new WalSync(path);
    this.holdLoop();
    worker.on('message', (m: ToMain) => this.receive(m));
    worker.on('error', (err) => this.stop(new StorageError('Unavailable', `the sqlite writer thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => {
      this.stop(new StorageError('Unavailable', `the sqlite writer thread exited (code ${code})`));
      void this.lastSync.catch(() => {}).then(() => {
        this.wal.close();
        this.exited.resolve();
      });
    });
  }

  /** Starts the writer thread on the database at config.path; rejects if it cannot open it. */
  static start(config: WorkerConfig): Promise<WorkerCommitter> {
    const worker = new Worker(WORKER, { workerData: config });
    return new Promise((resolve, reject) => {
      const onMessage = (m: ToMain) => {
        if (m.t === 'ready') {
          off();
          resolve(new WorkerCommitter(worker, config.path));
        } else {
          fail(m.t === 'openFailed' ? m.message : `unexpected message ${m.t}`);
        }
      };
      const onError = (err: Error) => fail(err.message, err);
      const onExit = (code: number) => fail(`it exited (code ${code})`);
      // Only our own listeners: the Worker has internal ones that must stay.
      const off = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const fail = (msg: string, cause?: unknown) => {
        off();
        void worker.terminate();
        reject(new StorageError('Unavailable', `cannot start the sqlite writer for ${config.path}: ${msg}`, { cause }));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  commit(rows: RowValues[]): { committed: Promise<void>; durable: Promise<void> } {
    const entry = { committed: Promise.withResolvers<void>(), durable: Promise.withResolvers<void>() };
    if (this.stopped) {
      entry.committed.reject(this.stopped);
      entry.durable.reject(this.stopped);
    } else {
      const id = ++this.seq;
      this.commits.set(id, entry);
      this.worker.postMessage({ t: 'batch', id, rows } satisfies ToWorker);
      this.holdLoop();
    }
    return { committed: entry.committed.promise, durable: entry.durable.promise };
  }

  /** Records the compacted revision and deletes the history at or below it, in the writer thread. */
  compact(target: Revision): Promise<number> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = ++this.seq;
    const d = Promise.withResolvers<number>();
    this.compactions.set(id, d);
    this.worker.postMessage({ t: 'compact', id, target } satisfies ToWorker);
    this.holdLoop();
    return d.promise;
  }

  /** Ends the writer thread (once it has answered every batch sent before). */
  async close(): Promise<void> {
    if (!this.stopped) this.worker.postMessage({ t: 'close' } satisfies ToWorker);
    this.worker.ref();
    await this.exited.promise;
  }

  /**
   * The thread keeps the process alive only while it owes an answer, as a
   * database handle would not: a process that forgets to close the backend
   * still exits, and one awaiting a write does not exit before the answer.
   */
  private holdLoop(): void {
    const busy = this.commits.size > 0 || this.compactions.size > 0;
    if (busy === this.referenced) return;
    this.referenced = busy;
    if (busy) this.worker.ref();
    else this.worker.unref();
  }

  private receive(m: ToMain): void {
    this.handle(m);
    this.holdLoop();
  }

  private handle(m: ToMain): void {
    switch (m.t) {
      case 'committed': {
        this.onCommitTime?.(m.ms);
        const c = this.commits.get(m.id);
        this.commits.delete(m.id);
        if (!c) return;
        c.committed.resolve();
        // One fsync covers every batch committed before it started (see WalSync).
        this.lastSync = this.wal.sync();
        this.lastSync.then(() => c.durable.resolve(), (err: unknown) => c.durable.reject(new Error(`fsync of the SQLite WAL failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })));
        return;
      }
      case 'failed': {
        const c = this.commits.get(m.id);
        this.commits.delete(m.id);
        const err = new StorageError('Unavailable', `sqlite write failed: ${m.message}`);
        c?.committed.reject(err);
        c?.durable.reject(err);
        return;
      }
      case 'done':
      case 'error': {
        const d = this.compactions.get(m.id);
        this.compactions.delete(m.id);
        if (m.t === 'done') d?.resolve(m.removed);
        else d?.reject(new StorageError('Unavailable', `sqlite compaction failed: ${m.message}`));
        return;
      }
      case 'closed':
        this.stop(new StorageError('Unavailable', 'the sqlite writer is closed'));
        return;
      default:
        return;
    }
  }

  /** From now on every request fails with err; requests still open fail with it too. */
  private stop(err: StorageError): void {
    this.stopped ??= err;
    for (const c of this.commits.values()) {
      c.committed.reject(this.stopped);
      c.durable.reject(this.stopped);
    }
    this.commits.clear();
    for (const d of this.compactions.values()) d.reject(this.stopped);
    this.compactions.clear();
  }
}
