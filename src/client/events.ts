// The event recorder: writes core/v1 Events about objects, one at a time in
// order, with upstream's correlation (client-go's EventCorrelator):
// - an event that repeats (same object, type, reason, message and source)
//   bumps the count and lastTimestamp of the existing Event;
// - the 10th distinct message of the same object, type and reason within
//   10 minutes turns into one "(combined from similar events): …" Event
//   that later ones bump;
// - a source may write 25 events about one object at once, then one every
//   5 minutes (the rest are dropped);
// - at most 1,000 events wait to be written; more are dropped.
import { RESOURCES, apiVersionOf, findKind } from '../api/resources.ts';
import type { Client } from './rest.ts';

const EVENTS = RESOURCES.find((r) => r.group === '' && r.resource === 'events')!;

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  event(obj: any, type: EventType, reason: string, message: string): void;
}

/** Upstream's defaults (client-go tools/record). */
export const MAX_QUEUED_EVENTS = 1000;
const CACHE_ENTRIES = 4096;
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 300_000;

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A Map that forgets its least recently used entry past a size. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > CACHE_ENTRIES) this.map.delete(this.map.keys().next().value!);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

interface Observation { name: string; namespace: string; count: number }

export function createRecorder(client: Client, component: string, opts: { host?: string; now?: () => Date; log?: (m: string, f?: Record<string, unknown>) => void } = {}): Recorder {
  const now = opts.now ?? (() => new Date());
  const observed = new Lru<Observation>();
  const aggregates = new Lru<{ messages: Set<string>; lastMs: number }>();
  const spam = new Lru<{ tokens: number; atMs: number }>();
  let chain = Promise.resolve();
  let queued = 0;
  let dropped = 0;

  /** A token bucket per source and object: true when this event may be written. */
  const allow = (spamKey: string, ms: number): boolean => {
    const b = spam.get(spamKey) ?? { tokens: SPAM_BURST, atMs: ms };
    b.tokens = Math.min(SPAM_BURST, b.tokens + Math.max(0, ms - b.atMs) / SPAM_REFILL_MS);
    b.atMs = ms;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    spam.set(spamKey, b);
    return ok;
  };

  const write = async (obj: any, type: EventType, reason: string, message: string) => {
    const meta = obj.metadata ?? {};
    const info = findKind(obj.apiVersion ?? '', obj.kind ?? '');
    const apiVersion = obj.apiVersion ?? (info ? apiVersionOf(info) : '');
    const namespace = meta.namespace || 'default';
    const at = now();
    const ms = at.getTime();
    const t = stamp(at);
    const objectKey = [component, opts.host ?? '', obj.kind, meta.namespace ?? '', meta.name, meta.uid ?? '', apiVersion].join('\u0000');
    const aggregateKey = `${objectKey}\u0000${type}\u0000${reason}`;

    let key = `${aggregateKey}\u0000${message}`;
    let text = message;
    let agg = aggregates.get(aggregateKey);
    if (!agg || ms - agg.lastMs > AGGREGATE_INTERVAL_MS) agg = { messages: new Set(), lastMs: ms };
    agg.messages.add(message);
    agg.lastMs = ms;
    aggregates.set(aggregateKey, agg);
    if (agg.messages.size >= AGGREGATE_MAX_EVENTS) {
      agg.messages.delete(agg.messages.values().next().value!);
      key = aggregateKey;
      text = `(combined from similar events): ${message}`;
    }

    // The observation is counted even when the spam filter holds the write back, as upstream's.
    const prev = observed.get(key);
    const name = prev?.name ?? `${meta.name}.${(ms * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`;
    const count = (prev?.count ?? 0) + 1;
    observed.set(key, { name, namespace, count });
    if (!allow(objectKey, ms)) return;
    if (prev) {
      try {
        await client.patch(EVENTS, prev.namespace, prev.name, { count, lastTimestamp: t, message: text }, { type: 'merge' });
        return;
      } catch {
        observed.delete(key); // the event expired, was removed or never written: record a fresh one
      }
    }
    await client.create(EVENTS, namespace, {
      metadata: { name, namespace },
      involvedObject: {
        apiVersion, kind: obj.kind, name: meta.name, namespace: meta.namespace, uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      reason, message: text, type, count: 1, firstTimestamp: t, lastTimestamp: t,
      source: { component, ...(opts.host ? { host: opts.host } : {}) },
      reportingComponent: component, reportingInstance: opts.host ?? '',
    });
    observed.set(key, { name, namespace, count: 1 });
  };
  return {
    event(obj, type, reason, message) {
      if (queued >= MAX_QUEUED_EVENTS) {
        // As upstream's broadcaster when its queue is full: the event is dropped, and said so (once per 100).
        if (dropped++ % 100 === 0) opts.log?.('event dropped: too many events waiting to be written', { reason, object: obj?.metadata?.name, dropped });
        return;
      }
      queued++;
      // Events are best effort and in order; a failure is logged, never thrown at the caller.
      chain = chain.then(() => write(obj, type, reason, message)).catch((err) => {
        opts.log?.('could not record event', { reason, object: obj?.metadata?.name, error: String(err) });
      }).then(() => { queued--; });
    },
  };
}
