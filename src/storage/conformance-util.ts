// Helpers for the conformance suite: a backend per test, and bounded waits on
// watch streams so that a broken backend fails a test instead of hanging it.
import assert from 'node:assert/strict';
import { isStorageError } from './backend.ts';
import type { Backend, StorageErrorCode, WatchEvent, WatchStream } from './backend.ts';

export interface ConformanceOptions {
  newBackend: () => Promise<Backend>;
  cleanup?: () => Promise<void>;
}

export async function withBackend(opts: ConformanceOptions, fn: (b: Backend) => Promise<void>): Promise<void> {
  const b = await opts.newBackend();
  try {
    await fn(b);
  } finally {
    await b.close();
  }
}

/** Resolves with the first n events, or rejects after timeoutMs (or with the stream's error). */
export async function take(stream: WatchStream, n: number, timeoutMs = 5000): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  if (n === 0) return out;
  const it = stream[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms with ${out.length}/${n} events`)), timeoutMs);
  });
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error(`stream ended after ${out.length}/${n} events`);
      out.push(r.value);
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the stream to end or fail; returns the error, if any. */
export async function ending(stream: WatchStream, timeoutMs = 5000): Promise<unknown> {
  const it = stream[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stream did not end within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    for (;;) {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) return undefined;
    }
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('stream did not end')) throw err;
    return err;
  } finally {
    clearTimeout(timer);
  }
}

export async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode, messageIncludes?: RegExp): Promise<unknown> {
  let caught: unknown;
  await assert.rejects(p, (err) => {
    caught = err;
    assert.ok(isStorageError(err, code), `expected StorageError ${code}, got ${String(err)}`);
    if (messageIncludes) assert.match((err as Error).message, messageIncludes);
    return true;
  });
  return caught;
}

/** A compact description of an event for deepEqual comparisons. */
export function describeEvent(ev: WatchEvent): string {
  if (ev.type === 'delete') return `${ev.revision} delete ${ev.key} prev=${ev.prevKv.value}@${ev.prevKv.modRevision}`;
  const prev = ev.type === 'update' ? ` prev=${ev.prevKv.value}@${ev.prevKv.modRevision}` : '';
  return `${ev.revision} ${ev.type} ${ev.kv.key}=${ev.kv.value} c${ev.kv.createRevision}${prev}`;
}
