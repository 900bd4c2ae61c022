// The node IPAM controller with upstream's range allocator: every Node
// without a pod CIDR gets the next free --node-cidr-mask-size range of
// --cluster-cidr in spec.podCIDR and spec.podCIDRs. Ranges that nodes
// already carry (set by their agent at join time) are reserved, never handed
// out again; a deleted node's range is released. When the cluster CIDR is
// full the node gets upstream's CIDRNotAvailable event and is retried.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import type { Recorder } from '../../client/events.ts';
import { CidrSet } from './cidrset.ts';

const NODES = RESOURCES.find((r) => r.group === '' && r.resource === 'nodes')!;

export interface NodeIpamConfig {
  client: Client;
  nodes: Informer;
  recorder: Recorder;
  /** --cluster-cidr (10.42.0.0/16, as k3s). */
  clusterCIDR?: string;
  /** --node-cidr-mask-size (24). */
  nodeCIDRMaskSize?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

const cidrsOf = (node: any): string[] => {
  const list: string[] = node?.spec?.podCIDRs ?? [];
  return list.length ? list : node?.spec?.podCIDR ? [node.spec.podCIDR] : [];
};
const nodeRef = (node: any) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata.name, uid: node.metadata.uid } });

export class NodeIpamController implements Reconciler {
  readonly name = 'node-ipam-controller';
  readonly cidrs: CidrSet;
  private readonly cfg: NodeIpamConfig;
  /** The ranges reserved for each node: the ones it carries, or the one we are writing to it. */
  private readonly owned = new Map<string, string[]>();
  private readonly outOfRange = new Set<string>();
  private primed = false;

  constructor(cfg: NodeIpamConfig) {
    this.cfg = cfg;
    this.cidrs = new CidrSet(cfg.clusterCIDR ?? '10.42.0.0/16', cfg.nodeCIDRMaskSize ?? 24);
  }

  /** Frees a deleted node's ranges (upstream releases in the delete handler, too). */
  observeDeleted(node: any): void {
    this.release(node.metadata.name);
  }

  private release(name: string): void {
    const mine = this.owned.get(name);
    this.owned.delete(name);
    this.outOfRange.delete(name);
    if (!mine) return;
    // Two nodes may claim one range (set by hand): it stays reserved while either exists.
    const others = new Set([...this.owned.values()].flat());
    for (const c of mine) if (!others.has(c)) this.cidrs.release(c);
  }

  private occupy(node: any, cidrs: string[]): void {
    const name = node.metadata.name;
    const had = this.owned.get(name);
    if (had && had.length === cidrs.length && had.every((c, i) => c === cidrs[i])) return;
    if (had) this.release(name);
    const inRange = cidrs.filter((c) => this.cidrs.indexes(c));
    // Upstream refuses to start over a range outside the cluster CIDR; we keep going and leave it be.
    if (inRange.length < cidrs.length && !this.outOfRange.has(name)) {
      this.outOfRange.add(name);
      this.cfg.log?.('node pod CIDR is outside the cluster CIDR; not reserving it', { node: name, podCIDRs: cidrs, clusterCIDR: this.cfg.clusterCIDR ?? '10.42.0.0/16' });
    }
    for (const c of inRange) this.cidrs.occupy(c);
    this.owned.set(name, inRange);
  }

  async reconcile(name: string): Promise<Result> {
    if (!this.primed) {
      // Every range already in use is reserved before the first one is handed out.
      for (const n of this.cfg.nodes.list()) if (cidrsOf(n).length) this.occupy(n, cidrsOf(n));
      this.primed = true;
    }
    const node = this.cfg.nodes.get(name);
    if (!node || node.metadata.deletionTimestamp) {
      this.release(name);
      return;
    }
    const have = cidrsOf(node);
    if (have.length) {
      this.occupy(node, have);
      return;
    }
    // Our write is on its way to the cache: the watch brings the node back here.
    if (this.owned.get(name)?.length) return;
    const cidr = this.cidrs.allocateNext();
    if (!cidr) {
      this.cfg.recorder.event(nodeRef(node), 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      throw new Error(`failed to allocate cidr from cluster cidr at idx:0: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range`);
    }
    this.owned.set(name, [cidr]);
    try {
      // The resourceVersion makes this lose (409) against an agent setting its own range meanwhile.
      await this.cfg.client.patch(NODES, '', name, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { podCIDR: cidr, podCIDRs: [cidr] } }, { type: 'merge' });
      this.cfg.log?.('set node PodCIDR', { node: name, podCIDRs: [cidr] });
    } catch (err) {
      this.release(name);
      const code = (err as any)?.status?.code;
      if (code === 404) return;
      if (code !== 409) this.cfg.recorder.event(nodeRef(node), 'Warning', 'CIDRAssignmentFailed', `Node ${name} status is now: CIDRAssignmentFailed`);
      throw err;
    }
  }
}
