// The storage contract. Only the apiserver talks to it. Every backend
// (memory, sqlite, etcd) implements exactly this and passes the one
// conformance suite in ./conformance.ts.
//
// The model is etcd's (and kine's): one global, strictly increasing revision
// for the whole store; every write gets the next revision; a key remembers the
// revision it was created at and last modified at. resourceVersion in the
// Kubernetes API is this revision, printed as a decimal string.

export type Revision = number;

export interface KeyValue {
  key: string;
  /** The stored bytes; the apiserver keeps JSON text here. */
  value: string;
  createRevision: Revision;
  modRevision: Revision;
}

export type WatchEvent =
  | { type: 'create'; revision: Revision; kv: KeyValue }
  | { type: 'update'; revision: Revision; kv: KeyValue; prevKv: KeyValue }
  | { type: 'delete'; revision: Revision; key: string; prevKv: KeyValue };

export interface ListOptions {
  /** At most this many items; 0 or absent means all. */
  limit?: number;
  /** An opaque token returned by an earlier list (see ./continue.ts). */
  continue?: string;
  /** Read as of this revision; absent means the newest. Ignored with continue (the token carries its own). */
  revision?: Revision;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: Revision;
  /** Present when more items remain: pass it back as ListOptions.continue. */
  continue?: string;
  /** How many items remain after this page, when more remain. */
  remainingItemCount?: number;
}

export interface WriteOptions {
  /** The key is deleted by the store this many seconds after the write (etcd leases; used for Events). */
  ttlSeconds?: number;
}

export interface WatchOptions {
  /**
   * Deliver every change with revision > fromRevision, in order, exactly once.
   * Absent or 0 means "from now". A revision below the compacted one fails
   * the stream with StorageError code 'Compacted' (from the compacted
   * revision itself works: every later event is still there, as in etcd).
   */
  fromRevision?: Revision;
}

/**
 * A watch stream. Iterate it to receive events; break, or call close(), to
 * stop. Iteration throws a StorageError when the watch cannot continue
 * (for example 'Compacted').
 */
export interface WatchStream extends AsyncIterable<WatchEvent> {
  close(): void;
}

export interface Backend {
  readonly name: string;

  /** The object at key, or null. `revision` reads it as of an older revision. */
  get(key: string, opts?: { revision?: Revision }): Promise<{ kv: KeyValue | null; revision: Revision }>;

  /** Keys that start with prefix, in byte order of the key. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;

  count(prefix: string): Promise<{ count: number; revision: Revision }>;

  /** Creates key if absent; otherwise throws StorageError 'KeyExists'. Returns the new KeyValue. */
  create(key: string, value: string, opts?: WriteOptions): Promise<KeyValue>;

  /**
   * Replaces key's value if its modRevision is still expectedRevision.
   * Throws 'KeyNotFound' if absent, 'Conflict' (carrying the current KeyValue) if it moved on.
   */
  update(key: string, value: string, expectedRevision: Revision, opts?: WriteOptions): Promise<KeyValue>;

  /**
   * Deletes key; with expectedRevision, only if its modRevision still is that.
   * Returns the deleted KeyValue and the revision of the delete.
   */
  delete(key: string, expectedRevision?: Revision): Promise<{ prevKv: KeyValue; revision: Revision }>;

  watch(prefix: string, opts?: WatchOptions): WatchStream;

  currentRevision(): Promise<Revision>;

  /**
   * Forgets history before revision, keeping the state as of revision (as etcd does).
   * Reads at a lower revision, and watches from one, then fail with 'Compacted'.
   */
  compact(revision: Revision): Promise<void>;

  /** The revision at or below which history is gone (0 if none). */
  compactedRevision(): Promise<Revision>;

  close(): Promise<void>;
}

export type StorageErrorCode =
  | 'KeyExists'
  | 'KeyNotFound'
  | 'Conflict'
  | 'Compacted'
  | 'FutureRevision'
  | 'InvalidContinue'
  | 'ValueTooLarge'
  | 'Unavailable'
  | 'Corrupt'
  | 'Unsupported';

/** The largest value a backend accepts (etcd's default request limit is 1.5 MiB). */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly key?: string;
  /** For 'Conflict': what is stored now. */
  readonly current?: KeyValue;

  constructor(code: StorageErrorCode, message: string, extra: { key?: string; current?: KeyValue; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'StorageError';
    this.code = code;
    this.key = extra.key;
    this.current = extra.current;
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}
