// Taint and toleration logic of the node lifecycle and taint eviction
// controllers, as upstream defines it: which tolerations match which taints,
// how long a pod may stay on a NoExecute-tainted node, which NoSchedule
// taints a node's conditions call for, and how healthy a zone is.

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';
export const UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const UNREACHABLE_NO_EXECUTE: Taint = { key: UNREACHABLE, effect: 'NoExecute' };
export const NOT_READY_NO_EXECUTE: Taint = { key: NOT_READY, effect: 'NoExecute' };

/** Node condition (type → status) to the key of the NoSchedule taint it calls for. */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: NOT_READY, Unknown: UNREACHABLE },
  MemoryPressure: { True: 'node.kubernetes.io/memory-pressure' },
  DiskPressure: { True: 'node.kubernetes.io/disk-pressure' },
  NetworkUnavailable: { True: 'node.kubernetes.io/network-unavailable' },
  PIDPressure: { True: 'node.kubernetes.io/pid-pressure' },
};
const CONDITION_TAINT_KEYS = new Set(Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)));

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists': return true;
    case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    default: return false;
  }
}

/** GetMatchingTolerations: whether every taint is tolerated, and the first toleration used for each. */
export function matchingTolerations(taints: Taint[], tolerations: Toleration[]): { all: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => toleratesTaint(x, taint));
    if (!t) return { all: false, used: [] };
    used.push(t);
  }
  return { all: true, used };
}

/** The shortest tolerationSeconds among the used tolerations: 0 for none or a non-positive one, -1 for forever. */
export function minTolerationSeconds(used: Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return Number.isFinite(min) ? min : -1;
}

export type EvictionDecision = { action: 'cancel' } | { action: 'evictNow' } | { action: 'evictAfter'; seconds: number };

/** What the taint eviction controller does with a pod on a node with these NoExecute taints. */
export function evictionDecision(taints: Taint[], tolerations: Toleration[]): EvictionDecision {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { action: 'cancel' };
  const { all, used } = matchingTolerations(noExecute, tolerations);
  if (!all) return { action: 'evictNow' };
  const s = minTolerationSeconds(used);
  return s < 0 ? { action: 'cancel' } : { action: 'evictAfter', seconds: s };
}

export const sameTaint = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;

/** The NoSchedule taints a node's conditions and spec.unschedulable call for. */
export function wantedNoScheduleTaints(node: any): Taint[] {
  const out: Taint[] = [];
  for (const c of node?.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) out.push({ key, effect: 'NoSchedule' });
  }
  if (node?.spec?.unschedulable) out.push({ key: UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/** The NoSchedule taints this controller owns that the node has and should not, and those it lacks. */
export function noScheduleDiff(node: any): { add: Taint[]; remove: Taint[] } {
  const want = wantedNoScheduleTaints(node);
  const have = ((node?.spec?.taints ?? []) as Taint[]).filter((t) => t.effect === 'NoSchedule' && (t.key === UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)));
  return {
    add: want.filter((w) => !have.some((h) => sameTaint(h, w))),
    remove: have.filter((h) => !want.some((w) => sameTaint(h, w))),
  };
}

/** The node's taints with some added (stamped with timeAdded, replacing same key and effect) and some removed. */
export function swapTaints(taints: Taint[], add: Taint[], remove: Taint[], now: string): Taint[] {
  const kept = taints.filter((t) => !remove.some((r) => sameTaint(r, t)) && !add.some((a) => sameTaint(a, t)));
  return [...kept, ...add.map((a) => ({ ...a, timeAdded: now }))];
}

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** ComputeZoneState: fully disrupted with no Ready node; partially with more than 2 and at least the threshold not Ready. */
export function computeZoneState(readyStatuses: (string | undefined)[], unhealthyThreshold: number): { notReady: number; state: ZoneState } {
  const ready = readyStatuses.filter((s) => s === 'True').length;
  const notReady = readyStatuses.length - ready;
  if (ready === 0 && notReady > 0) return { notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (ready + notReady) >= unhealthyThreshold) return { notReady, state: 'PartialDisruption' };
  return { notReady, state: 'Normal' };
}

/** GetZoneKey: region and zone from the topology labels (or their beta forms); '' when neither is set. */
export function zoneKey(node: any): string {
  const l = node?.metadata?.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\u0000:${zone}`;
}
