// InterPodAffinity filtering: counts, per topology pair, the pods that the
// incoming pod's required terms match and the existing pods whose required
// anti-affinity matches the incoming pod; Filter then reads the counts.
import type { StateData } from '../../framework/cycle-state.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { AffinityTerm, NamespaceLabels, PodInfo } from '../../framework/pod-info.ts';
import { termMatches } from '../../framework/pod-info.ts';

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

export function computeFilterState(pod: PodInfo, all: NodeInfo[], withAnti: NodeInfo[], ns: NamespaceLabels): FilterState {
  const s = new FilterState(pod);
  const own = pod.requiredAffinity.length + pod.requiredAntiAffinity.length > 0;
  for (const node of own ? all : withAnti) {
    for (const existing of own ? node.pods : node.podsWithRequiredAntiAffinity) {
      if (existing.uid === pod.uid) continue;
      account(s, existing, node, ns, 1);
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
