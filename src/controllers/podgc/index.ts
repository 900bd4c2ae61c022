// The pod garbage collector (upstream's PodGC). Every gc period it
// force-deletes (grace period 0):
// - terminated pods (phase neither Pending, Running nor Unknown) beyond
//   --terminated-pod-gc-threshold, evicted ones first, then oldest first;
// - terminating pods on a NotReady node tainted node.kubernetes.io/out-of-service;
// - pods bound to a node that no longer exists, once it has been missing for
//   the quarantine time and the apiserver confirms it (with the
//   DisruptionTarget condition DeletionByPodGC);
// - terminating pods that were never scheduled.
// A pod not yet terminal is first patched to phase Failed, so that
// controllers counting failures (Job) see how it ended.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';

const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
const NODES = RESOURCES.find((r) => r.group === '' && r.resource === 'nodes')!;
export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

export interface PodGCConfig {
  client: Client;
  pods: Informer;
  nodes: Informer;
  /** --terminated-pod-gc-threshold (12500); 0 or less turns the terminated-pod pass off. */
  terminatedPodThreshold?: number;
  /** How often gc runs (upstream's fixed 20 s). */
  gcCheckPeriodMs?: number;
  /** How long a node must be missing before its pods go (upstream's fixed 40 s). */
  quarantineMs?: number;
  now?: () => number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface GCCondition { type: string; status: string; reason: string; message: string }

export const isPodTerminated = (pod: any): boolean => !['Pending', 'Running', 'Unknown'].includes(pod.status?.phase ?? 'Pending');
const isEvicted = (pod: any): boolean => pod.status?.phase === 'Failed' && pod.status?.reason === 'Evicted';
const isNodeReady = (node: any): boolean => (node.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
const keyOf = (pod: any) => `${pod.metadata.namespace}/${pod.metadata.name}`;

/** Upstream's order for terminated pods: evicted first, then by creation time, then by name. */
export function byEvictionAndCreation(a: any, b: any): number {
  const ea = isEvicted(a), eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0, tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

export class PodGCController {
  readonly name = 'pod-garbage-collector';
  private readonly cfg: PodGCConfig;
  private readonly now: () => number;
  /** Missing nodes and when their quarantine ends. */
  private readonly quarantine = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(cfg: PodGCConfig) {
    this.cfg = cfg;
    this.now = cfg.now ?? Date.now;
  }

  /** Runs gc at once and then every period, as upstream's wait.Until. */
  start(): void {
    this.stopped = false;
    const tick = () => {
      this.timer = null;
      this.running = this.gc().catch((err) => this.cfg.log?.('pod gc failed', { error: String(err) })).finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(tick, this.cfg.gcCheckPeriodMs ?? 20_000);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass over the cached pods and nodes. */
  async gc(): Promise<void> {
    const pods = this.cfg.pods.list();
    const done = new Set<string>();
    const threshold = this.cfg.terminatedPodThreshold ?? 12500;
    if (threshold > 0) {
      const terminated = pods.filter(isPodTerminated);
      const excess = terminated.length - threshold;
      if (excess > 0) {
        this.cfg.log?.('garbage collecting pods', { numPods: excess });
        await this.deleteAll(terminated.sort(byEvictionAndCreation).slice(0, excess), done);
      }
    }
    await this.deleteAll(pods.filter((p) => {
      if (!p.metadata.deletionTimestamp || !p.spec?.nodeName) return false;
      const node = this.cfg.nodes.get(p.spec.nodeName);
      return node && !isNodeReady(node) && (node.spec?.taints ?? []).some((t: any) => t.key === OUT_OF_SERVICE_TAINT);
    }).sort(byEvictionAndCreation), done);
    await this.gcOrphaned(pods, done);
    await this.deleteAll(pods.filter((p) => p.metadata.deletionTimestamp && !p.spec?.nodeName), done);
  }

  private async gcOrphaned(pods: any[], done: Set<string>): Promise<void> {
    const now = this.now();
    for (const p of pods) {
      const node = p.spec?.nodeName;
      if (node && !this.cfg.nodes.get(node) && !this.quarantine.has(node)) this.quarantine.set(node, now + (this.cfg.quarantineMs ?? 40_000));
    }
    const deleted = new Set<string>();
    for (const [node, until] of [...this.quarantine]) {
      if (until > now) continue;
      this.quarantine.delete(node);
      if (this.cfg.nodes.get(node)) continue;
      // The cache may lag: only the apiserver's NotFound proves the node is gone.
      try {
        await this.cfg.client.get(NODES, '', node);
      } catch (err) {
        if ((err as any)?.status?.code === 404) deleted.add(node);
        else this.cfg.log?.('error while getting node', { node, error: String(err) });
      }
    }
    const orphans = pods.filter((p) => deleted.has(p.spec?.nodeName));
    for (const p of orphans) this.cfg.log?.('found orphaned pod assigned to the node, deleting', { pod: keyOf(p), node: p.spec.nodeName });
    await this.deleteAll(orphans, done, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
  }

  private async deleteAll(pods: any[], done: Set<string>, condition?: GCCondition): Promise<void> {
    const todo = pods.filter((p) => !done.has(keyOf(p)));
    for (const p of todo) done.add(keyOf(p));
    await Promise.all(todo.map((p) => this.markFailedAndDelete(p, condition).catch((err) => {
      if ((err as any)?.status?.code !== 404) this.cfg.log?.('pod gc could not delete pod', { pod: keyOf(p), error: String((err as Error)?.message ?? err) });
    })));
  }

  private async markFailedAndDelete(pod: any, condition?: GCCondition): Promise<void> {
    const { namespace, name, uid } = pod.metadata;
    this.cfg.log?.('PodGC is force deleting Pod', { pod: `${namespace}/${name}` });
    const phase = pod.status?.phase;
    if (phase !== 'Succeeded' && phase !== 'Failed') {
      const status: any = { phase: 'Failed' };
      if (condition) {
        const conditions: any[] = pod.status?.conditions ?? [];
        const prev = conditions.find((c) => c.type === condition.type);
        const t = new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
        const next = { ...condition, lastProbeTime: null, lastTransitionTime: prev && prev.status === condition.status ? prev.lastTransitionTime : t };
        status.conditions = prev ? conditions.map((c) => (c.type === condition.type ? next : c)) : [...conditions, next];
      }
      await this.cfg.client.patch(PODS, namespace, name, { metadata: { uid }, status }, { type: 'merge', subresource: 'status' });
    }
    await this.cfg.client.delete(PODS, namespace, name, { gracePeriodSeconds: 0 });
  }
}
