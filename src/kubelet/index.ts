// The kubelet: registers its Node, renews its Lease, lays the pod network's
// CNI config, watches the pods bound to it and runs each through a pod
// worker against the container runtime (CRI over gRPC). A relist every
// second (upstream's PLEG) notices containers that changed state and wakes
// their pod's worker.
import { join, resolve } from 'node:path';
import type { Client } from '../client/rest.ts';
import { byNamespace, Informer } from '../client/informer.ts';
import { RESOURCES } from '../api/resources.ts';
import { PODS } from '../hollow/pods.ts';
import { CriClient, isNotFound } from './cri/client.ts';
import { ensurePodMasquerade, writeConflist } from './cni.ts';
import { hostFacts, NodeAgent, LEASE_RENEW_MS } from './node.ts';
import { PodWorker } from './pod-worker.ts';
import type { WorkerContext } from './pod-worker.ts';
import { Backoff } from './backoff.ts';
import { LABEL_POD_UID, podLogDir } from './spec.ts';
import { runtimePrint } from './runtime-view.ts';
import { Prober } from './prober.ts';
import { startKubeletServer } from './server/index.ts';
import { criStreamRuntime } from './server/cri-streams.ts';
import type { KubeletServer } from './server/index.ts';
import { StatsCollector } from './stats.ts';
import { trace } from './trace.ts';
import { LocalStorage } from './volumes/local-path.ts';

const SERVICES = RESOURCES.find((r) => r.group === '' && r.resource === 'services')!;

export interface KubeletConfig {
  client: Client;
  nodeName: string;
  /** unix:///path/to/containerd.sock */
  runtimeEndpoint: string;
  podCIDR: string;
  rootDir: string;
  /** Where the runtime reads CNI configs (containerd's cni conf_dir). */
  cniConfDir: string;
  bridge?: string;
  nodeIP?: string;
  maxPods?: number;
  labels?: Record<string, string>;
  /** Taints the Node is created with (--register-with-taints). */
  taints?: { key: string; value?: string; effect: string }[];
  clusterDNS?: string[];
  clusterDomain?: string;
  cgroupRoot?: string;
  relistMs?: number;
  /** The HTTPS server the apiserver reads logs from (port 0 picks a free one); without it none runs. */
  server?: { port: number; address?: string; tls: { certPem: string; keyPem: string; clientCaPem: string } };
  now?: () => Date;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export function validateConfig(cfg: KubeletConfig): string[] {
  const errs: string[] = [];
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(cfg.nodeName) || cfg.nodeName.length > 253) errs.push(`node name "${cfg.nodeName}" is not a valid DNS subdomain`);
  if (!cfg.runtimeEndpoint.startsWith('unix://')) errs.push(`container runtime endpoint "${cfg.runtimeEndpoint}" must be unix:///path`);
  if (!cfg.rootDir) errs.push('root dir is required');
  return errs;
}

export class Kubelet {
  readonly cri: CriClient;
  private readonly cfg: Required<Omit<KubeletConfig, 'nodeIP' | 'clusterDNS' | 'server'>> & Pick<KubeletConfig, 'nodeIP' | 'clusterDNS' | 'server'>;
  private readonly informer: Informer;
  private readonly services: Informer;
  private readonly workers = new Map<string, PodWorker>();
  private readonly busy = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly fingerprints = new Map<string, string>();
  /** The pods the last completed relist found in the runtime, by uid, with their prints (undefined before the first one). */
  private relisted?: Map<string, string>;
  private timers: NodeJS.Timeout[] = [];
  private node!: NodeAgent;
  private ctx!: WorkerContext;
  private stopped = false;
  private server?: KubeletServer;
  private stats?: StatsCollector;
  private storage?: LocalStorage;

  constructor(cfg: KubeletConfig) {
    const errs = validateConfig(cfg);
    if (errs.length) throw new Error(`invalid kubelet config: ${errs.join('; ')}`);
    const rootDir = resolve(cfg.rootDir);
    this.cfg = {
      bridge: 'k8ts0', maxPods: 110, labels: {}, taints: [], clusterDomain: 'cluster.local', cgroupRoot: `/k8ts/${cfg.nodeName}`, relistMs: 1000,
      now: () => new Date(), log: () => {}, ...cfg, rootDir,
    };
    this.cri = new CriClient(cfg.runtimeEndpoint);
    this.informer = new Informer(cfg.client, PODS, { fieldSelector: `spec.nodeName=${cfg.nodeName}`, log: this.cfg.log });
    // Link variables come from this cache (upstream's service lister), not from a LIST at every container start.
    this.services = new Informer(cfg.client, SERVICES, { indexers: { namespace: byNamespace }, log: this.cfg.log });
  }

  async start(): Promise<void> {
    const { cfg } = this;
    const version = await this.cri.version();
    const host = hostFacts(cfg.rootDir, cfg.nodeIP);
    writeConflist(cfg.cniConfDir, { podCIDR: cfg.podCIDR, bridge: cfg.bridge, ipamDataDir: join(cfg.rootDir, 'cni/ipam') });
    await ensurePodMasquerade(cfg.podCIDR, cfg.bridge)
      .catch((err) => cfg.log('pod masquerade setup failed: pods cannot reach beyond the node', { node: cfg.nodeName, error: String(err?.message ?? err) }));
    this.node = new NodeAgent(cfg.client, {
      name: cfg.nodeName, podCIDR: cfg.podCIDR, maxPods: cfg.maxPods, labels: cfg.labels, taints: cfg.taints, host,
      runtimeVersion: `${version.runtimeName}://${version.runtimeVersion}`,
    }, cfg.now);
    await this.node.register({ runtimeReady: true });
    await this.node.renewLease();
    cfg.log('node registered', { node: cfg.nodeName, runtime: `${version.runtimeName}://${version.runtimeVersion}` });
    this.ctx = {
      client: cfg.client, cri: this.cri, hostIP: host.internalIP, now: cfg.now, log: cfg.log,
      restartBackoff: new Backoff(), pullBackoff: new Backoff(),
      services: {
        // By name, as a LIST returns them: the link variables keep one order whatever order the watch delivered.
        list: (ns) => this.services.byIndex('namespace', ns).sort((x, y) => (x.metadata.name < y.metadata.name ? -1 : 1)),
        get: (ns, name) => this.services.get(`${ns}/${name}`),
      },
      sandbox: { logRoot: join(cfg.rootDir, 'logs/pods'), cgroupRoot: cfg.cgroupRoot, clusterDNS: cfg.clusterDNS, clusterDomain: cfg.clusterDomain, seccompRoot: join(cfg.rootDir, 'seccomp') },
    };
    this.informer.on({
      add: (p) => this.observe(p),
      update: (o, p) => this.observe(p, o),
      delete: (p) => this.forget(p),
    });
    // As upstream, no container starts before the Services were read once: its variables would be missing.
    this.services.start();
    this.informer.start();
    await Promise.all([this.services.waitForSync(), this.informer.waitForSync()]);
    this.storage = new LocalStorage({ client: cfg.client, nodeName: cfg.nodeName, rootDir: cfg.rootDir, log: cfg.log });
    await this.storage.start().catch((err) => cfg.log('local-path storage setup failed', { node: cfg.nodeName, error: String(err) }));
    this.stats = new StatsCollector({ cri: this.cri, nodeName: cfg.nodeName, rootDir: cfg.rootDir, log: cfg.log, pods: () => [...this.workers.values()].map((w) => w.pod) });
    this.stats.start();
    if (cfg.server) await this.serve(cfg.server);
    this.timers.push(setInterval(() => void this.heartbeat(), LEASE_RENEW_MS));
    this.timers.push(setInterval(() => void this.relist(), cfg.relistMs));
  }

  /** The port the HTTPS server listens on, once started. */
  get serverPort(): number | undefined {
    return this.server?.port;
  }

  private async serve(o: NonNullable<KubeletConfig['server']>): Promise<void> {
    const logRoot = join(this.cfg.rootDir, 'logs/pods');
    this.server = await startKubeletServer({
      port: o.port, address: o.address, tls: o.tls, log: this.cfg.log,
      host: {
        getPod: (namespace, name) => {
          for (const w of this.workers.values()) {
            const m = w.pod.metadata;
            if (m.namespace === namespace && m.name === name && w.pod.spec?.containers) return w.pod;
          }
          return undefined;
        },
        podLogDir: (pod) => podLogDir(logRoot, pod),
        containerStatus: async (id) => {
          try {
            const s = await this.cri.containerStatus(id) as { state: string; logPath?: string };
            return { running: s.state === 'CONTAINER_RUNNING', logPath: s.logPath };
          } catch (err) {
            if (isNotFound(err)) return undefined;
            throw err;
          }
        },
        streams: criStreamRuntime(this.cri),
        summary: (opts) => this.stats!.summary(opts),
      },
    });
  }

  private async heartbeat(): Promise<void> {
    let ready = true;
    let message: string | undefined;
    try {
      await this.cri.version();
    } catch (err) {
      ready = false;
      message = `container runtime is down: ${String(err)}`;
    }
    await this.node.renewLease().catch((err) => this.cfg.log('lease renewal failed', { node: this.cfg.nodeName, error: String(err) }));
    await this.node.postStatus({ runtimeReady: ready, runtimeMessage: message }).catch((err) => this.cfg.log('node status update failed', { node: this.cfg.nodeName, error: String(err) }));
  }

  private observe(pod: any, old?: any): void {
    const uid = pod.metadata.uid;
    let w = this.workers.get(uid);
    // The worker's own status reports come back as updates: as upstream's pod config does, a change of status alone syncs nothing.
    if (w && old && statusOnly(old, pod)) {
      if (Number(pod.metadata.resourceVersion) >= Number(w.pod.metadata.resourceVersion)) w.pod = pod;
      return;
    }
    if (!w) {
      trace(uid, 'seen');
      // Sandboxes of a pod are made only by its worker, or by an earlier kubelet (which every relist of this one sees).
      w = new PodWorker(pod, this.ctx, { knownEmpty: !!this.relisted && !this.relisted.has(uid) });
      this.workers.set(uid, w);
    } else if (Number(pod.metadata.resourceVersion) >= Number(w.pod.metadata.resourceVersion) || pod.metadata.deletionTimestamp) {
      w.pod = pod;
    }
    const grace = pod.metadata.deletionGracePeriodSeconds;
    if (this.busy.has(uid) && pod.metadata.deletionTimestamp && grace !== undefined) this.shorten(w, grace);
    this.kick(uid);
  }

  private forget(pod: any): void {
    const w = this.workers.get(pod.metadata.uid);
    if (!w) return;
    // Deleted without us (a forced delete): tear the pod down at once.
    w.pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: pod.metadata.deletionTimestamp ?? new Date().toISOString(), deletionGracePeriodSeconds: 0 } };
    if (this.busy.has(pod.metadata.uid)) this.shorten(w, 0);
    this.kick(pod.metadata.uid, true);
  }

  /** Cuts short a kill under way (its worker is busy, so this runs beside it). */
  private shorten(w: PodWorker, grace: number): void {
    w.shortenGrace(grace).catch((err) => this.cfg.log('could not shorten the grace period', { pod: w.key, error: String(err) }));
  }

  /** Runs the pod's worker; syncs of one pod never overlap. */
  private kick(uid: string, gone = false): void {
    if (this.stopped) return;
    if (this.busy.has(uid)) {
      this.dirty.add(uid);
      return;
    }
    const w = this.workers.get(uid);
    if (!w) return;
    this.busy.add(uid);
    const deleting = !!w.pod.metadata.deletionTimestamp;
    const work = gone ? w.kill(0) : deleting ? w.finishDeletion() : w.sync();
    work.then(() => {
      if (gone || deleting) this.workers.delete(uid);
    }, (err) => {
      this.cfg.log('pod sync failed', { pod: w.key, error: String(err?.details ?? err?.message ?? err) });
      w.wakeAt = Date.now() + 1000;
    }).finally(() => {
      this.busy.delete(uid);
      if (this.dirty.delete(uid)) this.kick(uid);
    });
  }

  /** Wakes the workers whose containers changed, whose back-off ended, or whose probes are due; removes orphaned sandboxes. */
  private async relist(): Promise<void> {
    let containers;
    let sandboxes;
    try {
      containers = await this.cri.listContainers();
      sandboxes = (await this.cri.listPodSandbox()).items;
    } catch (err) {
      this.cfg.log('runtime relist failed', { error: String(err) });
      return;
    }
    const byPod = new Map<string, { containers: typeof containers; sandboxes: typeof sandboxes }>();
    const of = (uid: string) => byPod.get(uid) ?? byPod.set(uid, { containers: [], sandboxes: [] }).get(uid)!;
    for (const c of containers) if (c.labels[LABEL_POD_UID]) of(c.labels[LABEL_POD_UID]).containers.push(c);
    for (const s of sandboxes) if (s.labels[LABEL_POD_UID]) of(s.labels[LABEL_POD_UID]).sandboxes.push(s);
    const prints = new Map([...byPod].map(([uid, x]) => [uid, runtimePrint(x.containers, x.sandboxes)]));
    this.relisted = prints;
    const now = Date.now();
    for (const [uid, w] of this.workers) {
      const print = prints.get(uid) ?? '';
      // As upstream's PLEG: a change the worker made itself (a container it started) wakes it once more, at the
      // first relist after its sync; a busy worker is compared once it is done, not marked dirty by its own steps.
      const busy = this.busy.has(uid);
      const changed = !busy && print !== this.fingerprints.get(uid);
      if (!busy) this.fingerprints.set(uid, print);
      const probeDue = !w.terminated && Prober.periodMs(w.pod) !== undefined;
      if (changed || (w.wakeAt && now >= w.wakeAt) || probeDue) {
        w.wakeAt = 0;
        this.kick(uid);
      }
    }
    for (const uid of [...this.fingerprints.keys()]) if (!this.workers.has(uid) && !prints.has(uid)) this.fingerprints.delete(uid);
    // Sandboxes of pods this node no longer has (deleted while the kubelet was down).
    for (const s of sandboxes) {
      const uid = s.labels[LABEL_POD_UID];
      if (!uid || this.workers.has(uid) || this.busy.has(uid)) continue;
      const orphan = new PodWorker({ metadata: { uid, name: s.metadata.name, namespace: s.metadata.namespace }, spec: {} }, this.ctx);
      this.workers.set(uid, orphan);
      this.cfg.log('removing orphaned pod sandbox', { pod: `${s.metadata.namespace}/${s.metadata.name}`, sandbox: s.id });
      this.kick(uid, true);
    }
  }

  /** Stops watching and reporting; containers keep running (as when upstream's kubelet restarts). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.stats?.stop();
    this.storage?.stop();
    this.informer.stop();
    this.services.stop();
    void this.server?.close();
    this.cri.close();
  }
}

/** Whether the update changed only the pod's status (and so its resourceVersion). */
export function statusOnly(old: any, pod: any): boolean {
  const rest = (p: any) => JSON.stringify([{ ...p.metadata, resourceVersion: undefined, managedFields: undefined }, p.spec]);
  return rest(old) === rest(pod);
}
