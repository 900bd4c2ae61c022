// The event recorder: writes core/v1 Events about objects, with upstream's
// aggregation — an event that repeats (same object, reason, message and
// source) bumps the count and lastTimestamp of the existing Event instead
// of creating another.
import { RESOURCES, apiVersionOf, findKind } from '../api/resources.ts';
import type { Client } from './rest.ts';

const EVENTS = RESOURCES.find((r) => r.group === '' && r.resource === 'events')!;

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  event(obj: any, type: EventType, reason: string, message: string): void;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function createRecorder(client: Client, component: string, opts: { host?: string; now?: () => Date; log?: (m: string, f?: Record<string, unknown>) => void } = {}): Recorder {
  const now = opts.now ?? (() => new Date());
  const seen = new Map<string, { name: string; namespace: string; count: number }>();
  let chain = Promise.resolve();
  const write = async (obj: any, type: EventType, reason: string, message: string) => {
    const meta = obj.metadata ?? {};
    const info = findKind(obj.apiVersion ?? '', obj.kind ?? '');
    const namespace = meta.namespace || 'default';
    const key = [component, obj.kind, namespace, meta.name, meta.uid, type, reason, message].join('\u0000');
    const t = stamp(now());
    const prev = seen.get(key);
    if (prev) {
      prev.count++;
      try {
        await client.patch(EVENTS, prev.namespace, prev.name, { count: prev.count, lastTimestamp: t }, { type: 'merge' });
        return;
      } catch {
        seen.delete(key); // the event expired or was removed: record a fresh one
      }
    }
    const name = `${meta.name}.${(Date.now() * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`;
    await client.create(EVENTS, namespace, {
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion ?? (info ? apiVersionOf(info) : ''), kind: obj.kind, name: meta.name, namespace: meta.namespace, uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      reason, message, type, count: 1, firstTimestamp: t, lastTimestamp: t,
      source: { component, ...(opts.host ? { host: opts.host } : {}) },
      reportingComponent: component, reportingInstance: opts.host ?? '',
    });
    seen.set(key, { name, namespace, count: 1 });
    if (seen.size > 4096) seen.delete(seen.keys().next().value!);
  };
  return {
    event(obj, type, reason, message) {
      // Events are best effort and in order; a failure is logged, never thrown at the caller.
      chain = chain.then(() => write(obj, type, reason, message)).catch((err) => {
        opts.log?.('could not record event', { reason, object: obj?.metadata?.name, error: String(err) });
      });
    },
  };
}
