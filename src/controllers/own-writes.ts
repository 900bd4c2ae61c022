// A controller that writes from its informer's cache must not sync a key
// again before the cache shows its own last write: the older copy makes a
// certain conflict (or, for slices, duplicates). Each controller says what
// its write should look like and when the cache has caught up; the wait is
// bounded, since someone else may change or delete the object meanwhile.

export class OwnWrites<E> {
  private readonly writes = new Map<string, { expected: E; at: number }>();
  private readonly maxWaitMs: number;

  constructor(maxWaitMs: number) {
    this.maxWaitMs = maxWaitMs;
  }

  /** Records what the cache should come to show for key; returns it, for writes that fill it in as they go. */
  wrote(key: string, expected: E): E {
    this.writes.set(key, { expected, at: Date.now() });
    return expected;
  }

  forget(key: string): void {
    this.writes.delete(key);
  }

  /** Whether key must wait: a recorded write that the cache has not caught up with, within the bound. */
  pending(key: string, caughtUp: (expected: E) => boolean): boolean {
    const w = this.writes.get(key);
    if (!w) return false;
    if (Date.now() - w.at < this.maxWaitMs && !caughtUp(w.expected)) return true;
    this.writes.delete(key);
    return false;
  }
}
