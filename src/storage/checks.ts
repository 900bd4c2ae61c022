// Argument checks every backend applies the same way, with the same messages.
import { MAX_VALUE_BYTES, StorageError } from './backend.ts';
import type { Revision } from './backend.ts';

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new StorageError('KeyNotFound', 'storage key must be a non-empty string');
}

export function checkValue(key: string, value: string): void {
  // Cheap upper bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  if (value.length * 3 <= MAX_VALUE_BYTES) return;
  const size = Buffer.byteLength(value, 'utf8');
  if (size > MAX_VALUE_BYTES) {
    throw new StorageError('ValueTooLarge', `value for key ${key} is ${size} bytes, over the limit of ${MAX_VALUE_BYTES} bytes`, { key });
  }
}

export function checkTtl(ttlSeconds: number | undefined): void {
  if (ttlSeconds === undefined) return;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new StorageError('Unsupported', `ttlSeconds must be a positive number, got ${ttlSeconds}`);
  }
}

/**
 * Resolves the revision a read happens at: absent or 0 means current. Reads
 * below the compacted revision fail; the compacted revision itself stays
 * readable, as in etcd.
 */
export function readRevision(requested: Revision | undefined, current: Revision, compacted: Revision): Revision {
  if (requested === undefined || requested === 0) return current;
  if (!Number.isSafeInteger(requested) || requested < 0) {
    throw new StorageError('FutureRevision', `invalid revision ${requested}`);
  }
  if (requested > current) {
    throw new StorageError('FutureRevision', `required revision ${requested} is a future revision (current revision ${current})`);
  }
  if (requested < compacted) {
    throw new StorageError('Compacted', `required revision ${requested} has been compacted (compacted revision ${compacted})`);
  }
  return requested;
}

export function closedError(name: string): StorageError {
  return new StorageError('Unavailable', `${name} storage is closed`);
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const realClock: Clock = { now: () => Date.now() };
