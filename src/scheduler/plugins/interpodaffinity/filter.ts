// InterPodAffinity filtering: counts, per topology pair, the pods that the
// incoming pod's required terms match and the existing pods whose required
// anti-affinity matches the incoming pod; Filter then reads the counts.
import type { StateData } from '../../framework/cycle-state.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { AffinityTerm, NamespaceLabels, PodInfo } from '../../framework/pod-info.ts';
import { termMatches } from '../../framework/pod-info.ts';
import { matchesSelector } from '../../framework/selectors.ts';
import type { Snapshot } from '../../framework/types.ts';
import type { IndexedPod } from '../../cache/pod-index.ts';

export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

const pair = (k: string, v: string) => `${k}\u0000${v}`;

export class Counts extends Map<string, number> {
  bump(node: any, key: string, by: number): void {
    const v = node?.metadata?.labels?.[key];
    if (v === undefined) return;
    const p = pair(key, v);
    const n = (this.get(p) ?? 0) + by;
    if (n === 0) this.delete(p);
    else this.set(p, n);
  }
  at(node: any, key: string): number | undefined {
    const v = node?.metadata?.labels?.[key];
    return v === undefined ? undefined : (this.get(pair(key, v)) ?? 0);
  }
  copy(): Counts {
    return new Counts(this);
  }
}

export class FilterState implements StateData {
  existingAnti = new Counts();
  affinity = new Counts();
  anti = new Counts();
  pod: PodInfo;
  constructor(pod: PodInfo) {
    this.pod = pod;
  }
  clone(): FilterState {
    const c = new FilterState(this.pod);
    c.existingAnti = this.existingAnti.copy();
    c.affinity = this.affinity.copy();
    c.anti = this.anti.copy();
    return c;
  }
}

export function matchesAllTerms(terms: AffinityTerm[], pod: any, ns: NamespaceLabels): boolean {
  return terms.length > 0 && terms.every((t) => termMatches(t, pod, ns));
}

/** Adds (by=1) or removes (by=-1) one existing pod's contribution. */
export function account(s: FilterState, existing: PodInfo, node: NodeInfo, ns: NamespaceLabels, by: number): void {
  const n = node.node;
  for (const t of existing.requiredAntiAffinity) if (termMatches(t, s.pod.pod, ns)) s.existingAnti.bump(n, t.topologyKey, by);
  if (s.pod.requiredAffinity.length && matchesAllTerms(s.pod.requiredAffinity, existing.pod, ns)) {
    for (const t of s.pod.requiredAffinity) s.affinity.bump(n, t.topologyKey, by);
  }
  for (const t of s.pod.requiredAntiAffinity) if (termMatches(t, existing.pod, ns)) s.anti.bump(n, t.topologyKey, by);
}

/** The pods a term can match, from the cache's index: per namespace it names or its namespaceSelector selects. */
export function* termCandidates(t: AffinityTerm, snap: Snapshot, ns: NamespaceLabels): Iterable<IndexedPod> {
  for (const n of t.namespaces) yield* snap.podCandidates(n, t.selector);
  if (!t.namespaceSelector) return;
  for (const n of snap.podNamespaces()) {
    if (!t.namespaces.has(n) && matchesSelector(t.namespaceSelector, ns(n))) yield* snap.podCandidates(n, t.selector);
  }
}

/**
 * PreFilter state: existing pods' required anti-affinity from the nodes that
 * have some, and the incoming pod's own terms over the pods the cache's
 * label index offers for them (not every pod of every node).
 */
export function computeFilterState(pod: PodInfo, snap: Snapshot, withAnti: NodeInfo[], ns: NamespaceLabels): FilterState {
  const s = new FilterState(pod);
  for (const node of withAnti) {
    for (const existing of node.podsWithRequiredAntiAffinity) {
      if (existing.uid === pod.uid) continue;
      for (const t of existing.requiredAntiAffinity) if (termMatches(t, pod.pod, ns)) s.existingAnti.bump(node.node, t.topologyKey, 1);
    }
  }
  if (pod.requiredAffinity.length) {
    for (const e of termCandidates(pod.requiredAffinity[0], snap, ns)) {
      if (e.pi.uid === pod.uid || !matchesAllTerms(pod.requiredAffinity, e.pi.pod, ns)) continue;
      for (const t of pod.requiredAffinity) s.affinity.bump(e.node.node, t.topologyKey, 1);
    }
  }
  for (const t of pod.requiredAntiAffinity) {
    for (const e of termCandidates(t, snap, ns)) {
      if (e.pi.uid !== pod.uid && termMatches(t, e.pi.pod, ns)) s.anti.bump(e.node.node, t.topologyKey, 1);
    }
  }
  return s;
}

export function satisfiesAffinity(s: FilterState, node: any, ns: NamespaceLabels): boolean {
  let exist = true;
  for (const t of s.pod.requiredAffinity) {
    const c = s.affinity.at(node, t.topologyKey);
    if (c === undefined) return false; // every topology label must be on the node
    if (c <= 0) exist = false;
  }
  if (exist) return true;
  // The first pod of a group with affinity to itself may go anywhere with the topology labels.
  return s.affinity.size === 0 && matchesAllTerms(s.pod.requiredAffinity, s.pod.pod, ns);
}

export function satisfiesAntiAffinity(s: FilterState, node: any): boolean {
  for (const t of s.pod.requiredAntiAffinity) if ((s.anti.at(node, t.topologyKey) ?? 0) > 0) return false;
  return true;
}

export function satisfiesExistingAntiAffinity(s: FilterState, node: any): boolean {
  if (s.existingAnti.size === 0) return true;
  const labels = node?.metadata?.labels ?? {};
  for (const [k, v] of Object.entries<string>(labels)) if ((s.existingAnti.get(pair(k, v)) ?? 0) > 0) return false;
  return true;
}
