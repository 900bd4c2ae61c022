// The scheduler's view of one node: the Node object and the pods on it
// (bound or assumed), with running totals that filters read in O(1).
import type { Resource } from './resources.ts';
import { addTo, cloneResource, emptyResource, resourceFromList } from './resources.ts';
import type { PodInfo } from './pod-info.ts';
import { hasAffinity } from './pod-info.ts';
import type { Taint } from './selectors.ts';

export interface ImageState {
  size: number;
  /** How many nodes hold the image (filled in by the cache). */
  numNodes: number;
}

function indexOf(list: PodInfo[], uid: string): number {
  for (let i = 0; i < list.length; i++) if (list[i].uid === uid) return i;
  return -1;
}

function drop(list: PodInfo[], uid: string): void {
  const j = indexOf(list, uid);
  if (j >= 0) list.splice(j, 1);
}

export class NodeInfo {
  node: any = null;
  name: string;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  requested: Resource = emptyResource();
  nonZeroRequested: Resource = emptyResource();
  allocatable: Resource = emptyResource();
  /** "ip/protocol/port" of host ports in use. */
  usedPorts = new Map<string, number>();
  images = new Map<string, ImageState>();
  generation = 0;
  /** spec.unschedulable, read once per Node update (Filter reads it for every node). */
  unschedulable = false;
  /** spec.taints, or null when there are none: TaintToleration reads it for every node. */
  taints: Taint[] | null = null;
  /**
   * Copies of the numbers NodeResourcesFit's Filter and the resource Score
   * plugins read for every node visited, on this object itself: one object
   * to load per node instead of four (the node's Resource objects and pod
   * list lie elsewhere in memory; loading them was most of Filter's time).
   * Kept by setNode and account, the only writers of what they copy.
   */
  allocMilliCPU = 0;
  allocMemory = 0;
  allocEphemeral = 0;
  allocPods = 0;
  podCount = 0;
  reqMilliCPU = 0;
  reqMemory = 0;
  reqEphemeral = 0;
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;

  constructor(name: string) {
    this.name = name;
  }

  setNode(node: any): void {
    this.node = node;
    this.unschedulable = !!node.spec?.unschedulable;
    this.taints = node.spec?.taints?.length ? node.spec.taints : null;
    this.allocatable = resourceFromList(node.status?.allocatable ?? node.status?.capacity);
    this.allocMilliCPU = this.allocatable.milliCPU;
    this.allocMemory = this.allocatable.memory;
    this.allocEphemeral = this.allocatable.ephemeralStorage;
    this.allocPods = this.allocatable.allowedPodNumber;
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    if (hasAffinity(pi)) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.push(pi);
    this.account(pi, 1);
  }

  removePod(uid: string): PodInfo | undefined {
    const i = indexOf(this.pods, uid);
    if (i < 0) return undefined;
    const [pi] = this.pods.splice(i, 1);
    if (this.podsWithAffinity.length) drop(this.podsWithAffinity, uid);
    if (this.podsWithRequiredAntiAffinity.length) drop(this.podsWithRequiredAntiAffinity, uid);
    this.account(pi, -1);
    return pi;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    addTo(this.requested, pi.requests, sign);
    addTo(this.nonZeroRequested, pi.nonZero, sign);
    this.podCount = this.pods.length;
    this.reqMilliCPU = this.requested.milliCPU;
    this.reqMemory = this.requested.memory;
    this.reqEphemeral = this.requested.ephemeralStorage;
    this.nonZeroMilliCPU = this.nonZeroRequested.milliCPU;
    this.nonZeroMemory = this.nonZeroRequested.memory;
    for (let i = 0; i < pi.ports.length; i++) {
      const p = pi.ports[i];
      const k = `${p.ip}/${p.protocol}/${p.port}`;
      const n = (this.usedPorts.get(k) ?? 0) + sign;
      if (n > 0) this.usedPorts.set(k, n);
      else this.usedPorts.delete(k);
    }
    this.generation++;
  }

  /** True when a host port of the pod collides (0.0.0.0 collides with every IP). */
  portConflict(ip: string, protocol: string, port: number): boolean {
    if (this.usedPorts.size === 0) return false;
    if (ip === '0.0.0.0') {
      for (const k of this.usedPorts.keys()) {
        const [, proto, p] = k.split('/');
        if (proto === protocol && Number(p) === port) return true;
      }
      return false;
    }
    return this.usedPorts.has(`${ip}/${protocol}/${port}`) || this.usedPorts.has(`0.0.0.0/${protocol}/${port}`);
  }

  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.unschedulable = this.unschedulable;
    c.taints = this.taints;
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.requested = cloneResource(this.requested);
    c.nonZeroRequested = cloneResource(this.nonZeroRequested);
    c.allocatable = this.allocatable;
    if (this.usedPorts.size) c.usedPorts = new Map(this.usedPorts);
    c.images = this.images;
    c.generation = this.generation;
    c.allocMilliCPU = this.allocMilliCPU;
    c.allocMemory = this.allocMemory;
    c.allocEphemeral = this.allocEphemeral;
    c.allocPods = this.allocPods;
    c.podCount = this.podCount;
    c.reqMilliCPU = this.reqMilliCPU;
    c.reqMemory = this.reqMemory;
    c.reqEphemeral = this.reqEphemeral;
    c.nonZeroMilliCPU = this.nonZeroMilliCPU;
    c.nonZeroMemory = this.nonZeroMemory;
    return c;
  }
}
