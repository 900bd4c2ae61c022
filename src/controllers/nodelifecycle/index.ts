// The node lifecycle controller: every nodeMonitorPeriod it checks each
// node's Lease and Ready heartbeat; a node silent past the grace period gets
// its conditions set to Unknown (event NodeNotReady, its pods marked not
// Ready). Nodes whose Ready is False or Unknown get the not-ready or
// unreachable NoExecute taint, at most nodeEvictionRate nodes a second per
// zone (less when a zone is mostly down, none when every zone is); healthy
// nodes lose it. The NoSchedule taints follow the conditions on every node
// change (see NoScheduleTaints). The taint eviction controller does the
// evicting.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Recorder } from '../../client/events.ts';
import { NodeHealthTracker, seconds } from './health.ts';
import { NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE, computeZoneState, sameTaint, swapTaints, zoneKey } from './taints.ts';
import type { Taint, ZoneState } from './taints.ts';
import { patchTaints, markPodsNotReady } from './writes.ts';
import { ZoneTainter } from './zone-tainter.ts';

const NODES = RESOURCES.find((r) => r.group === '' && r.resource === 'nodes')!;
const EXCLUDE_DISRUPTION = 'node.kubernetes.io/exclude-disruption';
/** Items of a list carry no kind: events get an explicit reference. */
const nodeRef = (name: string, uid: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid } });

export interface NodeLifecycleConfig {
  client: Client;
  nodes: Informer;
  leases: Informer; // Leases in kube-node-lease
  pods: Informer; // byNodeName index named `node`
  recorder: Recorder;
  nodeMonitorPeriodMs?: number; // 5 s
  nodeMonitorGracePeriodMs?: number; // 40 s (upstream's default before 1.32, and k8ts')
  nodeStartupGracePeriodMs?: number; // 60 s
  nodeEvictionRate?: number; // 0.1 nodes/s
  secondaryNodeEvictionRate?: number; // 0.01 nodes/s
  largeClusterSizeThreshold?: number; // 50
  unhealthyZoneThreshold?: number; // 0.55
  now?: () => number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export class NodeLifecycleController {
  readonly name = 'node-lifecycle-controller';
  readonly health: NodeHealthTracker;
  private readonly cfg: NodeLifecycleConfig;
  private readonly now: () => number;
  /** Nodes seen so far, name → uid (for the RemovingNode event). */
  private readonly known = new Map<string, string>();
  private readonly zoneStates = new Map<string, ZoneState>();
  private readonly tainters = new Map<string, ZoneTainter>();
  private readonly retryNotReady = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> = Promise.resolve();

  constructor(cfg: NodeLifecycleConfig) {
    this.cfg = cfg;
    this.now = cfg.now ?? Date.now;
    this.health = new NodeHealthTracker({ gracePeriodMs: cfg.nodeMonitorGracePeriodMs ?? 40_000, startupGracePeriodMs: cfg.nodeStartupGracePeriodMs ?? 60_000 });
  }

  /** Pods newly bound to a node that is not Ready are marked not Ready too. */
  register(): void {
    this.cfg.pods.on({
      add: (p) => this.podBound(p),
      update: (o, p) => { if (o.spec?.nodeName !== p.spec?.nodeName) this.podBound(p); },
    });
  }

  private podBound(pod: any): void {
    const node = pod.spec?.nodeName;
    if (!node) return;
    const status = this.health.readyStatus(node);
    if (status === undefined || status === 'True') return;
    void markPodsNotReady(this.cfg.client, this.cfg.recorder, [pod], node, this.now()).catch((err) => this.cfg.log?.('could not mark pod not ready', { pod: pod.metadata.name, error: String(err) }));
  }

  start(): void {
    const period = this.cfg.nodeMonitorPeriodMs ?? 5000;
    const loop = () => {
      this.running = this.running.then(() => this.monitor()).catch((err) => this.cfg.log?.('node health monitoring failed', { error: String(err) }));
    };
    loop();
    this.timers.push(setInterval(loop, period));
    // Upstream's NodeEvictionPeriod: the rate-limited tainting queues are tried every 100 ms.
    this.timers.push(setInterval(() => { this.running = this.running.then(() => this.taintingPass()).catch(() => undefined); }, 100));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.running;
  }

  private tainter(zone: string): ZoneTainter {
    let t = this.tainters.get(zone);
    if (!t) this.tainters.set(zone, (t = new ZoneTainter(this.cfg.nodeEvictionRate ?? 0.1, this.now)));
    return t;
  }

  /** One monitorNodeHealth pass. */
  async monitor(): Promise<void> {
    const nodes = this.cfg.nodes.list();
    const names = new Set(nodes.map((n) => n.metadata.name));
    for (const n of nodes) {
      if (this.known.has(n.metadata.name)) continue;
      this.known.set(n.metadata.name, n.metadata.uid);
      this.cfg.recorder.event(nodeRef(n.metadata.name, n.metadata.uid), 'Normal', 'RegisteredNode', `Node ${n.metadata.name} event: Registered Node ${n.metadata.name} in Controller`);
      this.tainter(zoneKey(n));
      await this.markReachable(n);
    }
    for (const [name, uid] of [...this.known]) {
      if (names.has(name)) continue;
      this.known.delete(name);
      this.health.forget(name);
      this.cfg.recorder.event(nodeRef(name, uid), 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
    }
    const zones = new Map<string, (string | undefined)[]>();
    for (let node of nodes) {
      let result = this.health.check(node, this.cfg.leases.get(`kube-node-lease/${node.metadata.name}`), this.now());
      if (result.conditions) {
        try {
          await this.cfg.client.update(NODES, '', { ...node, status: { ...node.status, conditions: result.conditions } }, { subresource: 'status' });
          this.health.written(node.metadata.name, result.conditions, this.now());
        } catch (err) {
          if ((err as any)?.status?.code === 404) continue;
          // A stale cache: judge the fresh node once more, as upstream's retry does.
          node = await this.cfg.client.get(NODES, '', node.metadata.name).catch(() => null);
          if (!node) continue;
          result = this.health.check(node, this.cfg.leases.get(`kube-node-lease/${node.metadata.name}`), this.now());
          if (result.conditions) {
            this.cfg.log?.('could not update node health; retrying next pass', { node: node.metadata.name, error: String(err) });
            continue;
          }
        }
        if (result.conditions) node = { ...node, status: { ...node.status, conditions: result.conditions } };
      }
      if (!node.metadata.labels?.[EXCLUDE_DISRUPTION]) {
        const z = zoneKey(node);
        zones.set(z, [...(zones.get(z) ?? []), result.current?.status]);
      }
      if (!result.current) continue;
      await this.processTaintBasedEviction(node, result.observed.status);
      const name = node.metadata.name;
      const flipped = result.current.status !== 'True' && result.observed.status === 'True';
      if (flipped) this.cfg.recorder.event(nodeRef(name, node.metadata.uid), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      if (flipped || (this.retryNotReady.has(name) && result.observed.status !== 'True')) {
        try {
          await markPodsNotReady(this.cfg.client, this.cfg.recorder, this.cfg.pods.byIndex('node', name), name, this.now());
        } catch (err) {
          this.cfg.log?.('could not mark all pods not ready; will retry', { node: name, error: String(err) });
          this.retryNotReady.add(name);
          continue;
        }
      }
      this.retryNotReady.delete(name);
    }
    await this.handleDisruption(zones, nodes);
  }

  private async processTaintBasedEviction(node: any, observed: string): Promise<void> {
    const taints: Taint[] = node.spec?.taints ?? [];
    const has = (t: Taint) => taints.some((x) => sameTaint(x, t));
    if (observed === 'False' || observed === 'Unknown') {
      const [want, opposite] = observed === 'False' ? [NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE] : [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE];
      // Swapping one controller taint for the other is not rate limited.
      if (has(opposite)) await this.swap(node, [want], [opposite]);
      else if (!has(want)) this.tainter(zoneKey(node)).add(node.metadata.name);
    } else if (observed === 'True') {
      await this.markReachable(node);
    }
  }

  private async markReachable(node: any): Promise<void> {
    this.tainters.get(zoneKey(node))?.remove(node.metadata.name);
    const remove = ((node.spec?.taints ?? []) as Taint[]).filter((t) => sameTaint(t, UNREACHABLE_NO_EXECUTE) || sameTaint(t, NOT_READY_NO_EXECUTE));
    if (remove.length) await this.swap(node, [], remove);
  }

  private async swap(node: any, add: Taint[], remove: Taint[]): Promise<void> {
    await patchTaints(this.cfg.client, node, (taints) => swapTaints(taints, add, remove, seconds(this.now())))
      .catch((err) => this.cfg.log?.('could not change node taints; will retry', { node: node.metadata.name, error: String(err) }));
  }

  /** doNoExecuteTaintingPass: nodes queued per zone get their taint as each zone's rate allows. */
  async taintingPass(): Promise<void> {
    for (const t of this.tainters.values()) {
      for (const name of t.take()) {
        const node = this.cfg.nodes.get(name);
        if (!node) continue;
        const status = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status;
        if (status === 'False') await this.swap(node, [NOT_READY_NO_EXECUTE], [UNREACHABLE_NO_EXECUTE]);
        else if (status === 'Unknown') await this.swap(node, [UNREACHABLE_NO_EXECUTE], [NOT_READY_NO_EXECUTE]);
      }
    }
  }

  private rateFor(state: ZoneState, zoneSize: number): number {
    if (state === 'PartialDisruption') return zoneSize > (this.cfg.largeClusterSizeThreshold ?? 50) ? (this.cfg.secondaryNodeEvictionRate ?? 0.01) : 0;
    return this.cfg.nodeEvictionRate ?? 0.1;
  }

  /** handleDisruption: zone states set each zone's tainting rate; when every zone is down, nothing is tainted. */
  private async handleDisruption(zones: Map<string, (string | undefined)[]>, nodes: any[]): Promise<void> {
    const threshold = this.cfg.unhealthyZoneThreshold ?? 0.55;
    const next = new Map<string, ZoneState>();
    for (const [z, statuses] of zones) {
      next.set(z, computeZoneState(statuses, threshold).state);
      if (!this.zoneStates.has(z)) this.zoneStates.set(z, 'Initial');
    }
    for (const z of [...this.zoneStates.keys()]) if (!zones.has(z)) this.zoneStates.delete(z);
    const allNow = [...next.values()].every((s) => s === 'FullDisruption');
    const allWere = [...this.zoneStates.values()].every((s) => s === 'FullDisruption');
    if (allNow && allWere) return;
    if (allNow) {
      this.cfg.log?.('all nodes are not ready: entering master disruption mode');
      for (const n of nodes) await this.markReachable(n);
      for (const z of this.zoneStates.keys()) {
        this.tainter(z).setRate(0);
        this.zoneStates.set(z, 'FullDisruption');
      }
      return;
    }
    if (allWere) {
      this.cfg.log?.('some nodes are ready: exiting master disruption mode');
      this.health.resetProbes(this.now());
    }
    for (const [z, prev] of this.zoneStates) {
      const state = next.get(z)!;
      if (!allWere && prev === state) continue;
      this.tainter(z).setRate(this.rateFor(state, zones.get(z)?.length ?? 0));
      this.zoneStates.set(z, state);
    }
  }
}
