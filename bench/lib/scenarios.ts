// The storage benchmark's scenarios, run against any Backend: create and
// update rates with concurrent writers, single-writer latency, list latency
// at large sizes, and watch fan-out to many watchers.
import type { Backend, WatchStream } from '../../src/storage/backend.ts';
import type { Figures } from './baselines.ts';
import { percentile, podValue, pool, timeMedian, timedLoop } from './measure.ts';

export interface ScenarioOptions {
  seconds: number;
  writers: number[];
  listSizes: number[];
  watchers: number;
  events: number;
  /** Called after a list size is populated, with the key prefix (for the raw baseline). */
  onPopulated?: (prefix: string, size: number) => Promise<void>;
  log: (msg: string) => void;
}

export async function writeRates(b: Backend, o: ScenarioOptions): Promise<Figures> {
  const out: Figures = {};
  for (const w of o.writers) {
    const c = await timedLoop(w, o.seconds, (wi, n) => b.create(`/c${w}/${wi}/${n}`, podValue(n)), { recordLatency: w === 1 });
    out[`create_w${w}_rate`] = c.rate;
    if (w === 1) {
      out.create_w1_p50_ms = percentile(c.latencies, 50);
      out.create_w1_p99_ms = percentile(c.latencies, 99);
    }
    // Each writer updates its own key, so no update conflicts with another.
    const revs: number[] = [];
    await pool(w, 64, async (wi) => { revs[wi] = (await b.create(`/u${w}/${wi}`, podValue(wi))).modRevision; });
    const u = await timedLoop(w, o.seconds, async (wi, n) => {
      revs[wi] = (await b.update(`/u${w}/${wi}`, podValue(n), revs[wi]!)).modRevision;
    }, { recordLatency: w === 1 });
    out[`update_w${w}_rate`] = u.rate;
    if (w === 1) {
      out.update_w1_p50_ms = percentile(u.latencies, 50);
      out.update_w1_p99_ms = percentile(u.latencies, 99);
    }
    o.log(`  ${w} writers: create ${c.rate.toFixed(0)}/s, update ${u.rate.toFixed(0)}/s`);
  }
  return out;
}

export async function listLatency(b: Backend, o: ScenarioOptions): Promise<Figures> {
  const out: Figures = {};
  for (const size of o.listSizes) {
    const prefix = `/list${size}/`;
    const t0 = performance.now();
    await pool(size, 256, (i) => b.create(`${prefix}${String(i).padStart(7, '0')}`, podValue(i)));
    out[`populate_${size}_rate`] = size / ((performance.now() - t0) / 1000);
    let n = 0;
    out[`list_${size}_ms`] = await timeMedian(3, async () => { n = (await b.list(prefix)).items.length; });
    if (n !== size) throw new Error(`list of ${prefix} returned ${n} items, expected ${size}`);
    out[`list_${size}_page500_ms`] = await timeMedian(5, () => b.list(prefix, { limit: 500 }));
    out[`count_${size}_ms`] = await timeMedian(5, () => b.count(prefix));
    o.log(`  list ${size}: ${out[`list_${size}_ms`]!.toFixed(1)} ms (populated at ${out[`populate_${size}_rate`]!.toFixed(0)}/s)`);
    await o.onPopulated?.(prefix, size);
  }
  return out;
}

/** Time from the first write until every watcher has received all events. */
export async function watchFanout(b: Backend, o: ScenarioOptions): Promise<Figures> {
  const streams: WatchStream[] = Array.from({ length: o.watchers }, () => b.watch('/fan/'));
  let t0 = 0;
  let lastAck = 0;
  const received = streams.map(async (s) => {
    let n = 0;
    for await (const ev of s) {
      void ev;
      if (++n === o.events) break;
    }
    return performance.now();
  });
  // Let the watches reach the store before writing (etcd creates them over the stream).
  await new Promise((r) => setTimeout(r, 200));
  t0 = performance.now();
  for (let i = 0; i < o.events; i++) await b.create(`/fan/${i}`, podValue(i));
  lastAck = performance.now();
  const done = Math.max(...(await Promise.all(received)));
  for (const s of streams) s.close();
  const total = done - t0;
  o.log(`  watch: ${o.events} events to ${o.watchers} watchers in ${total.toFixed(0)} ms`);
  return {
    watch_fanout_ms: total,
    watch_lag_after_last_write_ms: done - lastAck,
    watch_deliveries_per_s: (o.events * o.watchers) / (total / 1000),
  };
}

export async function runScenarios(b: Backend, o: ScenarioOptions): Promise<Figures> {
  return { ...(await writeRates(b, o)), ...(await listLatency(b, o)), ...(await watchFanout(b, o)) };
}
