// A process full of hollow nodes: registers them, spreads their Lease
// renewals over the 10 s period, posts their status, runs the pods bound to
// them, and stops a node's heartbeats when its Node carries
// `hollow.k8ts.io/heartbeat: "stop"` or when the process gets SIGUSR1
// (SIGUSR2 resumes them all). One HTTPS listener serves every node's
// kubelet Summary API (stats.ts), for the apiserver's metrics.k8s.io.
import type { Client } from '../client/rest.ts';
import { Informer } from '../client/informer.ts';
import { HollowNode, NODES, HEARTBEAT_ANNOTATION, LEASE_RENEW_MS, nodeNet } from './nodes.ts';
import type { HollowNodeSpec } from './nodes.ts';
import { PodRunner, PODS } from './pods.ts';
import { startStatsServer } from './stats.ts';
import type { StatsServer } from './stats.ts';

export interface HollowConfig {
  client: Client;
  nodes: number;
  namePrefix?: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  zones?: number;
  now?: () => Date;
  /**
   * The stats listener's address, which the apiserver must reach (default
   * 127.0.0.1; `k8ts hollow --stats-address`) and port (default: any free
   * one); false serves no stats.
   */
  stats?: { address?: string; port?: number } | false;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export function nodeSpecs(cfg: HollowConfig): HollowNodeSpec[] {
  const prefix = cfg.namePrefix ?? 'hollow-';
  return Array.from({ length: cfg.nodes }, (_, i) => ({
    name: `${prefix}${i}`, index: i, cpu: cfg.cpu ?? '32', memory: cfg.memory ?? '256Gi', pods: cfg.pods ?? 110,
    labels: {
      ...(cfg.labels ?? {}),
      ...(cfg.zones ? { 'topology.kubernetes.io/zone': `zone-${i % cfg.zones}`, 'topology.kubernetes.io/region': 'hollow' } : {}),
    },
  }));
}

async function inBatches<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

export class HollowCluster {
  readonly nodes = new Map<string, HollowNode>();
  readonly pods: PodRunner;
  private readonly podInformer: Informer;
  private readonly nodeInformer: Informer;
  private timers: NodeJS.Timeout[] = [];
  private readonly log: NonNullable<HollowConfig['log']>;
  private readonly cfg: HollowConfig;
  private readonly now: () => Date;
  private stats: StatsServer | null = null;

  constructor(cfg: HollowConfig) {
    this.log = cfg.log ?? (() => {});
    this.cfg = cfg;
    const now = cfg.now ?? (() => new Date());
    this.now = now;
    for (const spec of nodeSpecs(cfg)) this.nodes.set(spec.name, new HollowNode(spec, cfg.client, now));
    this.pods = new PodRunner(cfg.client, now, this.log);
    for (const n of this.nodes.values()) this.pods.addNode(n.name, nodeNet(n.spec.index).podCIDR);
    // Only bound pods, as a kubelet watches only its own: an unscheduled pod's create costs no event here.
    this.podInformer = new Informer(cfg.client, PODS, { fieldSelector: 'spec.nodeName!=', log: this.log });
    this.nodeInformer = new Informer(cfg.client, NODES, { labelSelector: 'type=hollow', log: this.log });
  }

  async start(): Promise<void> {
    const all = [...this.nodes.values()];
    if (this.cfg.stats !== false) {
      const address = this.cfg.stats?.address ?? '127.0.0.1';
      const nodes = new Map(all.map((n) => [n.name, { name: n.name, memory: n.spec.memory }]));
      this.stats = await startStatsServer({
        address, port: this.cfg.stats?.port, clientCaPem: this.cfg.client.config.caPem, nodes, usage: this.pods.usage, now: this.now, log: this.log,
      });
      for (const n of all) n.spec.kubelet = { address, port: this.stats.port };
      this.log('serving node stats', { address, port: this.stats.port });
    }
    await inBatches(all, 32, (n) => n.register());
    await inBatches(all, 32, (n) => n.renewLease());
    this.log('hollow nodes registered', { nodes: all.length });

    const mine = (pod: any) => this.nodes.has(pod?.spec?.nodeName);
    this.podInformer.on({
      add: (p) => { if (mine(p)) this.pods.observe(p); },
      update: (_o, p) => { if (mine(p)) this.pods.observe(p); },
      delete: (p) => { if (mine(p)) this.pods.forget(p); },
    });
    this.nodeInformer.on({
      add: (n) => this.applyHeartbeatAnnotation(n),
      update: (_o, n) => this.applyHeartbeatAnnotation(n),
    });
    this.podInformer.start();
    this.nodeInformer.start();

    // Spread renewals evenly over the period rather than renewing every node at once.
    const slots = 20;
    for (let s = 0; s < slots; s++) {
      const group = all.filter((_, i) => i % slots === s);
      const tick = () => void inBatches(group, 8, (n) => n.renewLease().catch((err) => this.log('lease renewal failed', { node: n.name, error: String(err) })));
      const t0 = setTimeout(() => {
        tick();
        this.timers.push(setInterval(tick, LEASE_RENEW_MS));
      }, (LEASE_RENEW_MS / slots) * s);
      this.timers.push(t0);
    }
    this.timers.push(setInterval(() => {
      void inBatches(all, 8, (n) => n.postStatus().catch((err) => this.log('status post failed', { node: n.name, error: String(err) })));
    }, 30_000));
  }

  private applyHeartbeatAnnotation(node: any): void {
    const n = this.nodes.get(node.metadata.name);
    if (!n) return;
    const stop = node.metadata.annotations?.[HEARTBEAT_ANNOTATION] === 'stop';
    if (stop === !n.heartbeating) return;
    n.heartbeating = !stop;
    this.log(stop ? 'heartbeats stopped' : 'heartbeats resumed', { node: n.name });
    if (!stop) void n.postStatus(true).catch(() => undefined);
  }

  /** Stops (or resumes) the heartbeats of every node: the signal path. */
  setAllHeartbeats(on: boolean): void {
    for (const n of this.nodes.values()) n.heartbeating = on;
    this.log(on ? 'all heartbeats resumed' : 'all heartbeats stopped', { nodes: this.nodes.size });
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.podInformer.stop();
    this.nodeInformer.stop();
    this.pods.stop();
    void this.stats?.close();
    this.stats = null;
  }
}
