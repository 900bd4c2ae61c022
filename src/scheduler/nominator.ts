// Pods nominated to nodes by preemption: other pods of lower priority must
// leave room for them while the victims terminate.
import type { PodInfo } from './framework/pod-info.ts';

const NONE: PodInfo[] = [];

export class Nominator {
  private readonly byNode = new Map<string, Map<string, PodInfo>>();
  private readonly nodeByPod = new Map<string, string>();

  set(pi: PodInfo, nodeName: string): void {
    this.delete(pi.uid);
    if (!nodeName) return;
    let m = this.byNode.get(nodeName);
    if (!m) this.byNode.set(nodeName, (m = new Map()));
    m.set(pi.uid, pi);
    this.nodeByPod.set(pi.uid, nodeName);
  }

  delete(uid: string): void {
    const n = this.nodeByPod.get(uid);
    if (n === undefined) return;
    this.nodeByPod.delete(uid);
    const m = this.byNode.get(n)!;
    m.delete(uid);
    if (m.size === 0) this.byNode.delete(n);
  }

  nodeOf(uid: string): string | undefined {
    return this.nodeByPod.get(uid);
  }

  forNode(nodeName: string): PodInfo[] {
    const m = this.byNode.get(nodeName);
    return m ? [...m.values()] : NONE;
  }
}
