// Durability without blocking the event loop. SQLite runs with
// synchronous=NORMAL, so COMMIT writes the WAL frames but does not fsync
// them; this fsyncs the WAL file on libuv's thread pool instead, and a batch
// is acknowledged (promises settled, watchers told) only once that fsync is
// done (fdatasync: the data and the size, as SQLite itself syncs). A sync
// flushes the file, whichever descriptor asks, so the frames
// of every COMMIT made before it started are durable when it returns: what
// synchronous=FULL gives, minus the event loop standing still for the disk.
// Checkpoints still sync the WAL and the database themselves (NORMAL does).
import { close, closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export class WalSync {
  private readonly walPath: string;
  private fd: number | null = null;

  constructor(dbPath: string) {
    this.walPath = `${dbPath}-wal`;
  }

  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  /**
   * Resolves once every WAL frame written so far is on disk. Under load one
   * fsync serves many batches: callers that arrive while one runs share the
   * single next one (the running one may have started before their frames).
   */
  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.fsyncNow().finally(() => { this.running = null; });
      return this.running;
    }
    this.next ??= this.running.catch(() => {}).then(() => {
      this.next = null;
      return this.sync();
    });
    return this.next;
  }

  private fsyncNow(): Promise<void> {
    return new Promise((resolve, reject) => {
      let fd: number;
      try {
        fd = this.open();
      } catch (err) {
        reject(err);
        return;
      }
      fdatasync(fd, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    if (this.fd !== null) close(this.fd, () => {});
    this.fd = null;
  }

  private open(): number {
    if (this.fd !== null) return this.fd;
    // The WAL exists once a COMMIT has run; it lives until the database is
    // closed (exclusive locking mode), so one descriptor serves for ever.
    this.fd = openSync(this.walPath, 'r');
    // The file's directory entry must be durable too, as SQLite's own
    // journal creation ensures; once is enough.
    const dir = openSync(dirname(this.walPath), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return this.fd;
  }
}
