// Opt-in timing for benchmarks: with K8TS_SQLITE_TRACE=<file>, the backend
// records how long its disk work takes and how late the event loop runs.
// SIGUSR2 closes a window: it appends one JSON line with the figures since
// the previous SIGUSR2 to the file and starts a new window, so a benchmark
// can bracket exactly one phase. Off (and free) unless the variable is set.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.K8TS_SQLITE_TRACE;

class Trace {
  private samples = new Map<string, number[]>();
  private readonly loop: ReturnType<typeof monitorEventLoopDelay>;

  constructor(out: string) {
    this.loop = monitorEventLoopDelay({ resolution: 1 });
    this.loop.enable();
    process.on('SIGUSR2', () => {
      appendFileSync(out, `${JSON.stringify(this.window())}\n`);
      this.samples = new Map();
      this.loop.reset();
    });
  }

  record(name: string, ms: number): void {
    let s = this.samples.get(name);
    if (!s) this.samples.set(name, (s = []));
    s.push(ms);
  }

  private window(): Record<string, unknown> {
    const ns = (v: number) => Math.round(v / 1e3) / 1e3; // ns → ms, 3 decimals
    const out: Record<string, unknown> = {
      at: new Date().toISOString(),
      loop_delay_ms: { p50: ns(this.loop.percentile(50)), p99: ns(this.loop.percentile(99)), max: ns(this.loop.max), mean: ns(this.loop.mean) },
    };
    for (const [name, s] of this.samples) {
      s.sort((a, b) => a - b);
      const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 1000) / 1000;
      out[name] = { n: s.length, p50: at(50), p99: at(99), max: at(100), total: Math.round(s.reduce((a, b) => a + b, 0)) };
    }
    return out;
  }
}

let trace: Trace | null = null;

/** Records one duration (ms) under a name when tracing is on; otherwise does nothing. */
export function traceRecord(name: string, ms: number): void {
  if (!file) return;
  trace ??= new Trace(file);
  trace.record(name, ms);
}

/** True when K8TS_SQLITE_TRACE is set: callers skip taking timestamps otherwise. */
export const tracing = file !== undefined && file !== '';

/** Starts the event-loop monitor early (at backend start) rather than at the first write. */
export function traceStart(): void {
  if (tracing) trace ??= new Trace(file!);
}
