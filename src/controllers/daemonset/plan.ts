// The decisions of a DaemonSet sync, as pure functions over the cached
// state (upstream's podsShouldBeOnNode, rollingUpdate and
// updateDaemonSetStatus): which nodes need a pod, which pods go, and the
// status counts. index.ts does the I/O.
import { isPodAvailable, isPodReady } from '../util/pods.ts';
import { REVISION_HASH_LABEL } from '../history/index.ts';
import { byCreation, isPodUpdated, nodeShouldRunDaemonPod, surgeAndUnavailable, targetNodeName, templateGeneration } from './placement.ts';

export interface SyncState {
  ds: any;
  nodes: any[];
  /** Daemon pods by target node (terminal pods that are being deleted left out). */
  byNode: Map<string, any[]>;
  hash: string;
  now: Date;
}

/** Failed-pod backoff per DaemonSet and node (upstream's failedPodsBackoff: 1 s doubling to 15 min). */
export class FailedPodBackoff {
  private readonly entries = new Map<string, { delayMs: number; at: number }>();
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(initialMs = 1000, maxMs = 15 * 60_000) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
  }

  /** The remaining wait when key is still backing off at now. */
  remaining(key: string, now: Date): number | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const left = e.at + e.delayMs - now.getTime();
    return left > 0 ? left : undefined;
  }

  next(key: string, now: Date): void {
    const e = this.entries.get(key);
    // A long quiet spell resets the delay, as upstream's backoff does after twice the maximum.
    const fresh = !e || now.getTime() - e.at > 2 * this.maxMs;
    this.entries.set(key, { delayMs: fresh ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs), at: now.getTime() });
  }
}

export function groupByNode(pods: any[]): Map<string, any[]> {
  const out = new Map<string, any[]>();
  for (const p of pods) {
    const terminal = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    if (terminal && p.metadata.deletionTimestamp) continue;
    const node = targetNodeName(p);
    if (!node) continue;
    let list = out.get(node);
    if (!list) out.set(node, (list = []));
    list.push(p);
  }
  return out;
}

export function allowsSurge(ds: any): boolean {
  return surgeAndUnavailable(ds, 1).maxSurge > 0;
}

export interface ManagePlan {
  create: string[];
  remove: any[];
  failed: { pod: any; node: string }[];
  requeueAfterMs?: number;
}

/** Upstream's manage: per node, create the missing pod, replace failed ones (with backoff), prune extras and misplaced pods. */
export function planManage(s: SyncState, backoff: FailedPodBackoff): ManagePlan {
  const plan: ManagePlan = { create: [], remove: [], failed: [] };
  const surge = allowsSurge(s.ds);
  const requeue = (ms: number) => { plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, ms); };
  for (const node of s.nodes) {
    const name = node.metadata.name;
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, s.ds);
    const pods = s.byNode.get(name);
    if (shouldRun && !pods) {
      plan.create.push(name);
    } else if (shouldContinueRunning) {
      const running: any[] = [];
      for (const pod of pods ?? []) {
        if (pod.metadata.deletionTimestamp) continue;
        if (pod.status?.phase === 'Failed') {
          const key = `${s.ds.metadata.uid}/${name}`;
          const wait = backoff.remaining(key, s.now);
          if (wait !== undefined) { requeue(wait); continue; }
          backoff.next(key, s.now);
          plan.failed.push({ pod, node: name });
          plan.remove.push(pod);
        } else if (pod.status?.phase === 'Succeeded') {
          plan.remove.push(pod);
        } else {
          running.push(pod);
        }
      }
      running.sort(byCreation);
      if (!surge) {
        plan.remove.push(...running.slice(1));
        continue;
      }
      if (running.length <= 1) {
        if (running.length === 0 && shouldRun) plan.create.push(name);
        continue;
      }
      // Surging allows one old and one new pod, and the old one only while the new one is not yet available.
      let newest: any;
      let oldest: any;
      for (const pod of running) {
        if (pod.metadata.labels?.[REVISION_HASH_LABEL] === s.hash) { if (!newest) { newest = pod; continue; } } else if (!oldest) { oldest = pod; continue; }
        plan.remove.push(pod);
      }
      if (newest && oldest && (!isPodReady(oldest) || isPodAvailable(newest, s.ds.spec?.minReadySeconds ?? 0, s.now))) plan.remove.push(oldest);
    } else if (pods) {
      plan.remove.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
    }
  }
  // Unbound pods for nodes that are gone would never be scheduled, and pod GC does not see them.
  const live = new Set(s.nodes.map((n) => n.metadata.name));
  for (const [name, pods] of s.byNode) if (!live.has(name)) plan.remove.push(...pods.filter((p) => !p.spec?.nodeName));
  return plan;
}

/** Updated and old pod on a node, or ok=false when there are several of either (the manage step prunes them first). */
function podsOnNode(pods: any[], hash: string, generation: number | undefined): { newPod?: any; oldPod?: any; ok: boolean } {
  let newPod: any;
  let oldPod: any;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** Upstream's rollingUpdate: old pods to delete and nodes to surge onto, within maxUnavailable or maxSurge. */
export function planRollingUpdate(s: SyncState): { create: string[]; remove: any[] } {
  const { ds, now, hash } = s;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: any) => isPodAvailable(p, minReady, now);
  const generation = templateGeneration(ds);
  const nodesByName = new Map(s.nodes.map((n) => [n.metadata.name, n]));
  const byNode = new Map(s.byNode);
  let desired = 0;
  for (const node of s.nodes) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desired++;
    if (!byNode.has(node.metadata.name)) byNode.set(node.metadata.name, []);
  }
  const { maxSurge, maxUnavailable } = surgeAndUnavailable(ds, desired);
  const shouldRun = (name: string) => { const n = nodesByName.get(name); return n ? nodeShouldRunDaemonPod(n, ds).shouldRun : false; };

  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: any[] = [];
    const candidates: any[] = [];
    for (const pods of byNode.values()) {
      const { newPod, oldPod, ok } = podsOnNode(pods, hash, generation);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) { unavailable++; continue; }
      if (newPod) { if (!available(newPod)) unavailable++; continue; }
      if (!available(oldPod)) { replace.push(oldPod); unavailable++; } else if (unavailable < maxUnavailable) candidates.push(oldPod);
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { create: [], remove: [...replace, ...candidates.slice(0, room)] };
  }

  const remove: any[] = [];
  const shouldNotRun: any[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let surging = 0;
  let numAvailable = 0;
  for (const [name, pods] of byNode) {
    const { newPod, oldPod, ok } = podsOnNode(pods, hash, generation);
    if (!ok) { surging++; continue; }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(name)) remove.push(oldPod);
        else allowedNodes.push(name);
      } else if (!shouldRun(name)) {
        shouldNotRun.push(oldPod);
      } else if (surging < maxSurge) {
        candidateNodes.push(name);
      }
    } else if (!available(newPod)) {
      surging++;
    } else {
      remove.push(oldPod);
    }
  }
  // With surge the owner expects full availability: pods on nodes that no longer fit go only as others become available.
  const deletable = Math.min(numAvailable - desired, shouldNotRun.length);
  if (deletable > 0) remove.push(...shouldNotRun.slice(0, deletable));
  const room = Math.min(Math.max(0, maxSurge - surging), candidateNodes.length);
  return { create: [...allowedNodes, ...candidateNodes.slice(0, room)], remove };
}

export interface DaemonCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

/** Upstream's status counts: per node that should run, the oldest daemon pod decides ready/available/updated. */
export function countStatus(s: SyncState): DaemonCounts {
  const c: DaemonCounts = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0 };
  const generation = templateGeneration(s.ds);
  for (const node of s.nodes) {
    const pods = s.byNode.get(node.metadata.name) ?? [];
    if (!nodeShouldRunDaemonPod(node, s.ds).shouldRun) {
      if (pods.length) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    if (!pods.length) continue;
    c.currentNumberScheduled++;
    const pod = [...pods].sort(byCreation)[0];
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, s.ds.spec?.minReadySeconds ?? 0, s.now)) c.numberAvailable++;
    }
    if (isPodUpdated(pod, s.hash, generation)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}
