// Pods in the cache (bound and assumed) indexed by namespace and by label,
// kept up to date as pods are placed and removed, so that PreFilter of
// PodTopologySpread and InterPodAffinity visits the pods a selector can
// match instead of every pod on every node.
import type { NodeInfo } from '../framework/node-info.ts';
import type { PodInfo } from '../framework/pod-info.ts';
import type { LabelSelector } from '../framework/selectors.ts';

export interface IndexedPod {
  pi: PodInfo;
  node: NodeInfo;
}

const EMPTY: ReadonlySet<IndexedPod> = new Set();
const labelKey = (ns: string, k: string, v: string) => `${ns}\u0000${k}\u0000${v}`;
const existsKey = (ns: string, k: string) => `${ns}\u0000${k}`;

export class PodIndex {
  private readonly entries = new Map<string, IndexedPod>();
  private readonly byNs = new Map<string, Set<IndexedPod>>();
  private readonly byLabel = new Map<string, Set<IndexedPod>>();
  private readonly byKey = new Map<string, Set<IndexedPod>>();

  private static put(m: Map<string, Set<IndexedPod>>, k: string, e: IndexedPod): void {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(e);
  }

  private static drop(m: Map<string, Set<IndexedPod>>, k: string, e: IndexedPod): void {
    const s = m.get(k);
    if (!s) return;
    s.delete(e);
    if (s.size === 0) m.delete(k);
  }

  add(pi: PodInfo, node: NodeInfo): void {
    this.remove(pi.uid);
    const e = { pi, node };
    this.entries.set(pi.uid, e);
    const ns = pi.pod.metadata?.namespace ?? 'default';
    PodIndex.put(this.byNs, ns, e);
    for (const [k, v] of Object.entries<string>(pi.pod.metadata?.labels ?? {})) {
      PodIndex.put(this.byLabel, labelKey(ns, k, v), e);
      PodIndex.put(this.byKey, existsKey(ns, k), e);
    }
  }

  remove(uid: string): void {
    const e = this.entries.get(uid);
    if (!e) return;
    this.entries.delete(uid);
    const ns = e.pi.pod.metadata?.namespace ?? 'default';
    PodIndex.drop(this.byNs, ns, e);
    for (const [k, v] of Object.entries<string>(e.pi.pod.metadata?.labels ?? {})) {
      PodIndex.drop(this.byLabel, labelKey(ns, k, v), e);
      PodIndex.drop(this.byKey, existsKey(ns, k), e);
    }
  }

  namespaces(): Iterable<string> {
    return this.byNs.keys();
  }

  /**
   * A superset of the pods in the namespace that the selector matches: the
   * smallest set one of its requirements (k=v, k In (…), k Exists) narrows
   * to. Callers still check the whole selector. A nil selector matches nothing.
   */
  candidates(ns: string, sel: LabelSelector | null | undefined): Iterable<IndexedPod> {
    if (!sel) return EMPTY;
    let best: ReadonlySet<IndexedPod> | IndexedPod[] = this.byNs.get(ns) ?? EMPTY;
    const size = (c: ReadonlySet<IndexedPod> | IndexedPod[]) => (c instanceof Set ? c.size : (c as IndexedPod[]).length);
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
      const s = this.byLabel.get(labelKey(ns, k, v)) ?? EMPTY;
      if (s.size < size(best)) best = s;
    }
    for (const r of sel.matchExpressions ?? []) {
      if (r.operator === 'Exists') {
        const s = this.byKey.get(existsKey(ns, r.key)) ?? EMPTY;
        if (s.size < size(best)) best = s;
      } else if (r.operator === 'In') {
        const sets = (r.values ?? []).map((v) => this.byLabel.get(labelKey(ns, r.key, v)) ?? EMPTY);
        const total = sets.reduce((n, s) => n + s.size, 0);
        if (total < size(best)) best = sets.length === 1 ? sets[0] : sets.flatMap((s) => [...s]);
      }
    }
    return best;
  }
}
