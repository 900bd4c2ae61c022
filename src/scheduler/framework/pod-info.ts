// A pod with what the scheduler needs precomputed once: requests, host
// ports and parsed (anti-)affinity terms.
import { deepEqual } from '../../api/core/v1/checks.ts';
import type { Resource } from './resources.ts';
import { podRequests } from './resources.ts';
import type { LabelSelector, Requirement } from './selectors.ts';
import { matchesSelector } from './selectors.ts';

export interface AffinityTerm {
  namespaces: Set<string>;
  namespaceSelector: LabelSelector | null;
  selector: LabelSelector | null;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export interface PodInfo {
  pod: any;
  key: string;
  uid: string;
  requests: Resource;
  /** requests names no extended (scalar) resource: NodeResourcesFit's Filter takes its fast path for every node. */
  standardOnly: boolean;
  nonZero: Resource;
  ports: HostPort[];
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: WeightedAffinityTerm[];
  preferredAntiAffinity: WeightedAffinityTerm[];
}

/** Namespace labels by name; the scheduler fills it from its namespace informer. */
export type NamespaceLabels = (ns: string) => Record<string, string> | undefined;

function toTerm(pod: any, t: any): AffinityTerm {
  const ns = pod.metadata?.namespace ?? 'default';
  let selector: LabelSelector | null = t.labelSelector ?? null;
  // matchLabelKeys / mismatchLabelKeys narrow the selector with this pod's own label values.
  const extra: Requirement[] = [];
  const labels = pod.metadata?.labels ?? {};
  for (const k of t.matchLabelKeys ?? []) if (k in labels) extra.push({ key: k, operator: 'In', values: [labels[k]] });
  for (const k of t.mismatchLabelKeys ?? []) if (k in labels) extra.push({ key: k, operator: 'NotIn', values: [labels[k]] });
  if (selector && extra.length) selector = { ...selector, matchExpressions: [...(selector.matchExpressions ?? []), ...extra] };
  const namespaces = new Set<string>(t.namespaces ?? []);
  const namespaceSelector: LabelSelector | null = t.namespaceSelector ?? null;
  if (namespaces.size === 0 && !namespaceSelector) namespaces.add(ns);
  return { namespaces, namespaceSelector, selector, topologyKey: t.topologyKey ?? '' };
}

export function termMatches(term: AffinityTerm, pod: any, nsLabels: NamespaceLabels): boolean {
  const ns = pod.metadata?.namespace ?? 'default';
  if (!term.namespaces.has(ns) && !(term.namespaceSelector && matchesSelector(term.namespaceSelector, nsLabels(ns)))) return false;
  return matchesSelector(term.selector, pod.metadata?.labels);
}

function hostPorts(pod: any): HostPort[] {
  const out: HostPort[] = [];
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

function hasScalar(r: Resource): boolean {
  for (const _ in r.scalar) return true;
  return false;
}

export function newPodInfo(pod: any): PodInfo {
  const aff = pod.spec?.affinity ?? {};
  const req = (a: any) => (a?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t: any) => toTerm(pod, t));
  const pref = (a: any) => (a?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
    .map((w: any) => ({ ...toTerm(pod, w.podAffinityTerm ?? {}), weight: w.weight ?? 0 }));
  const requests = podRequests(pod);
  return {
    pod,
    key: `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name}`,
    uid: pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`,
    requests,
    standardOnly: !hasScalar(requests),
    nonZero: podRequests(pod, true),
    ports: hostPorts(pod),
    requiredAffinity: req(aff.podAffinity),
    requiredAntiAffinity: req(aff.podAntiAffinity),
    preferredAffinity: pref(aff.podAffinity),
    preferredAntiAffinity: pref(aff.podAntiAffinity),
  };
}

export function podPriority(pod: any): number {
  return typeof pod?.spec?.priority === 'number' ? pod.spec.priority : 0;
}

export function hasAffinity(pi: PodInfo): boolean {
  return pi.requiredAffinity.length + pi.requiredAntiAffinity.length + pi.preferredAffinity.length + pi.preferredAntiAffinity.length > 0;
}

/** Same keys with identical values; absent and {} are the same. No key arrays: it runs for every pod and node update. */
export function sameRecord(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in a) {
    if (a[k] !== b?.[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

function sameContainers(a: any[] | undefined, b: any[] | undefined): boolean {
  if ((a?.length ?? 0) !== (b?.length ?? 0)) return false;
  for (let i = 0; i < (a?.length ?? 0); i++) {
    const x = a![i];
    const y = b![i];
    if (x.restartPolicy !== y.restartPolicy || !sameRecord(x.resources?.requests, y.resources?.requests)) return false;
    if ((x.ports || y.ports) && !deepEqual(x.ports, y.ports)) return false;
  }
  return true;
}

/**
 * Whether newPodInfo would make the same PodInfo of b as of a, all but the
 * pod object itself: the fields it reads (identity, labels, priority,
 * requests, host ports, affinity) are equal. A bound pod's status writes
 * (the kubelet's, every few seconds on a busy node) then swap the object
 * in place instead of taking the pod off its node and parsing it again.
 */
export function sameSchedulingShape(a: any, b: any): boolean {
  const ma = a.metadata ?? {};
  const mb = b.metadata ?? {};
  const sa = a.spec ?? {};
  const sb = b.spec ?? {};
  return ma.uid === mb.uid && ma.name === mb.name && ma.namespace === mb.namespace && sameRecord(ma.labels, mb.labels)
    && sa.priority === sb.priority && sa.nodeName === sb.nodeName && sameRecord(sa.overhead, sb.overhead)
    && sameContainers(sa.containers, sb.containers) && sameContainers(sa.initContainers, sb.initContainers)
    && ((!sa.affinity && !sb.affinity) || deepEqual(sa.affinity, sb.affinity));
}
