// doNoScheduleTaintingPass as a reconciler keyed by node name: the node's
// NoSchedule condition taints (not-ready, unreachable, memory-, disk- and
// pid-pressure, network-unavailable) and the unschedulable taint follow its
// conditions and spec.unschedulable on every change of the node.
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import { noScheduleDiff, swapTaints } from './taints.ts';
import { patchTaints } from './writes.ts';
import { seconds } from './health.ts';

export class NoScheduleTaints implements Reconciler {
  readonly name = 'node-lifecycle-noschedule';
  private readonly client: Client;
  private readonly nodes: Informer;
  private readonly now: () => number;

  constructor(cfg: { client: Client; nodes: Informer; now?: () => number }) {
    this.client = cfg.client;
    this.nodes = cfg.nodes;
    this.now = cfg.now ?? Date.now;
  }

  async reconcile(name: string): Promise<Result> {
    const node = this.nodes.get(name);
    if (!node) return;
    const { add, remove } = noScheduleDiff(node);
    if (!add.length && !remove.length) return;
    try {
      await patchTaints(this.client, node, (taints) => {
        // Recomputed on the node patchTaints holds, which may be fresher than the cache.
        const d = noScheduleDiff({ ...node, spec: { ...node.spec, taints } });
        return swapTaints(taints, d.add, d.remove, seconds(this.now()));
      });
    } catch (err) {
      if ((err as any)?.status?.code === 404) return;
      throw err;
    }
  }
}
