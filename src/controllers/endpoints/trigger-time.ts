// The `endpoints.kubernetes.io/last-change-trigger-time` bookkeeping, as
// upstream's TriggerTimeTracker: per Service, remember the trigger time of
// each pod (its Ready transition) and of the Service (its creation); a sync
// exports the earliest trigger time that changed since the previous sync,
// the Service's creation for a Service seen the first time, and nothing
// (the annotation is dropped) when no trigger changed.

export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

interface State {
  pods: Map<string, number>;
  service: number;
  /** A trigger computed by a sync whose write failed: the retry must still export it. */
  unsynced?: number;
}

function podTriggerTime(pod: any): number {
  const c = (pod?.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isFinite(t) ? t : 0;
}

export class TriggerTimeTracker {
  private readonly states = new Map<string, State>();

  /** The trigger time to export for this sync, or undefined for none. */
  compute(svc: any, pods: any[]): Date | undefined {
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    const prev = this.states.get(key);
    let min = Infinity;
    const podTimes = new Map<string, number>();
    for (const p of pods) {
      const t = podTriggerTime(p);
      if (!t) continue;
      podTimes.set(p.metadata.name, t);
      if (t > (prev?.pods.get(p.metadata.name) ?? 0)) min = Math.min(min, t);
    }
    const created = Date.parse(svc.metadata.creationTimestamp ?? '') || 0;
    if (created > (prev?.service ?? 0)) min = Math.min(min, created);
    if (!prev) min = created || Infinity;
    if (prev?.unsynced) min = Math.min(min, prev.unsynced);
    this.states.set(key, { pods: podTimes, service: created, unsynced: Number.isFinite(min) ? min : undefined });
    return Number.isFinite(min) ? new Date(min) : undefined;
  }

  /** The sync's result reached the apiserver (or there was nothing to write). */
  synced(namespace: string, name: string): void {
    const s = this.states.get(`${namespace}/${name}`);
    if (s) delete s.unsynced;
  }

  forget(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}
