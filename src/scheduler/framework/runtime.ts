// One profile's plugins, instantiated, sorted per extension point, and run
// in upstream's order: the first failing Filter decides a node's verdict,
// Score plugins are normalized and weighted, Reserve is undone in reverse.
import type { CycleState } from './cycle-state.ts';
import type { ProfileConfig, Point } from './config.ts';
import { POINTS } from './config.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import { podPriority } from './pod-info.ts';
import { Code, Status, errorStatus } from './status.ts';
import type { MaybeStatus } from './status.ts';
import type { ClusterEvent, FrameworkHandle, Handle, NodeScore, Plugin, PostFilterOutcome, QueuedPodInfo, Registry } from './types.ts';
import { MAX_NODE_SCORE } from './types.ts';

const METHOD: Record<Point, keyof Plugin> = {
  preEnqueue: 'preEnqueue', queueSort: 'less', preFilter: 'preFilter', filter: 'filter', postFilter: 'postFilter', preScore: 'preScore',
  score: 'score', reserve: 'reserve', permit: 'permit', preBind: 'preBind', bind: 'bind', postBind: 'postBind',
};

export interface ScoreResult {
  /**
   * Weighted total per node, aligned with the nodes passed in. Float64Array
   * (here and below): attempt records keep them, and number arrays of every
   * feasible node's scores for a thousand records cost the GC a tenth of a
   * busy scheduler's CPU; typed arrays hold no pointers to trace.
   */
  totals: Float64Array;
  /** Normalized (unweighted) score per plugin, aligned with the nodes. */
  byPlugin: Map<string, Float64Array>;
}

export class Framework implements FrameworkHandle {
  readonly profile: ProfileConfig;
  readonly plugins = new Map<string, Plugin>();
  readonly points = {} as Record<Point, Plugin[]>;
  readonly handle: Handle;

  constructor(profile: ProfileConfig, registry: Registry, handle: Handle) {
    this.profile = profile;
    this.handle = handle;
    const wanted = new Set([...profile.multiPoint, ...Object.values(profile.explicit).flat()]);
    for (const name of wanted) {
      const factory = registry[name];
      if (!factory) throw new Error(`profile "${profile.schedulerName}": plugin "${name}" does not exist`);
      this.plugins.set(name, factory(profile.args[name] ?? {}, handle));
    }
    for (const point of POINTS) {
      const off = profile.disabled[point] ?? new Set();
      const explicit = profile.explicit[point] ?? [];
      const order = [...explicit, ...profile.multiPoint.filter((n) => !explicit.includes(n))];
      this.points[point] = order
        .filter((n) => explicit.includes(n) || (!off.has(n) && !off.has('*')))
        .map((n) => this.plugins.get(n)!)
        .filter((p) => typeof p[METHOD[point]] === 'function');
    }
    if (this.points.bind.length === 0) throw new Error(`profile "${profile.schedulerName}": at least one bind plugin is needed`);
    if (this.points.queueSort.length !== 1) throw new Error(`profile "${profile.schedulerName}": exactly one queue sort plugin is needed`);
  }

  get name(): string {
    return this.profile.schedulerName;
  }

  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    return this.points.queueSort[0].less!(a, b);
  }

  /** Cluster events each plugin cares about, by plugin name. */
  events(): Map<string, ClusterEvent[]> {
    const out = new Map<string, ClusterEvent[]>();
    for (const [name, p] of this.plugins) out.set(name, p.events?.() ?? [{ resource: '*', actions: ['Add', 'Update', 'Delete'] }]);
    return out;
  }

  runPreEnqueue(pod: any): MaybeStatus {
    for (const p of this.points.preEnqueue) {
      const s = p.preEnqueue!(pod);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return null;
  }

  runPreFilter(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): { status: MaybeStatus; nodeNames?: Set<string>; restrictedBy: string[] } {
    let nodeNames: Set<string> | undefined;
    const restrictedBy: string[] = [];
    for (const p of this.points.preFilter) {
      let out;
      try {
        out = p.preFilter!(state, pod, nodes);
      } catch (err) {
        return { status: errorStatus(err).withPlugin(p.name), restrictedBy };
      }
      const s = out.status;
      if (s && s.code === Code.Skip) {
        state.skipFilter.add(p.name);
        state.activeFilters = state.activeExtensions = undefined;
        continue;
      }
      if (s && !s.isSuccess()) return { status: s.withPlugin(p.name), restrictedBy };
      if (out.nodeNames) restrictedBy.push(p.name);
      if (out.nodeNames) nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => out.nodeNames!.has(n))) : out.nodeNames;
    }
    return { status: null, nodeNames, restrictedBy };
  }

  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    const plugins = (state.activeFilters ??= this.points.filter.filter((p) => !state.skipFilter.has(p.name)));
    for (let i = 0; i < plugins.length; i++) {
      const p = plugins[i];
      let s: MaybeStatus;
      try {
        s = p.filter!(state, pod, node);
      } catch (err) {
        s = errorStatus(err);
      }
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return null;
  }

  private extensions(state: CycleState): Plugin[] {
    return (state.activeExtensions ??= this.points.preFilter.filter((p) => !state.skipFilter.has(p.name) && (p.addPod || p.removePod)));
  }

  runPreFilterAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): MaybeStatus {
    for (const p of this.extensions(state)) {
      if (!p.addPod) continue;
      const s = p.addPod(state, pod, toAdd, node);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return null;
  }

  runPreFilterRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): MaybeStatus {
    for (const p of this.extensions(state)) {
      if (!p.removePod) continue;
      const s = p.removePod(state, pod, toRemove, node);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return null;
  }

  /**
   * Upstream's two-pass check: pods nominated to this node with priority
   * at least the pod's own are counted as if they were running; the pod must
   * also fit without them (for plugins like anti-affinity that could pass
   * only because of them).
   */
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    const forNode = this.handle.nominatedPodsForNode(node.name);
    if (forNode.length === 0) return this.runFilter(state, pod, node);
    const prio = podPriority(pod.pod);
    const nominated = forNode.filter((n) => n.uid !== pod.uid && podPriority(n.pod) >= prio);
    if (nominated.length > 0) {
      const s2 = state.clone();
      const n2 = node.clone();
      for (const n of nominated) {
        n2.addPod(n);
        const s = this.runPreFilterAddPod(s2, pod, n, n2);
        if (s && !s.isSuccess()) return s;
      }
      const s = this.runFilter(s2, pod, n2);
      if (s && !s.isSuccess()) return s;
    }
    return this.runFilter(state, pod, node);
  }

  async runPostFilter(state: CycleState, pod: PodInfo, statuses: Map<string, Status>): Promise<PostFilterOutcome | null> {
    let last: PostFilterOutcome | null = null;
    for (const p of this.points.postFilter) {
      const out = await p.postFilter!(state, pod, statuses);
      if (out.status.isSuccess()) return out;
      out.status.withPlugin(p.name);
      last = out;
      if (out.status.code === Code.UnschedulableAndUnresolvable || out.status.code === Code.Error) return out;
    }
    return last;
  }

  runPreScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): MaybeStatus {
    for (const p of this.points.preScore) {
      const s = p.preScore!(state, pod, nodes);
      if (s && s.code === Code.Skip) {
        state.skipScore.add(p.name);
        continue;
      }
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return null;
  }

  runScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): ScoreResult {
    const totals = new Float64Array(nodes.length);
    const byPlugin = new Map<string, Float64Array>();
    for (const p of this.points.score) {
      if (state.skipScore.has(p.name)) continue;
      const plain = new Float64Array(nodes.length);
      if (p.normalizeScores) {
        for (let i = 0; i < nodes.length; i++) plain[i] = p.score!(state, pod, nodes[i]);
        p.normalizeScores(state, pod, plain);
      } else if (p.normalizeScore) {
        const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: p.score!(state, pod, n) }));
        p.normalizeScore(state, pod, scores);
        for (let i = 0; i < scores.length; i++) plain[i] = scores[i].score;
      } else {
        // No normalization: no NodeScore objects (Score runs for every feasible node).
        for (let i = 0; i < nodes.length; i++) plain[i] = p.score!(state, pod, nodes[i]);
      }
      const weight = this.profile.weights[p.name] ?? 1;
      for (let i = 0; i < plain.length; i++) {
        const s = plain[i];
        if (s > MAX_NODE_SCORE || s < 0) throw new Error(`plugin ${p.name} returned an invalid score ${s} for node ${nodes[i].name}`);
        totals[i] += s * weight;
      }
      byPlugin.set(p.name, plain);
    }
    return { totals, byPlugin };
  }

  runReserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    for (const p of this.points.reserve) {
      const s = p.reserve!(state, pod, nodeName);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return null;
  }

  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const p of [...this.points.reserve].reverse()) p.unreserve?.(state, pod, nodeName);
  }

  runPermit(state: CycleState, pod: PodInfo, nodeName: string): { status: MaybeStatus; waits: { plugin: string; timeoutMs: number }[] } {
    const waits: { plugin: string; timeoutMs: number }[] = [];
    for (const p of this.points.permit) {
      const out = p.permit!(state, pod, nodeName);
      if (!out.status || out.status.isSuccess()) continue;
      if (out.status.code === Code.Wait) {
        waits.push({ plugin: p.name, timeoutMs: Math.min(out.timeoutMs ?? 0, 15 * 60_000) });
        continue;
      }
      return { status: out.status.withPlugin(p.name), waits };
    }
    return { status: waits.length ? new Status(Code.Wait) : null, waits };
  }

  async runPreBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    for (const p of this.points.preBind) {
      const s = await p.preBind!(state, pod, nodeName);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return null;
  }

  async runBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    for (const p of this.points.bind) {
      const s = await p.bind!(state, pod, nodeName);
      if (s && s.code === Code.Skip) continue;
      return s && !s.isSuccess() ? s.withPlugin(p.name) : null;
    }
    return new Status(Code.Error, 'all bind plugins skipped the pod');
  }

  runPostBind(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const p of this.points.postBind) p.postBind!(state, pod, nodeName);
  }
}
