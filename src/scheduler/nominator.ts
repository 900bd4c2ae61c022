// Pods nominated to nodes by preemption: other pods of lower priority must
// leave room for them while the victims terminate.
import type { PodInfo } from './framework/pod-info.ts';

const NONE: PodInfo[] = [];

export class Nominator {
  /**
   * Per node, its nominated pods. Filter asks for every node it visits, so
   * the arrays are replaced on change rather than built on every read.
   */
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly nodeByPod = new Map<string, string>();

  set(pi: PodInfo, nodeName: string): void {
    this.delete(pi.uid);
    if (!nodeName) return;
    this.byNode.set(nodeName, [...(this.byNode.get(nodeName) ?? NONE), pi]);
    this.nodeByPod.set(pi.uid, nodeName);
  }

  delete(uid: string): void {
    const n = this.nodeByPod.get(uid);
    if (n === undefined) return;
    this.nodeByPod.delete(uid);
    const rest = this.byNode.get(n)!.filter((p) => p.uid !== uid);
    if (rest.length === 0) this.byNode.delete(n);
    else this.byNode.set(n, rest);
  }

  nodeOf(uid: string): string | undefined {
    return this.nodeByPod.get(uid);
  }

  /** The pods nominated to the node; callers must not modify the array. */
  forNode(nodeName: string): readonly PodInfo[] {
    // Most of the time nothing is nominated: skip hashing the node's name.
    if (this.byNode.size === 0) return NONE;
    return this.byNode.get(nodeName) ?? NONE;
  }
}
