// Topology spread constraints of a pod (its own, or the cluster defaults
// with a selector built from the Services and controllers that own it).
import type { Listers } from '../../framework/types.ts';
import type { LabelSelector } from '../../framework/selectors.ts';
import { matchesSelector, findUntoleratedTaint } from '../../framework/selectors.ts';
import { nodeMatcher } from '../../framework/node-matcher.ts';
import type { PodInfo } from '../../framework/pod-info.ts';

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

export const SYSTEM_DEFAULT_CONSTRAINTS = [
  { maxSkew: 3, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
  { maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
];

function toConstraint(c: any, pod: any, selector?: LabelSelector): Constraint {
  let sel: LabelSelector = selector ?? c.labelSelector ?? { matchExpressions: [{ key: '\u0000never', operator: 'Exists' }] };
  const labels = pod.metadata?.labels ?? {};
  const keys: string[] = (c.matchLabelKeys ?? []).filter((k: string) => k in labels);
  if (keys.length) sel = { ...sel, matchExpressions: [...(sel.matchExpressions ?? []), ...keys.map((k) => ({ key: k, operator: 'In', values: [labels[k]] }))] };
  return {
    maxSkew: c.maxSkew ?? 1, topologyKey: c.topologyKey, selector: sel, minDomains: c.minDomains ?? 1,
    honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor', honorTaints: c.nodeTaintsPolicy === 'Honor',
  };
}

/** The selector upstream derives for default constraints; null when nothing selects the pod. */
export function defaultSelector(pod: any, listers: Listers): LabelSelector | null {
  const ns = pod.metadata?.namespace ?? 'default';
  const labels = pod.metadata?.labels ?? {};
  const matchLabels: Record<string, string> = {};
  const matchExpressions: any[] = [];
  for (const svc of listers.list('services', ns)) {
    const sel = svc.spec?.selector;
    if (sel && Object.keys(sel).length && Object.entries<string>(sel).every(([k, v]) => labels[k] === v)) Object.assign(matchLabels, sel);
  }
  for (const rc of listers.list('replicationcontrollers', ns)) {
    const sel = rc.spec?.selector;
    if (sel && Object.keys(sel).length && Object.entries<string>(sel).every(([k, v]) => labels[k] === v)) Object.assign(matchLabels, sel);
  }
  const owner = (pod.metadata?.ownerReferences ?? []).find((o: any) => o.controller);
  if (owner && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
    const obj = listers.get(owner.kind === 'ReplicaSet' ? 'replicasets' : 'statefulsets', ns, owner.name);
    if (obj?.spec?.selector) {
      Object.assign(matchLabels, obj.spec.selector.matchLabels ?? {});
      matchExpressions.push(...(obj.spec.selector.matchExpressions ?? []));
    }
  }
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) return null;
  return { matchLabels, matchExpressions };
}

export function podConstraints(pod: any, when: 'DoNotSchedule' | 'ScheduleAnyway', defaults: any[], listers: Listers): Constraint[] {
  const own: any[] = pod.spec?.topologySpreadConstraints ?? [];
  if (own.length) return own.filter((c) => (c.whenUnsatisfiable ?? 'DoNotSchedule') === when).map((c) => toConstraint(c, pod));
  const ds = defaults.filter((c) => (c.whenUnsatisfiable ?? 'DoNotSchedule') === when);
  if (ds.length === 0) return [];
  const sel = defaultSelector(pod, listers);
  return sel ? ds.map((c) => toConstraint(c, pod, sel)) : [];
}

export function nodeHasKeys(node: any, cs: Constraint[]): boolean {
  const labels = node?.metadata?.labels ?? {};
  return cs.every((c) => c.topologyKey in labels);
}

/** Whether a node counts for a constraint under its nodeAffinityPolicy and nodeTaintsPolicy. */
export function nodeCounts(c: Constraint, pod: any, node: any): boolean {
  if (c.honorAffinity && !nodeMatcher(pod)(node)) return false;
  if (c.honorTaints && findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) return false;
  return true;
}

export function countMatching(pods: PodInfo[], sel: LabelSelector, ns: string): number {
  let n = 0;
  for (const p of pods) {
    const m = p.pod.metadata;
    if (m.deletionTimestamp || (m.namespace ?? 'default') !== ns) continue;
    if (matchesSelector(sel, m.labels)) n++;
  }
  return n;
}
