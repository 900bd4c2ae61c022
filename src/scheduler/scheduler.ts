// The scheduling cycle (synchronous: PreFilter → Filter → PreScore → Score
// → select → assume → Reserve → Permit) and the binding cycle (async, so
// the next pod is scheduled while this one's binding is written).
import { CycleState } from './framework/cycle-state.ts';
import type { SchedulerConfig } from './framework/config.ts';
import { Framework } from './framework/runtime.ts';
import type { NodeInfo } from './framework/node-info.ts';
import type { PodInfo } from './framework/pod-info.ts';
import { Code, Status } from './framework/status.ts';
import type { Handle, Listers, QueuedPodInfo, Registry, SchedulerApi } from './framework/types.ts';
import type { NamespaceLabels } from './framework/pod-info.ts';
import { NO_NODES_AVAILABLE, fitErrorMessage, numFeasibleNodesToFind } from './framework/fit-error.ts';
import { Cache } from './cache/cache.ts';
import { SchedulingQueue } from './queue/queue.ts';
import type { QueueEvent } from './queue/queue.ts';
import { AttemptRecords } from './explain.ts';
import type { RawAttempt } from './explain.ts';
import { Nominator } from './nominator.ts';
import { failurePatch } from './conditions.ts';

export interface SchedulerOptions {
  config: SchedulerConfig;
  registry: Registry;
  api?: SchedulerApi;
  listers: Listers;
  nsLabels: NamespaceLabels;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  now?: () => number;
  random?: () => number;
}

type CycleResult =
  | { ok: true; node: string; raw: RawAttempt }
  | { ok: false; error: boolean; message: string; raw: RawAttempt; fwkStatuses: Map<string, Status>; preFilterMsg?: string; plugins: Set<string> };

export class Scheduler {
  readonly cache = new Cache();
  readonly queue: SchedulingQueue;
  readonly frameworks = new Map<string, Framework>();
  readonly records = new AttemptRecords();
  readonly nominator = new Nominator();
  private readonly opts: SchedulerOptions;
  private readonly log: (msg: string, fields?: Record<string, unknown>) => void;
  private readonly random: () => number;
  private nextStartNodeIndex = 0;
  private stopped = false;
  private readonly bindings = new Set<Promise<void>>();

  constructor(opts: SchedulerOptions) {
    this.opts = opts;
    this.log = opts.log ?? (() => {});
    this.random = opts.random ?? Math.random;
    for (const profile of opts.config.profiles) {
      const handle: Handle = {
        schedulerName: profile.schedulerName, snapshot: this.cache, nsLabels: opts.nsLabels, listers: opts.listers, api: opts.api,
        nominatedPodsForNode: (n) => this.nominator.forNode(n), framework: () => fwk, log: this.log,
        preemptionDone: (uid) => this.queue.ungate(uid),
      };
      const fwk: Framework = new Framework(profile, opts.registry, handle);
      this.frameworks.set(profile.schedulerName, fwk);
    }
    const first = [...this.frameworks.values()][0];
    const events = new Map([...this.frameworks].map(([n, f]) => [n, f.events()]));
    this.queue = new SchedulingQueue({
      less: (a, b) => first.less(a, b),
      preEnqueue: (pod) => this.frameworkFor(pod)?.runPreEnqueue(pod)?.plugin ?? null,
      interested: (pod, plugin, ev) => (events.get(pod.spec?.schedulerName || 'default-scheduler')?.get(plugin) ?? [])
        .some((e) => (e.resource === '*' || e.resource === ev.resource) && e.actions.includes(ev.action)),
      now: opts.now,
      initialBackoffMs: opts.config.podInitialBackoffSeconds * 1000,
      maxBackoffMs: opts.config.podMaxBackoffSeconds * 1000,
    });
  }

  frameworkFor(pod: any): Framework | undefined {
    return this.frameworks.get(pod.spec?.schedulerName || 'default-scheduler');
  }

  /** Runs the loop until stop(). */
  async run(): Promise<void> {
    this.queue.run();
    let n = 0;
    while (!this.stopped) {
      const q = await this.queue.pop();
      if (!q) return;
      try {
        await this.scheduleOne(q);
      } catch (err) {
        this.log('scheduling cycle failed', { pod: q.pi.key, error: String(err) });
        this.queue.addUnschedulable(q, this.queue.schedulingCycle, true);
      }
      // Let informer events and binding responses in between cycles.
      if (++n % 16 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.close();
    await Promise.allSettled([...this.bindings]);
  }

  /** A cluster event for the queue (node added, pod deleted, …). */
  clusterEvent(ev: QueueEvent): void {
    this.queue.moveAllToActiveOrBackoff(ev);
  }

  async scheduleOne(q: QueuedPodInfo): Promise<void> {
    const fwk = this.frameworkFor(q.pi.pod);
    const pod = q.pi.pod;
    if (!fwk || pod.metadata.deletionTimestamp || this.cache.isAssumed(q.pi.uid)) {
      this.queue.done(q.pi.uid);
      return;
    }
    const cycle = this.queue.schedulingCycle;
    const state = new CycleState();
    const res = this.schedulePod(fwk, state, q);
    if (!res.ok) {
      let postFilterMsg: string | undefined;
      let nominated: string | undefined;
      if (!res.error && fwk.points.postFilter.length) {
        const out = await fwk.runPostFilter(state, q.pi, res.fwkStatuses);
        if (out) {
          postFilterMsg = out.status.isSuccess() ? undefined : out.status.message() || undefined;
          nominated = out.nominatedNodeName;
        }
      }
      const message = res.error ? res.message : fitErrorMessage({ numAllNodes: res.raw.numAllNodes, nodeStatuses: res.fwkStatuses, preFilterMsg: res.preFilterMsg, postFilterMsg });
      res.raw.message = message;
      this.records.put(res.raw);
      q.unschedulablePlugins = res.plugins;
      if (nominated !== undefined) this.nominator.set(q.pi, nominated);
      this.fail(q, cycle, res.error ? 'SchedulerError' : 'Unschedulable', message, res.error, nominated);
      return;
    }
    const node = res.node;
    this.records.put(res.raw);
    const assumed = this.cache.assumePod(q.pi, node);
    this.nominator.delete(q.pi.uid);
    const reserve = fwk.runReserve(state, assumed, node);
    if (reserve) return this.undo(fwk, state, q, assumed, node, cycle, reserve);
    const permit = fwk.runPermit(state, assumed, node);
    if (permit.status && permit.status.code !== Code.Wait) return this.undo(fwk, state, q, assumed, node, cycle, permit.status);
    const p = this.bindingCycle(fwk, state, q, assumed, node, cycle).finally(() => this.bindings.delete(p));
    this.bindings.add(p);
  }

  private undo(fwk: Framework, state: CycleState, q: QueuedPodInfo, assumed: PodInfo, node: string, cycle: number, s: Status): void {
    fwk.runUnreserve(state, assumed, node);
    this.cache.forgetPod(assumed.uid);
    const isError = s.code === Code.Error;
    if (s.plugin) q.unschedulablePlugins = new Set([s.plugin]);
    this.fail(q, cycle, isError ? 'SchedulerError' : 'Unschedulable', s.message() || `rejected by ${s.plugin}`, isError);
  }

  private async bindingCycle(fwk: Framework, state: CycleState, q: QueuedPodInfo, assumed: PodInfo, node: string, cycle: number): Promise<void> {
    let s = await fwk.runPreBind(state, assumed, node);
    if (!s) s = await fwk.runBind(state, assumed, node);
    if (s) {
      fwk.runUnreserve(state, assumed, node);
      this.cache.forgetPod(assumed.uid);
      // The node's room came back: pods waiting for it may fit.
      this.clusterEvent({ resource: 'Pod', action: 'Delete' });
      this.fail(q, cycle, 'SchedulerError', s.message(), true);
      return;
    }
    this.cache.finishBinding(assumed.uid);
    this.queue.done(q.pi.uid);
    const m = q.pi.pod.metadata;
    this.opts.api?.event(q.pi.pod, 'Normal', 'Scheduled', `Successfully assigned ${m.namespace}/${m.name} to ${node}`);
    fwk.runPostBind(state, assumed, node);
  }

  private fail(q: QueuedPodInfo, cycle: number, reason: string, message: string, isError: boolean, nominated?: string): void {
    this.queue.addUnschedulable(q, cycle, isError);
    const pod = q.pi.pod;
    this.log('pod is unschedulable', { pod: q.pi.key, reason, message });
    const api = this.opts.api;
    if (!api) return;
    api.event(pod, 'Warning', 'FailedScheduling', message);
    const patch = failurePatch(pod, reason, message, nominated, new Date(this.opts.now?.() ?? Date.now()));
    if (patch) api.patchPodStatus(pod, patch).catch((err) => this.log('could not update pod status', { pod: q.pi.key, error: String(err) }));
  }

  /** PreFilter, Filter, Score and host selection: synchronous, on the cache as it is right now. */
  schedulePod(fwk: Framework, state: CycleState, q: QueuedPodInfo): CycleResult {
    const pi = q.pi;
    const all = this.cache.nodes();
    const m = pi.pod.metadata;
    const raw: RawAttempt = {
      namespace: m.namespace ?? 'default', name: m.name, uid: pi.uid, profile: fwk.name, time: new Date(this.opts.now?.() ?? Date.now()).toISOString(),
      attempt: q.attempts, result: 'Unschedulable', numAllNodes: all.length, statuses: new Map(), feasible: [],
    };
    const failure = (message: string, error: boolean, preFilterMsg?: string): CycleResult => {
      raw.result = error ? 'Error' : 'Unschedulable';
      const plugins = new Set<string>();
      for (const s of raw.statuses.values()) if (s.plugin) plugins.add(s.plugin);
      return { ok: false, error, message, raw, fwkStatuses: raw.statuses, preFilterMsg, plugins };
    };
    if (all.length === 0) return failure(NO_NODES_AVAILABLE, true);
    const pre = fwk.runPreFilter(state, pi, all);
    if (pre.status) {
      if (!pre.status.isRejected()) return failure(pre.status.message(), true);
      for (const n of all) raw.statuses.set(n.name, pre.status);
      return failure('', false, pre.status.message());
    }
    let nodes = all;
    if (pre.nodeNames) {
      nodes = all.filter((n) => pre.nodeNames!.has(n.name));
      const absent = new Status(Code.UnschedulableAndUnresolvable, `node(s) didn't satisfy plugin(s) [${pre.restrictedBy.sort().join(' ')}]`);
      absent.plugin = pre.restrictedBy[0];
      for (const n of all) if (!pre.nodeNames.has(n.name)) raw.statuses.set(n.name, absent);
    }
    const feasible = this.findFeasible(fwk, state, pi, nodes, raw);
    if (feasible === null) return failure(raw.message ?? 'filter error', true);
    if (feasible.length === 0) return failure('', false);
    raw.result = 'Scheduled';
    if (feasible.length === 1) {
      raw.node = feasible[0].name;
      return { ok: true, node: raw.node, raw };
    }
    const ps = fwk.runPreScore(state, pi, feasible);
    if (ps) return failure(ps.message(), true);
    const { totals, byPlugin } = fwk.runScore(state, pi, feasible);
    // raw.feasible holds these nodes' names in this order: no second array per attempt kept.
    raw.scored = { nodes: raw.feasible, totals, byPlugin, weights: fwk.profile.weights };
    let best = 0;
    let ties = 1;
    for (let i = 1; i < totals.length; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (Math.floor(this.random() * ties) === 0) best = i;
      }
    }
    raw.node = feasible[best].name;
    return { ok: true, node: raw.node, raw };
  }

  private findFeasible(fwk: Framework, state: CycleState, pi: PodInfo, nodes: NodeInfo[], raw: RawAttempt): NodeInfo[] | null {
    // A pod nominated by an earlier preemption tries that node first (the
    // nominator knows it before the status write comes back through the watch).
    const nominated = pi.pod.status?.nominatedNodeName || this.nominator.nodeOf(pi.uid);
    if (nominated) {
      const n = this.cache.get(nominated);
      if (n && nodes.includes(n) && !fwk.runFilterWithNominatedPods(state, pi, n)) {
        raw.feasible.push(n.name);
        return [n];
      }
    }
    const pct = fwk.profile.percentageOfNodesToScore ?? this.opts.config.percentageOfNodesToScore;
    const want = numFeasibleNodesToFind(pct, nodes.length);
    const feasible: NodeInfo[] = [];
    const start = this.nextStartNodeIndex % nodes.length;
    let processed = 0;
    for (let i = 0; i < nodes.length && feasible.length < want; i++) {
      const n = nodes[(start + i) % nodes.length];
      processed++;
      const s = fwk.runFilterWithNominatedPods(state, pi, n);
      if (!s) {
        feasible.push(n);
        raw.feasible.push(n.name);
      } else if (s.code === Code.Error) {
        raw.message = s.message();
        return null;
      } else raw.statuses.set(n.name, s);
    }
    this.nextStartNodeIndex = (start + processed) % nodes.length;
    return feasible;
  }
}
