// Upstream's flowcontrol.Backoff as the kubelet uses it for restarts and
// image pulls: the first failure is retried at once, each later one waits
// twice as long as the one before (10 s, 20 s … capped at 5 min), measured
// from when the container last finished; an entry idle for twice the cap is
// forgotten.
export class Backoff {
  private readonly entries = new Map<string, { delay: number; lastUpdate: number }>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly now: () => number;

  constructor(initialMs = 10_000, maxMs = 300_000, now: () => number = Date.now) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.now = now;
  }

  /** The current delay for key (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.delay ?? 0;
  }

  /** Records a retry at eventTime and grows the delay. */
  next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    if (!e || this.now() - e.lastUpdate > 2 * this.maxMs) {
      this.entries.set(key, { delay: this.initialMs, lastUpdate: eventTime });
      return;
    }
    e.delay = Math.min(e.delay * 2, this.maxMs);
    e.lastUpdate = eventTime;
  }

  /** Whether a retry must still wait, counting from eventTime. */
  inBackoffSince(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.now() - e.lastUpdate > 2 * this.maxMs) return false;
    return this.now() - eventTime < e.delay;
  }

  /** Milliseconds until the retry may happen (0 when it may happen now). */
  remaining(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, eventTime + e.delay - this.now()) : 0;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  forgetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** Go's time.Duration String for whole seconds and minutes, as upstream's messages print it ("10s", "5m0s"). */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}h` : ''}${m}m${s % 60}s`;
}
