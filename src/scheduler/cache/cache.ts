// The scheduler's cache: nodes and the pods on them, including pods that
// are assumed (a node was chosen, the binding is still in flight), so that
// the next pod never sees the node as emptier than it is.
import { NodeInfo } from '../framework/node-info.ts';
import type { ImageState } from '../framework/node-info.ts';
import type { PodInfo } from '../framework/pod-info.ts';
import { newPodInfo, podPriority, sameRecord, sameSchedulingShape } from '../framework/pod-info.ts';
import type { Snapshot } from '../framework/types.ts';
import type { LabelSelector } from '../framework/selectors.ts';
import { PodIndex } from './pod-index.ts';
import type { IndexedPod } from './pod-index.ts';

interface PodState {
  pi: PodInfo;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
}

const ZONE = 'topology.kubernetes.io/zone';
const REGION = 'topology.kubernetes.io/region';

export class Cache implements Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly pods = new Map<string, PodState>();
  private readonly imageStates = new Map<string, ImageState>();
  private list: NodeInfo[] | null = null;
  private withAffinity: NodeInfo[] | null = null;
  private withAnti: NodeInfo[] | null = null;
  private readonly index = new PodIndex();
  /** How many cached pods have each priority (preemption asks for the lowest). */
  private readonly priorities = new Map<number, number>();
  /** Per topology key: value → how many nodes carry it (dropped whenever node labels change). */
  private topo = new Map<string, Map<string, number>>();

  private info(name: string): NodeInfo {
    let n = this.infos.get(name);
    if (!n) this.infos.set(name, (n = new NodeInfo(name)));
    return n;
  }

  /** The node set or its zones changed: the ordered list and the lists derived from it are stale. */
  private dirty(): void {
    this.list = null;
    this.withAffinity = null;
    this.withAnti = null;
  }

  /** Runs a pod change on a node; the affinity lists are rebuilt only when the node joins or leaves them. */
  private change(info: NodeInfo | undefined, fn: () => void): void {
    const aff = (info?.podsWithAffinity.length ?? 0) > 0;
    const anti = (info?.podsWithRequiredAntiAffinity.length ?? 0) > 0;
    fn();
    if (aff !== (info?.podsWithAffinity.length ?? 0) > 0) this.withAffinity = null;
    if (anti !== (info?.podsWithRequiredAntiAffinity.length ?? 0) > 0) this.withAnti = null;
  }

  // --- Snapshot -----------------------------------------------------------

  /** Nodes interleaved by zone (as upstream's node tree), so a partial scan still spreads. */
  nodes(): NodeInfo[] {
    if (this.list) return this.list;
    const zones = new Map<string, NodeInfo[]>();
    for (const n of [...this.infos.values()].filter((i) => i.node).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const l = n.node.metadata?.labels ?? {};
      const z = `${l[REGION] ?? ''}:${l[ZONE] ?? ''}`;
      let arr = zones.get(z);
      if (!arr) zones.set(z, (arr = []));
      arr.push(n);
    }
    const groups = [...zones.values()];
    const out: NodeInfo[] = [];
    for (let i = 0; out.length < groups.reduce((s, g) => s + g.length, 0); i++) for (const g of groups) if (i < g.length) out.push(g[i]);
    this.list = out;
    return out;
  }

  get(name: string): NodeInfo | undefined {
    const n = this.infos.get(name);
    return n?.node ? n : undefined;
  }

  havePodsWithAffinity(): NodeInfo[] {
    return (this.withAffinity ??= this.nodes().filter((n) => n.podsWithAffinity.length > 0));
  }

  havePodsWithRequiredAntiAffinity(): NodeInfo[] {
    return (this.withAnti ??= this.nodes().filter((n) => n.podsWithRequiredAntiAffinity.length > 0));
  }

  podCandidates(namespace: string, selector: LabelSelector | null | undefined): Iterable<IndexedPod> {
    return this.index.candidates(namespace, selector);
  }

  lowestPodPriority(): number | undefined {
    let low: number | undefined;
    for (const p of this.priorities.keys()) if (low === undefined || p < low) low = p;
    return low;
  }

  podNamespaces(): Iterable<string> {
    return this.index.namespaces();
  }

  topologyValues(key: string): Map<string, number> {
    let m = this.topo.get(key);
    if (m) return m;
    this.topo.set(key, (m = new Map()));
    for (const n of this.nodes()) {
      const v = n.node.metadata?.labels?.[key];
      if (v !== undefined) m.set(v, (m.get(v) ?? 0) + 1);
    }
    return m;
  }

  // --- nodes ----------------------------------------------------------------

  private setImages(info: NodeInfo, node: any | null): void {
    for (const name of info.images.keys()) {
      const st = this.imageStates.get(name)!;
      if (--st.numNodes === 0) this.imageStates.delete(name);
    }
    info.images = new Map();
    for (const img of node?.status?.images ?? []) {
      for (const name of img.names ?? []) {
        if (info.images.has(name)) continue;
        let st = this.imageStates.get(name);
        if (!st) this.imageStates.set(name, (st = { size: img.sizeBytes ?? 0, numNodes: 0 }));
        st.numNodes++;
        info.images.set(name, st);
      }
    }
  }

  addNode(node: any): void {
    const info = this.info(node.metadata.name);
    const old = info.node;
    const zoneChanged = !old || old.metadata?.labels?.[ZONE] !== node.metadata?.labels?.[ZONE] || old.metadata?.labels?.[REGION] !== node.metadata?.labels?.[REGION];
    if (!old || !sameRecord(old.metadata?.labels, node.metadata?.labels)) this.topo = new Map();
    info.setNode(node);
    if (!old || JSON.stringify(old.status?.images) !== JSON.stringify(node.status?.images)) this.setImages(info, node);
    if (zoneChanged) this.dirty();
  }

  updateNode(node: any): void {
    this.addNode(node);
  }

  removeNode(node: any): void {
    const info = this.infos.get(node.metadata.name);
    if (!info) return;
    this.setImages(info, null);
    // Pods still bound to a deleted node keep a node-less entry until they go.
    if (info.pods.length === 0) this.infos.delete(node.metadata.name);
    else {
      info.node = null;
      info.taints = null;
    }
    this.topo = new Map();
    this.dirty();
  }

  // --- pods -----------------------------------------------------------------

  isAssumed(uid: string): boolean {
    return this.pods.get(uid)?.assumed ?? false;
  }

  podCount(): number {
    return this.pods.size;
  }

  private place(pi: PodInfo, nodeName: string, assumed: boolean): void {
    const info = this.info(nodeName);
    this.change(info, () => info.addPod(pi));
    this.index.add(pi, info);
    const prio = podPriority(pi.pod);
    this.priorities.set(prio, (this.priorities.get(prio) ?? 0) + 1);
    this.pods.set(pi.uid, { pi, nodeName, assumed, bindingFinished: false });
  }

  private unplace(uid: string): void {
    const st = this.pods.get(uid);
    if (!st) return;
    const info = this.infos.get(st.nodeName);
    this.change(info, () => info?.removePod(uid));
    this.index.remove(uid);
    const prio = podPriority(st.pi.pod);
    const left = (this.priorities.get(prio) ?? 0) - 1;
    if (left > 0) this.priorities.set(prio, left);
    else this.priorities.delete(prio);
    if (info && !info.node && info.pods.length === 0) this.infos.delete(st.nodeName);
    this.pods.delete(uid);
  }

  /** Puts a pod on the node it is being bound to, before the API says so. */
  assumePod(pi: PodInfo, nodeName: string): PodInfo {
    if (this.pods.has(pi.uid)) throw new Error(`pod ${pi.key} is already in the cache`);
    const pod = { ...pi.pod, spec: { ...pi.pod.spec, nodeName } };
    const assumed = { ...pi, pod };
    this.place(assumed, nodeName, true);
    return assumed;
  }

  finishBinding(uid: string): void {
    const st = this.pods.get(uid);
    if (st?.assumed) st.bindingFinished = true;
  }

  /** Drops an assumed pod whose binding failed. */
  forgetPod(uid: string): void {
    if (this.pods.get(uid)?.assumed) this.unplace(uid);
  }

  /** A bound pod seen through the informer (confirms an assumed one). */
  addPod(pod: any): void {
    const uid = pod.metadata.uid;
    const st = this.pods.get(uid);
    if (st && st.nodeName === pod.spec.nodeName && !st.assumed) return this.updatePod(pod);
    if (st && this.swap(st, pod)) return;
    if (st) this.unplace(uid);
    this.place(newPodInfo(pod), pod.spec.nodeName, false);
  }

  updatePod(pod: any): void {
    const uid = pod.metadata.uid;
    const st = this.pods.get(uid);
    if (st && st.pi.pod === pod) return;
    if (st && this.swap(st, pod)) return;
    if (st) this.unplace(uid);
    this.place(newPodInfo(pod), pod.spec.nodeName, false);
  }

  /**
   * The pod as the API has it now, where only fields the scheduler does not
   * count changed (status, annotations, …, or an assumed pod's binding
   * confirmed): its PodInfo keeps its place, with the new object in it.
   */
  private swap(st: PodState, pod: any): boolean {
    if (st.nodeName !== pod.spec?.nodeName || !sameSchedulingShape(st.pi.pod, pod)) return false;
    st.pi.pod = pod;
    st.assumed = false;
    return true;
  }

  removePod(pod: any): void {
    this.unplace(pod.metadata.uid);
  }
}
