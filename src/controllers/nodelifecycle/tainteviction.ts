// The taint eviction controller (upstream's taint-eviction-controller, once
// the NoExecute taint manager): a pod on a node with NoExecute taints it does
// not tolerate is deleted at once; one that tolerates them for
// tolerationSeconds is deleted when that time has passed since the taint
// was first seen, unless the taints go or the pod tolerates them forever.
// Deleted pods first get the DisruptionTarget condition.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Recorder } from '../../client/events.ts';
import { evictionDecision } from './taints.ts';
import type { Taint } from './taints.ts';
import { isDeepStrictEqual } from 'node:util';

const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
const RETRIES = 5;

export interface TaintEvictionConfig {
  client: Client;
  nodes: Informer;
  pods: Informer; // with a byNodeName index named `node`
  recorder: Recorder;
  now?: () => number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

interface Work {
  createdAt: number;
  fireAt: number;
  timer: NodeJS.Timeout;
}

const noExecute = (node: any): Taint[] => ((node?.spec?.taints ?? []) as Taint[]).filter((t) => t.effect === 'NoExecute');
const podRef = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name } });

export class TaintEvictionController {
  readonly name = 'taint-eviction-controller';
  private readonly cfg: TaintEvictionConfig;
  private readonly now: () => number;
  private readonly work = new Map<string, Work>();
  private readonly tainted = new Map<string, Taint[]>();
  private stopped = false;

  constructor(cfg: TaintEvictionConfig) {
    this.cfg = cfg;
    this.now = cfg.now ?? Date.now;
  }

  /** Wires the informers; call before they start. */
  register(): void {
    this.cfg.nodes.on({
      add: (n) => this.nodeUpdated(undefined, n),
      update: (o, n) => this.nodeUpdated(o, n),
      delete: (n) => this.tainted.delete(n.metadata.name),
    });
    this.cfg.pods.on({
      add: (p) => this.podUpdated(p),
      update: (o, p) => {
        if (o.spec?.nodeName !== p.spec?.nodeName || !isDeepStrictEqual(o.spec?.tolerations ?? [], p.spec?.tolerations ?? [])) this.podUpdated(p);
      },
      delete: (p) => this.cancel(p.metadata.namespace, p.metadata.name),
    });
  }

  /** Evictions scheduled, by pod key, with the time they fire (for tests and debugging). */
  scheduled(): Map<string, number> {
    return new Map([...this.work].map(([k, w]) => [k, w.fireAt]));
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.work.values()) clearTimeout(w.timer);
    this.work.clear();
  }

  private nodeUpdated(old: any, node: any): void {
    const taints = noExecute(node);
    if (old && isDeepStrictEqual(noExecute(old), taints)) return;
    const name = node.metadata.name;
    if (taints.length) this.tainted.set(name, taints);
    else this.tainted.delete(name);
    const now = this.now();
    for (const pod of this.cfg.pods.byIndex('node', name)) this.processPod(pod, taints, now);
  }

  private podUpdated(pod: any): void {
    const node = pod.spec?.nodeName;
    if (!node) return;
    const taints = this.tainted.get(node);
    if (!taints) return;
    this.processPod(pod, taints, this.now());
  }

  private processPod(pod: any, taints: Taint[], now: number): void {
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name;
    const d = evictionDecision(taints, pod.spec?.tolerations ?? []);
    if (d.action === 'cancel') return this.cancel(ns, name);
    if (d.action === 'evictNow') {
      this.cancel(ns, name);
      return this.schedule(ns, name, now, now);
    }
    const key = `${ns}/${name}`;
    const existing = this.work.get(key);
    // An eviction already scheduled keeps its time, as upstream's does (its start is always earlier than now).
    if (existing && existing.createdAt + d.seconds * 1000 < now + d.seconds * 1000) return;
    const start = existing ? existing.createdAt : now;
    if (existing) this.cancel(ns, name);
    this.schedule(ns, name, start, start + d.seconds * 1000);
  }

  private schedule(ns: string, name: string, createdAt: number, fireAt: number): void {
    if (this.stopped) return;
    const key = `${ns}/${name}`;
    const timer = setTimeout(() => {
      this.work.delete(key);
      void this.evict(ns, name);
    }, Math.max(0, fireAt - this.now()));
    this.work.set(key, { createdAt, fireAt, timer });
  }

  private cancel(ns: string, name: string): void {
    const key = `${ns}/${name}`;
    const w = this.work.get(key);
    if (!w) return;
    clearTimeout(w.timer);
    this.work.delete(key);
    this.cfg.recorder.event(podRef(ns, name), 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  private async evict(ns: string, name: string): Promise<void> {
    this.cfg.recorder.event(podRef(ns, name), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${name}`);
    let last: unknown;
    for (let i = 0; i < RETRIES && !this.stopped; i++) {
      try {
        await this.markAndDelete(ns, name);
        return;
      } catch (err) {
        if ((err as any)?.status?.code === 404) return;
        last = err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    this.cfg.log?.('could not evict pod', { pod: `${ns}/${name}`, error: String(last) });
  }

  private async markAndDelete(ns: string, name: string): Promise<void> {
    const pod = await this.cfg.client.get(PODS, ns, name);
    const conditions: any[] = pod.status?.conditions ?? [];
    const prev = conditions.find((c) => c.type === 'DisruptionTarget');
    const reason = 'DeletionByTaintManager';
    const message = 'Taint manager: deleting due to NoExecute taint';
    if (!prev || prev.status !== 'True' || prev.reason !== reason || prev.message !== message) {
      const t = new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
      const cond = { type: 'DisruptionTarget', status: 'True', reason, message, lastProbeTime: null, lastTransitionTime: prev?.status === 'True' ? prev.lastTransitionTime : t };
      await this.cfg.client.patch(PODS, ns, name, {
        metadata: { uid: pod.metadata.uid },
        status: { conditions: [...conditions.filter((c) => c.type !== 'DisruptionTarget'), cond] },
      }, { type: 'merge', subresource: 'status' });
    }
    await this.cfg.client.delete(PODS, ns, name, { preconditions: { uid: pod.metadata.uid } });
  }
}
