// Keeps this host's routes to the other nodes' pods in step with the Nodes
// (flannel host-gw style): watches Nodes, and on every change that matters
// (a node's podCIDR, its InternalIP, a node added or deleted), and every
// resync period in case someone else changed the routes, replaces and
// removes the routes it owns, keeps IPv4 forwarding on and keeps the
// masquerade exemptions. stop() takes its routes and rules away again.
import type { Client } from '../../client/rest.ts';
import { Informer } from '../../client/informer.ts';
import { NODES } from '../../hollow/nodes.ts';
import { desiredRoutes, exemptionRules, nodeView, planRoutes } from './plan.ts';
import type { Skipped } from './plan.ts';
import { systemNetwork } from './host.ts';
import type { HostNetwork } from './host.ts';

/** The part of an Informer the syncer uses (a fake in tests). */
export interface NodeSource {
  on(h: { add?(o: any): void; update?(old: any, o: any): void; delete?(o: any): void }): void;
  start(): void;
  stop(): void;
  waitForSync(): Promise<void>;
  list(): any[];
}

export interface RouteSyncerConfig {
  nodeName: string;
  /** This node's podCIDR: its pods' traffic to other nodes' pods is not masqueraded. */
  podCIDR?: string;
  client?: Client;
  nodes?: NodeSource;
  host?: HostNetwork;
  resyncMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export const ROUTE_RESYNC_MS = 30_000;

export class RouteSyncer {
  private readonly cfg: RouteSyncerConfig;
  private readonly nodes: NodeSource;
  private readonly host: HostNetwork;
  private readonly log: NonNullable<RouteSyncerConfig['log']>;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;
  private synced = false;
  private lastViews = '';
  private lastRules?: string;
  /** Problems already logged, so that a resync does not repeat them. */
  private reported = new Set<string>();

  constructor(cfg: RouteSyncerConfig) {
    if (!cfg.nodes && !cfg.client) throw new Error('the route syncer needs a client or a node source');
    this.cfg = cfg;
    this.nodes = cfg.nodes ?? new Informer(cfg.client!, NODES, { log: cfg.log });
    this.host = cfg.host ?? systemNetwork();
    this.log = cfg.log ?? (() => {});
  }

  start(): void {
    // Node status updates (heartbeats, conditions) arrive often: only what routing reads counts.
    const views = () => JSON.stringify(this.nodes.list().map(nodeView).sort((a, b) => a.name.localeCompare(b.name)));
    const onChange = () => {
      if (!this.synced) return;
      const now = views();
      if (now === this.lastViews) return;
      this.lastViews = now;
      void this.kick();
    };
    this.nodes.on({ add: onChange, update: onChange, delete: onChange });
    this.nodes.start();
    void this.nodes.waitForSync().then(() => {
      if (this.stopped) return;
      this.synced = true;
      this.lastViews = views();
      void this.kick();
      this.timer = setInterval(() => {
        // Someone may have flushed the nat table: rules that should exist are written again.
        if (this.lastRules !== '[]') this.lastRules = undefined;
        void this.kick();
      }, this.cfg.resyncMs ?? ROUTE_RESYNC_MS);
    });
  }

  /** Runs a sync; syncs never overlap, and kicks during one fold into one more. Resolves when the host is in step. */
  kick(): Promise<void> {
    if (this.stopped) return this.running;
    if (this.pending) return this.running;
    this.pending = true;
    this.running = this.running.then(() => {
      this.pending = false;
      if (this.stopped) return;
      return this.sync().catch((err) => this.log('pod route sync failed', { error: String(err?.message ?? err) }));
    });
    return this.running;
  }

  private async sync(): Promise<void> {
    const { nodeName, podCIDR } = this.cfg;
    const want = desiredRoutes(this.nodes.list().map(nodeView), { name: nodeName, podCIDR }, this.host.localAddresses());
    const plan = planRoutes(want.routes, await this.host.listRoutes());
    const problems: Skipped[] = [...want.skipped, ...plan.conflicts];
    if (want.routes.length && await this.host.ensureForwarding()) this.log('turned on IPv4 forwarding for pod traffic between nodes');
    const failed = new Set<string>();
    for (const r of plan.replace) {
      try {
        await this.host.replaceRoute(r);
        this.log('route to node pods set', { node: r.node, podCIDR: r.dst, via: r.via });
      } catch (err) {
        failed.add(r.node);
        problems.push({ node: r.node, reason: `the route to ${r.dst} via ${r.via} could not be set: ${(err as Error).message}` });
      }
    }
    for (const r of plan.remove) {
      await this.host.deleteRoute(r);
      this.log('route to node pods removed', { podCIDR: r.dst, via: r.gateway });
    }
    const conflicted = new Set(plan.conflicts.map((c) => c.node));
    const routed = want.routes.filter((r) => !conflicted.has(r.node) && !failed.has(r.node));
    const rules = exemptionRules(podCIDR, routed);
    const key = JSON.stringify(rules);
    if (key !== this.lastRules) {
      this.lastRules = undefined;
      await this.host.syncExemptions(rules);
      this.lastRules = key;
    }
    const now = new Set(problems.map((p) => `${p.node}: ${p.reason}`));
    for (const p of problems) if (!this.reported.has(`${p.node}: ${p.reason}`)) this.log('no route to node pods', { node: p.node, reason: p.reason });
    this.reported = now;
  }

  /** Stops watching and removes the routes and rules this node added. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.nodes.stop();
    await this.running;
    const ours = (await this.host.listRoutes()).filter((r) => r.ours);
    for (const r of ours) await this.host.deleteRoute(r);
    await this.host.syncExemptions([]);
  }
}
