// A rate-limited work queue of keys, as client-go's: a key is queued once
// however often it is added; a key being processed is not handed to a
// second worker, and is re-queued after if it was added meanwhile; failed
// keys come back after a per-key exponential backoff, and an overall token
// bucket bounds the retry rate.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

export interface WorkQueueConfig {
  baseDelayMs?: number; // 5 ms, as client-go's default controller rate limiter
  maxDelayMs?: number; // 1000 s
  qps?: number; // 10
  burst?: number; // 100
  clock?: Clock;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, unknown>();
  private readonly waiters: ((key: string | null) => void)[] = [];
  private shuttingDown = false;
  private tokens: number;
  private lastRefill: number;
  private readonly cfg: Required<WorkQueueConfig>;

  constructor(config: WorkQueueConfig = {}) {
    this.cfg = { baseDelayMs: 5, maxDelayMs: 1_000_000, qps: 10, burst: 100, clock: realClock, ...config };
    this.tokens = this.cfg.burst;
    this.lastRefill = this.cfg.clock.now();
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(key);
      this.processing.add(key);
      w(key);
    } else this.queue.push(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const prev = this.delayed.get(key);
    if (prev !== undefined) this.cfg.clock.clearTimeout(prev);
    this.delayed.set(key, this.cfg.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms));
  }

  /** Re-queues a failed key after its backoff (max of per-key exponential and the token bucket). */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const perKey = Math.min(this.cfg.baseDelayMs * 2 ** n, this.cfg.maxDelayMs);
    this.addAfter(key, Math.max(perKey, this.bucketDelay()));
  }

  private bucketDelay(): number {
    const now = this.cfg.clock.now();
    this.tokens = Math.min(this.cfg.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.cfg.qps);
    this.lastRefill = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.cfg.qps) * 1000;
  }

  /** Stops the per-key backoff for a key that succeeded. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or null once shut down. */
  get(): Promise<string | null> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key processed; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.delayed.values()) this.cfg.clock.clearTimeout(t);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(null);
  }
}
