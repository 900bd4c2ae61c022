// The scheduling queue: activeQ (ordered by the profile's QueueSort),
// backoffQ (per-pod exponential backoff), and the unschedulable pods, which
// go back when a cluster event that could help them happens, or after
// staying too long. PreEnqueue plugins (scheduling gates) hold pods out.
import type { ActionType, QueuedPodInfo } from '../framework/types.ts';
import type { PodInfo } from '../framework/pod-info.ts';
import { newPodInfo } from '../framework/pod-info.ts';
import { Heap } from './heap.ts';

/** Whether anything but status, resourceVersion, generation and managedFields differs. */
export function specOrMetaChanged(a: any, b: any): boolean {
  const strip = (p: any) => JSON.stringify({ ...p, status: undefined, metadata: { ...p.metadata, resourceVersion: undefined, generation: undefined, managedFields: undefined } });
  return strip(a) !== strip(b);
}

export interface QueueEvent {
  resource: string;
  action: ActionType;
}

export interface QueueConfig {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
  /** Name of the PreEnqueue plugin holding the pod, or null to let it in. */
  preEnqueue(pod: any): string | null;
  /** Whether the plugin registered for the event (so the pod may fit now). */
  interested(pod: any, plugin: string, ev: QueueEvent): boolean;
  now?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried after this long even without an event (upstream: 5 minutes). */
  maxInUnschedulableMs?: number;
}

export class SchedulingQueue {
  private readonly cfg: Required<QueueConfig>;
  private readonly active: Heap<QueuedPodInfo>;
  private readonly backoff: Heap<QueuedPodInfo>;
  /** Pods whose attempt ended in an error: they wait out their whole backoff (upstream's podErrorBackoffQ). */
  private readonly errorBackoff: Heap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Pods popped and not yet done: an update to them is kept for when they fail. */
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private waiters: ((q: QueuedPodInfo | null) => void)[] = [];
  private closed = false;
  private timers: NodeJS.Timeout[] = [];
  schedulingCycle = 0;
  /**
   * The last scheduling cycle in which each kind of event ("Node/Add") was
   * seen. A pod that fails after an event its rejecting plugins care about
   * retries through backoff (upstream's queueing hints for in-flight pods);
   * unrelated events (every binding is a Pod/Add) leave it parked.
   */
  private readonly lastEventCycle = new Map<string, { ev: QueueEvent; cycle: number }>();
  /** The cycle in which a pod gated on its way back from a failed attempt failed. */
  private readonly gatedCycle = new Map<string, number>();

  constructor(cfg: QueueConfig) {
    this.cfg = {
      ...cfg, now: cfg.now ?? Date.now, initialBackoffMs: cfg.initialBackoffMs ?? 1000, maxBackoffMs: cfg.maxBackoffMs ?? 10_000,
      maxInUnschedulableMs: cfg.maxInUnschedulableMs ?? 5 * 60_000,
    };
    const key = (q: QueuedPodInfo) => q.pi.uid;
    this.active = new Heap(key, (a, b) => this.cfg.less(a, b));
    this.backoff = new Heap(key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
    this.errorBackoff = new Heap(key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  }

  /** Starts the periodic flushes (backoff every second, leftovers every 30 s). */
  run(): void {
    this.timers.push(setInterval(() => this.flushBackoffCompleted(), 1000));
    this.timers.push(setInterval(() => this.flushUnschedulableLeftover(), 30_000));
    for (const t of this.timers) t.unref();
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const w of this.waiters.splice(0)) w(null);
  }

  backoffDuration(q: QueuedPodInfo): number {
    let d = this.cfg.initialBackoffMs;
    for (let i = 1; i < q.attempts; i++) {
      d *= 2;
      if (d >= this.cfg.maxBackoffMs) return this.cfg.maxBackoffMs;
    }
    return Math.min(d, this.cfg.maxBackoffMs);
  }

  private backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q);
  }

  private isBackingOff(q: QueuedPodInfo): boolean {
    return q.attempts > 0 && this.backoffExpiry(q) > this.cfg.now();
  }

  private wake(): void {
    while (this.waiters.length && (this.active.size || this.backoff.size)) this.waiters.shift()!(this.takeActive());
  }

  /**
   * The next pod from activeQ or, when activeQ is empty, the one closest to
   * the end of its backoff (upstream's SchedulerPopFromBackoffQ, on by
   * default since 1.33): an idle scheduler does not make a pod that an
   * event moved wait out its backoff. Error backoff is never cut short.
   */
  private takeActive(): QueuedPodInfo {
    const q = this.active.pop() ?? this.backoff.pop()!;
    q.attempts++;
    this.schedulingCycle++;
    this.inFlight.set(q.pi.uid, q);
    return q;
  }

  /** Sends a pod to activeQ, or holds it as gated when a PreEnqueue plugin says so. */
  private toActive(q: QueuedPodInfo): void {
    const gate = this.cfg.preEnqueue(q.pi.pod);
    if (gate) {
      q.gatedBy = gate;
      this.unschedulable.set(q.pi.uid, q);
      return;
    }
    q.gatedBy = undefined;
    this.gatedCycle.delete(q.pi.uid);
    this.unschedulable.delete(q.pi.uid);
    this.backoff.delete(q.pi.uid);
    this.errorBackoff.delete(q.pi.uid);
    this.active.push(q);
    this.wake();
  }

  private requeue(q: QueuedPodInfo): void {
    if (this.isBackingOff(q)) {
      this.unschedulable.delete(q.pi.uid);
      this.backoff.push(q);
      this.wake();
    } else this.toActive(q);
  }

  add(pod: any): void {
    const pi = newPodInfo(pod);
    if (this.has(pi.uid)) return this.update(pod);
    const now = this.cfg.now();
    this.toActive({ pi, timestamp: now, initialAttemptTimestamp: now, attempts: 0, unschedulablePlugins: new Set() });
  }

  has(uid: string): boolean {
    return this.active.has(uid) || this.backoff.has(uid) || this.errorBackoff.has(uid) || this.unschedulable.has(uid) || this.inFlight.has(uid);
  }

  update(pod: any): void {
    const uid = pod.metadata.uid;
    const pi: PodInfo = newPodInfo(pod);
    const inActive = this.active.get(uid);
    if (inActive) return this.active.push({ ...inActive, pi });
    const inBackoff = this.backoff.get(uid);
    if (inBackoff) return this.backoff.push({ ...inBackoff, pi });
    const inErrorBackoff = this.errorBackoff.get(uid);
    if (inErrorBackoff) return this.errorBackoff.push({ ...inErrorBackoff, pi });
    const flight = this.inFlight.get(uid);
    if (flight) {
      flight.pi = pi;
      return;
    }
    const u = this.unschedulable.get(uid);
    if (u) {
      const old = u.pi.pod;
      u.pi = pi;
      // A gated pod whose gates are gone, or a change to a rejected pod's spec
      // or metadata, may help it now; its own status writes (the PodScheduled
      // condition, nominatedNodeName) do not, as upstream's isPodUpdated.
      if (u.gatedBy) this.toActive(u);
      else if (!specOrMetaChanged(old, pod)) return;
      else if (u.unschedulablePlugins.size === 0 || [...u.unschedulablePlugins].some((p) => this.cfg.interested(pod, p, { resource: 'Pod', action: 'Update' }))) this.requeue(u);
      return;
    }
    this.add(pod);
  }

  delete(pod: any): void {
    const uid = pod.metadata.uid;
    this.active.delete(uid);
    this.backoff.delete(uid);
    this.errorBackoff.delete(uid);
    this.unschedulable.delete(uid);
    this.inFlight.delete(uid);
    this.gatedCycle.delete(uid);
  }

  /** The next pod to schedule; resolves null once the queue is closed. */
  pop(): Promise<QueuedPodInfo | null> {
    if (this.closed) return Promise.resolve(null);
    if (this.active.size || this.backoff.size) return Promise.resolve(this.takeActive());
    return new Promise((r) => this.waiters.push(r));
  }

  /** The pod's attempt is over (bound, or handed back through addUnschedulable). */
  done(uid: string): void {
    this.inFlight.delete(uid);
  }

  /**
   * Takes back a pod that failed in the cycle podCycle. If some event asked
   * for a move during its attempt, it retries after backoff; otherwise it
   * waits for an event. Errors (not rejections) always retry after backoff.
   */
  addUnschedulable(q: QueuedPodInfo, podCycle: number, isError = false): void {
    const current = this.inFlight.get(q.pi.uid);
    this.inFlight.delete(q.pi.uid);
    if (!current) return; // deleted meanwhile
    q.pi = current.pi;
    q.timestamp = this.cfg.now();
    // A PreEnqueue plugin may hold it now (a preemption still under way).
    const gate = this.cfg.preEnqueue(q.pi.pod);
    if (gate) {
      q.gatedBy = gate;
      this.gatedCycle.set(q.pi.uid, podCycle);
      this.unschedulable.set(q.pi.uid, q);
      return;
    }
    if (isError) {
      this.errorBackoff.push(q);
      return;
    }
    if (this.movedDuring(q, podCycle)) {
      this.backoff.push(q);
      this.wake();
      return;
    }
    this.unschedulable.set(q.pi.uid, q);
  }

  /**
   * Checks a gated pod's PreEnqueue again (when its preemption's API calls
   * end, or on ev, an event its gating plugin asked for). Let in, it waits
   * for an event its rejecting plugins care about, unless ev is one or one
   * already came since it failed (a preemptor whose victims are gone): then
   * it goes straight to activeQ, since the gate, not a scheduling failure,
   * is what held it back, and no backoff is waited out.
   */
  ungate(uid: string, ev?: QueueEvent): void {
    const q = this.unschedulable.get(uid);
    if (!q?.gatedBy) return;
    const gate = this.cfg.preEnqueue(q.pi.pod);
    if (gate) {
      q.gatedBy = gate;
      return;
    }
    q.gatedBy = undefined;
    const cycle = this.gatedCycle.get(uid);
    this.gatedCycle.delete(uid);
    if ((ev && this.helps(q, ev)) || (cycle !== undefined && this.movedDuring(q, cycle))) this.toActive(q);
    else if (cycle === undefined) this.requeue(q);
  }

  private helps(q: QueuedPodInfo, ev: QueueEvent): boolean {
    if (q.unschedulablePlugins.size === 0) return true;
    for (const p of q.unschedulablePlugins) if (this.cfg.interested(q.pi.pod, p, ev)) return true;
    return false;
  }

  private movedDuring(q: QueuedPodInfo, podCycle: number): boolean {
    const plugins = [...q.unschedulablePlugins];
    for (const { ev, cycle } of this.lastEventCycle.values()) {
      if (cycle < podCycle) continue;
      if (plugins.length === 0 || plugins.some((p) => this.cfg.interested(q.pi.pod, p, ev))) return true;
    }
    return false;
  }

  /** A cluster event: moves the unschedulable pods it could help. */
  moveAllToActiveOrBackoff(ev: QueueEvent): void {
    const moved: QueuedPodInfo[] = [];
    const regate: string[] = [];
    for (const q of this.unschedulable.values()) {
      if (q.gatedBy) {
        // The gating plugin may let it in now (its PreEnqueue is asked again).
        if (this.cfg.interested(q.pi.pod, q.gatedBy, ev)) regate.push(q.pi.uid);
        continue;
      }
      if (this.helps(q, ev)) moved.push(q);
    }
    for (const q of moved) this.requeue(q);
    for (const uid of regate) this.ungate(uid, ev);
    const kind = `${ev.resource}/${ev.action}`;
    const seen = this.lastEventCycle.get(kind);
    if (seen) seen.cycle = this.schedulingCycle;
    else this.lastEventCycle.set(kind, { ev, cycle: this.schedulingCycle });
  }

  flushBackoffCompleted(): void {
    for (const heap of [this.backoff, this.errorBackoff]) {
      for (;;) {
        const q = heap.peek();
        if (!q || this.isBackingOff(q)) break;
        heap.pop();
        this.toActive(q);
      }
    }
  }

  flushUnschedulableLeftover(): void {
    const now = this.cfg.now();
    for (const q of [...this.unschedulable.values()]) {
      if (!q.gatedBy && now - q.timestamp > this.cfg.maxInUnschedulableMs) this.requeue(q);
    }
  }

  stats(): { active: number; backoff: number; unschedulable: number; gated: number } {
    const gated = [...this.unschedulable.values()].filter((q) => q.gatedBy).length;
    return { active: this.active.size, backoff: this.backoff.size + this.errorBackoff.size, unschedulable: this.unschedulable.size - gated, gated };
  }

  pendingPods(): QueuedPodInfo[] {
    return [...this.active.values(), ...this.backoff.values(), ...this.errorBackoff.values(), ...this.unschedulable.values()];
  }
}
