// One zone's queue of nodes waiting for a NoExecute taint, drained at a
// rate (a token bucket with a burst of one, as upstream's
// RateLimitedTimedQueue); a rate of 0 holds every node back.

export class ZoneTainter {
  private readonly queue: string[] = [];
  private rate: number;
  private tokens = 1;
  private last: number;
  private readonly now: () => number;

  constructor(rate: number, now: () => number) {
    this.rate = rate;
    this.now = now;
    this.last = now();
  }

  add(node: string): void {
    if (!this.queue.includes(node)) this.queue.push(node);
  }

  remove(node: string): void {
    const i = this.queue.indexOf(node);
    if (i >= 0) this.queue.splice(i, 1);
  }

  get pending(): readonly string[] {
    return this.queue;
  }

  /** Changes the rate; a new bucket starts with a token only if the old one had one. */
  setRate(rate: number): void {
    this.refill();
    this.rate = rate;
    this.tokens = Math.min(1, this.tokens);
  }

  private refill(): void {
    const t = this.now();
    if (this.rate > 0) this.tokens = Math.min(1, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }

  /** The nodes whose turn has come. */
  take(): string[] {
    this.refill();
    const out: string[] = [];
    while (this.queue.length && this.rate > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      out.push(this.queue.shift()!);
    }
    return out;
  }
}
