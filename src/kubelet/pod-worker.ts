// Drives one pod toward its spec, level-based like upstream's syncPod: each
// sync reads the runtime's view (sandbox, container instances), makes one
// step (sandbox, then init containers in order, then app containers, with
// restart policy and back-off), and posts the resulting status. Deletion
// stops containers within the grace period, removes them and the sandbox,
// and then deletes the pod object.
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Client } from '../client/rest.ts';
import { PODS } from '../hollow/pods.ts';
import type { CriClient, CriContainerStatus } from './cri/client.ts';
import type { Backoff } from './backoff.ts';
import { goDuration } from './backoff.ts';
import { containerConfig, podCgroup, podLogDir, sandboxConfig } from './spec.ts';
import type { SandboxOptions } from './spec.ts';
import { isSidecar, podStatus } from './status.ts';
import type { PodRuntimeView, Waiting } from './status.ts';
import { removeCgroupTree } from './containerd/daemon.ts';
import { Prober } from './prober.ts';
import { podCgroupCandidates, podResourceConfig } from './qos.ts';
import { applyPodCgroup } from './cgroups.ts';
import { killContainer, podGracePeriod, stopPod, MINIMUM_GRACE_PERIOD_SECONDS } from './termination.ts';
import type { KillContext } from './termination.ts';
import { runHook } from './hooks.ts';
import { formatPod } from './messages.ts';
import { runtimeView } from './runtime-view.ts';
import type { RuntimeView } from './runtime-view.ts';
import { createRecorder } from '../client/events.ts';
import type { Recorder } from '../client/events.ts';
import { resolveEnv } from './env.ts';
import { containerMounts, hasRefreshableVolumes, podDir, setupVolumes, teardownVolumes } from './volumes/index.ts';
import { hostsMounts } from './hosts.ts';
import type { PreparedVolume } from './volumes/index.ts';
import type { ObjectSource } from './volumes/projection.ts';
import { apiObjects, nodeAllocatable, podServiceList } from './volumes/api.ts';
import type { ServiceSource } from './volumes/api.ts';
import { ensureImageExists, imagePullSources } from './images.ts';
import { imageUser, verifyRunAsNonRoot } from './security.ts';
import { trace } from './trace.ts';

export interface WorkerContext {
  client: Client;
  cri: CriClient;
  sandbox: SandboxOptions;
  hostIP: string;
  restartBackoff: Backoff;
  pullBackoff: Backoff;
  now: () => Date;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  /** The kubelet's --root-dir (volumes live under <rootDir>/pods/<uid>); defaults to the one above sandbox.logRoot. */
  rootDir?: string;
  /** Where the kubelet's events go; by default one recorder per client, as component "kubelet". */
  recorder?: Recorder;
  /** How often configMap/secret/downwardAPI/projected volumes are re-projected (default 10 s). */
  volumeResyncMs?: number;
  /** The Services for link variables (the kubelet's informer, as upstream's service lister). */
  services: ServiceSource;
}

const recorders = new WeakMap<Client, Recorder>();

function recorderFor(ctx: WorkerContext, host: string | undefined): Recorder {
  if (ctx.recorder) return ctx.recorder;
  let r = recorders.get(ctx.client);
  if (!r) recorders.set(ctx.client, r = createRecorder(ctx.client, 'kubelet', { host, now: ctx.now, log: ctx.log }));
  return r;
}

const ns2ms = (ns: string) => Number(BigInt(ns || '0') / 1_000_000n);

export function grpcMessage(err: any): string {
  const names: Record<number, string> = { 2: 'Unknown', 3: 'InvalidArgument', 4: 'DeadlineExceeded', 5: 'NotFound', 13: 'Internal', 14: 'Unavailable' };
  return typeof err?.code === 'number' ? `rpc error: code = ${names[err.code] ?? err.code} desc = ${err.details ?? err.message}` : String(err?.message ?? err);
}

export class PodWorker {
  pod: any;
  private readonly ctx: WorkerContext;
  private readonly waiting = new Map<string, Waiting>();
  private lastPosted = '';
  /** When a back-off ends and the worker should look again. */
  wakeAt = 0;
  terminated = false;
  readonly prober: Prober;
  private volumes?: Map<string, PreparedVolume>;
  private volumesAt = 0;
  private volumesRV = '';
  private mountFailures = 0;
  /** The grace period of the kill under way, if any. */
  private killGrace?: number;

  /**
   * Set when the kubelet's last relist showed nothing of this pod in the
   * runtime and no worker of this kubelet has touched it: the first sync
   * then starts from that empty view instead of asking the runtime again,
   * as upstream's first sync reads the PLEG cache. In a burst those list
   * calls wait behind every other pod's sandbox work in the runtime.
   */
  private knownEmpty: boolean;

  constructor(pod: any, ctx: WorkerContext, opts: { knownEmpty?: boolean } = {}) {
    this.pod = pod;
    this.ctx = ctx;
    this.knownEmpty = !!opts.knownEmpty;
    this.prober = new Prober({ cri: ctx.cri, log: ctx.log, event: (type, reason, message) => this.event(type, reason, message) });
  }

  get key(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
  }

  get uid(): string {
    return this.pod.metadata.uid;
  }

  private get rootDir(): string {
    return this.ctx.rootDir ?? resolve(this.ctx.sandbox.logRoot, '../..');
  }

  private get recorder(): Recorder {
    return recorderFor(this.ctx, this.pod.spec?.nodeName);
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.recorder.event({ apiVersion: 'v1', kind: 'Pod', ...this.pod }, type, reason, message);
  }

  /** Asks the relist to sync this pod again within ms. */
  private wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (!this.wakeAt || this.wakeAt > at) this.wakeAt = at;
  }

  private get objects(): ObjectSource {
    return apiObjects(this.ctx.client, this.pod.metadata.namespace);
  }

  /**
   * Prepares (or re-projects, when the resync period passed or the pod changed)
   * the pod's volumes. False until every volume is ready the first time: the
   * containers wait, as upstream's WaitForAttachAndMount makes them.
   */
  private async ensureVolumes(): Promise<boolean> {
    const period = this.ctx.volumeResyncMs ?? 10_000;
    const rv = String(this.pod.metadata.resourceVersion ?? '');
    if (this.volumes && Date.now() - this.volumesAt < period && rv === this.volumesRV) return true;
    const { volumes, failures } = await setupVolumes(this.pod, this.rootDir, this.objects, nodeAllocatable(this.rootDir), this.ctx.now());
    for (const f of failures) {
      const message = `MountVolume.SetUp failed for volume "${f.volume}" : ${f.message}`;
      this.event('Warning', 'FailedMount', message);
      this.ctx.log('volume setup failed', { pod: this.key, volume: f.volume, error: f.message });
    }
    if (failures.length && !this.volumes) {
      this.mountFailures++;
      this.wakeIn(Math.min(500 * 2 ** this.mountFailures, 32_000));
      return false;
    }
    this.mountFailures = 0;
    // A failed re-projection keeps the running containers on the content they have.
    this.volumes = failures.length ? this.volumes : volumes;
    this.volumesAt = Date.now();
    this.volumesRV = rv;
    return true;
  }

  /** The IPs of the live sandbox, once read. */
  private sandboxIps?: { sandboxId: string; ips: string[] };

  private async view(): Promise<RuntimeView> {
    const v = await runtimeView(this.ctx.cri, this.pod, this.ctx.hostIP, this.sandboxIps);
    if (v.ready) this.sandboxIps = { sandboxId: v.sandboxes[0].id, ips: v.ips };
    return v;
  }

  private get killer(): KillContext {
    return { cri: this.ctx.cri, log: this.ctx.log, event: (type, reason, message) => this.event(type, reason, message) };
  }

  /** One step toward the spec, then a status report. */
  async sync(): Promise<void> {
    if (this.terminated) return;
    trace(this.uid, 'sync');
    let v: RuntimeView = this.knownEmpty ? { sandboxes: [], instances: new Map(), ips: [], ready: false } : await this.view();
    this.knownEmpty = false;
    trace(this.uid, 'viewed');
    const phase = this.pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      await this.stopAll(v, 0, false);
      this.terminated = true;
      return;
    }
    if (!(await this.ensureVolumes())) {
      await this.report(v);
      return;
    }
    trace(this.uid, 'volumes');
    let sandboxId = v.ready ? v.sandboxes[0].id : '';
    let sbConfig: any;
    try {
      sbConfig = sandboxConfig(this.pod, v.sandboxes[0] && !v.ready ? v.sandboxes[0].metadata.attempt + 1 : v.sandboxes[0]?.metadata.attempt ?? 0, this.ctx.sandbox);
    } catch (err) {
      // A sandbox the kubelet cannot describe (an FQDN too long for the kernel): the pod stays ContainerCreating.
      this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      this.wakeIn(10_000);
      await this.report(v);
      return;
    }
    if (!sandboxId) {
      if (v.sandboxes.length) await this.stopAll(v, 0, true);
      await mkdir(podLogDir(this.ctx.sandbox.logRoot, this.pod), { recursive: true });
      const cgroup = podCgroup(this.ctx.sandbox.cgroupRoot, this.pod);
      const unset = applyPodCgroup(cgroup, podResourceConfig(this.pod));
      if (unset.length) this.ctx.log('pod cgroup settings not applied', { pod: this.key, cgroup, failed: unset });
      trace(this.uid, 'sandbox-call');
      sandboxId = await this.ctx.cri.runPodSandbox(sbConfig);
      trace(this.uid, 'sandbox-done');
      this.ctx.log('pod sandbox started', { pod: this.key, sandbox: sandboxId });
      v = await this.view();
    }
    const policy = this.pod.spec.restartPolicy ?? 'Always';
    if (await this.syncInitContainers(v, policy, sandboxId, sbConfig)) {
      for (const c of this.pod.spec.containers ?? []) {
        const list = v.instances.get(c.name) ?? [];
        const latest = list[0];
        if (!latest) await this.start(c, 0, sandboxId, sbConfig, v.ips);
        else if (latest.state === 'CONTAINER_EXITED' && (policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0))) {
          await this.restart(c, latest, list, sandboxId, sbConfig, v.ips);
        } else if (latest.state === 'CONTAINER_RUNNING') await this.probeRunning(c, latest, v.ips[0] ?? '');
      }
    }
    v = await this.view();
    const status = await this.report(v);
    if (status.phase === 'Succeeded' || status.phase === 'Failed') {
      await this.stopAll(v, 0, false);
      // The sidecars stopped only now: report them terminated.
      if ((this.pod.spec.initContainers ?? []).some(isSidecar)) await this.report(await this.view());
      this.terminated = true;
      return;
    }
    if (hasRefreshableVolumes(this.pod)) this.wakeIn(Math.max(0, (this.ctx.volumeResyncMs ?? 10_000) - (Date.now() - this.volumesAt)));
  }

  /**
   * Init containers in order: a regular one must exit 0 before the next
   * starts; a sidecar (restartPolicy Always) only has to have started (its
   * startup probe passed), keeps running, and is restarted whenever it
   * exits, whatever the pod's restartPolicy. True once the app containers
   * may run.
   */
  private async syncInitContainers(v: RuntimeView, policy: string, sandboxId: string, sbConfig: any): Promise<boolean> {
    // Once an app container exists the pod has initialized: regular init containers are not run again.
    const initialized = (this.pod.spec.containers ?? []).some((c: any) => v.instances.has(c.name));
    for (const c of this.pod.spec.initContainers ?? []) {
      const list = v.instances.get(c.name) ?? [];
      const latest = list[0];
      if (isSidecar(c)) {
        if (!latest) {
          await this.start(c, 0, sandboxId, sbConfig, v.ips);
          if (!initialized) return false;
        } else if (latest.state === 'CONTAINER_EXITED') {
          this.prober.forget(c.name);
          await this.restart(c, latest, list, sandboxId, sbConfig, v.ips);
          if (!initialized) return false;
        } else if (latest.state === 'CONTAINER_RUNNING') {
          await this.probeRunning(c, latest, v.ips[0] ?? '');
          // The relist only keeps time for the app containers' probes: a sidecar's own probes ask for the next look.
          const periods = [c.startupProbe, c.readinessProbe, c.livenessProbe].filter(Boolean).map((pr: any) => (pr.periodSeconds ?? 10) * 1000);
          if (periods.length) this.wakeIn(Math.min(...periods));
          if (!initialized && !(this.prober.started.get(c.name) ?? true)) return false;
        } else if (!initialized) return false;
        continue;
      }
      if (initialized || (latest?.state === 'CONTAINER_EXITED' && latest.exitCode === 0)) continue;
      if (!latest) await this.start(c, 0, sandboxId, sbConfig, v.ips);
      else if (latest.state === 'CONTAINER_EXITED' && policy !== 'Never') await this.restart(c, latest, list, sandboxId, sbConfig, v.ips);
      return false;
    }
    return true;
  }

  /** Probes a running container; a failed liveness or startup probe kills it (the next sync restarts it). */
  private async probeRunning(c: any, latest: CriContainerStatus, podIP: string): Promise<void> {
    this.waiting.delete(c.name);
    const failed = await this.prober.probe(this.pod, c, latest, podIP);
    if (!failed) return;
    await killContainer(this.killer, {
      pod: this.pod, container: c, status: latest, podIP,
      gracePeriod: failed.gracePeriod ?? podGracePeriod(this.pod),
      message: `Container ${c.name} failed ${failed.kind} probe, will be restarted`,
    });
    this.prober.forget(c.name);
  }

  private async report(v: { ready: boolean; ips: string[]; instances: Map<string, CriContainerStatus[]> }): Promise<any> {
    const view: PodRuntimeView = {
      sandboxReady: v.ready, podIPs: v.ips, hostIP: this.ctx.hostIP, instances: v.instances, waiting: this.waiting, readiness: this.prober.readiness, started: this.prober.started,
    };
    const status = podStatus(this.pod, view, this.ctx.now());
    await this.post(status);
    return status;
  }

  private async post(status: any): Promise<void> {
    const text = JSON.stringify(status);
    if (text === this.lastPosted) return;
    const updated = await this.ctx.client.patch(PODS, this.pod.metadata.namespace, this.pod.metadata.name,
      { metadata: { uid: this.uid }, status }, { type: 'merge', subresource: 'status' });
    this.lastPosted = text;
    this.pod = updated;
    trace(this.uid, `posted-${status.phase}`);
  }

  /** Pulls the image as the container's imagePullPolicy says (with the pod's pull secrets); undefined (and a waiting reason) on failure. */
  private async ensureImage(c: any, sbConfig: any): Promise<{ imageRef: string; status?: unknown } | undefined> {
    const r = await ensureImageExists({
      cri: this.ctx.cri, backoff: this.ctx.pullBackoff, log: this.ctx.log, errorText: grpcMessage,
      secrets: imagePullSources(this.ctx.client, this.pod.metadata.namespace), event: (type, reason, message) => this.event(type, reason, message),
    }, this.pod, c, sbConfig);
    if ('imageRef' in r) return r;
    this.waiting.set(c.name, r.waiting);
    if (r.retryInMs !== undefined) this.wakeIn(r.retryInMs);
    return undefined;
  }

  private async start(c: any, attempt: number, sandboxId: string, sbConfig: any, ips: string[]): Promise<void> {
    trace(this.uid, 'container-prep');
    const ensured = await this.ensureImage(c, sbConfig);
    if (!ensured) return;
    const image = ensured.imageRef;
    let extra;
    try {
      const nonRoot = verifyRunAsNonRoot(this.pod, c, imageUser((ensured.status ?? await this.ctx.cri.imageStatus(image)) as any));
      if (nonRoot) throw new Error(nonRoot);
      const envs = await resolveEnv(this.pod, c, {
        podIP: ips[0] ?? '', hostIP: this.ctx.hostIP, src: this.objects, services: podServiceList(this.ctx.services, this.pod), alloc: nodeAllocatable(this.rootDir),
      });
      extra = {
        envs,
        mounts: [
          ...containerMounts(c, this.volumes ?? new Map(), new Map(envs.map((e) => [e.key, e.value]))),
          ...await hostsMounts({ pod: this.pod, container: c, ips, podDir: podDir(this.rootDir, this.uid), clusterDomain: this.ctx.sandbox.clusterDomain }),
        ],
        memoryCapacity: nodeAllocatable(this.rootDir).memoryBytes,
        seccompRoot: this.ctx.sandbox.seccompRoot,
      };
    } catch (err) {
      const message = String((err as Error)?.message ?? err);
      this.waiting.set(c.name, { reason: 'CreateContainerConfigError', message });
      this.event('Warning', 'Failed', `Error: ${message}`);
      this.wakeIn(5000);
      return;
    }
    let id: string;
    trace(this.uid, 'create-call');
    try {
      id = await this.ctx.cri.createContainer(sandboxId, containerConfig(this.pod, c, attempt, image, ips[0] ?? '', this.ctx.hostIP, extra), sbConfig);
    } catch (err) {
      this.waiting.set(c.name, { reason: 'CreateContainerError', message: grpcMessage(err) });
      this.event('Warning', 'Failed', `Error: ${grpcMessage(err)}`);
      return;
    }
    trace(this.uid, 'created');
    this.event('Normal', 'Created', `Created container: ${c.name}`);
    try {
      await this.ctx.cri.startContainer(id);
    } catch (err) {
      this.waiting.set(c.name, { reason: 'RunContainerError', message: grpcMessage(err) });
      this.event('Warning', 'Failed', `Error: ${grpcMessage(err)}`);
      return;
    }
    trace(this.uid, 'started');
    this.event('Normal', 'Started', `Started container ${c.name}`);
    this.waiting.delete(c.name);
    this.ctx.log('container started', { pod: this.key, container: c.name, attempt });
    if (c.lifecycle?.postStart) await this.postStart(c, id, ips[0] ?? '');
  }

  /** Runs the postStart hook; a failed hook kills the container, which then restarts as its policy says. */
  private async postStart(c: any, id: string, podIP: string): Promise<void> {
    const failure = await runHook(c.lifecycle.postStart, { cri: this.ctx.cri, pod: this.pod, container: c, containerId: id, podIP }, 600);
    if (!failure) return;
    this.event('Warning', 'FailedPostStartHook', failure);
    this.ctx.log('postStart hook failed', { pod: this.key, container: c.name, error: failure });
    await killContainer(this.killer, { pod: this.pod, container: c, status: { id }, podIP, gracePeriod: podGracePeriod(this.pod), message: 'FailedPostStartHook' });
    this.waiting.set(c.name, { reason: 'PostStartHookError', message: failure });
  }

  private async restart(c: any, latest: CriContainerStatus, list: CriContainerStatus[], sandboxId: string, sbConfig: any, ips: string[]): Promise<void> {
    const key = `${this.uid}/${c.name}`;
    const finished = ns2ms(latest.finishedAt) || Date.now();
    if (this.ctx.restartBackoff.inBackoffSince(key, finished)) {
      const p = this.pod.metadata;
      this.waiting.set(c.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${goDuration(this.ctx.restartBackoff.get(key))} restarting failed container=${c.name} pod=${p.name}_${p.namespace}(${p.uid})`,
      });
      this.wakeAt = Date.now() + this.ctx.restartBackoff.remaining(key, finished);
      this.event('Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${formatPod(this.pod)}`);
      return;
    }
    this.ctx.restartBackoff.next(key, finished);
    // Keep only the instance that just exited: it is the container's lastState.
    for (const old of list.slice(1)) await this.ctx.cri.removeContainer(old.id).catch((err) => this.ctx.log('could not remove old container', { pod: this.key, error: String(err) }));
    await this.start(c, latest.metadata.attempt + 1, sandboxId, sbConfig, ips);
  }

  /**
   * Stops every container (each within gracePeriod seconds, after its
   * preStop hook) and the sandbox; with remove, deletes them too. Sidecars
   * outlive the app containers: they are stopped afterwards, in reverse
   * order, within what is left of the grace period.
   */
  private async stopAll(v: RuntimeView, gracePeriod: number, remove: boolean): Promise<void> {
    const sidecars = (this.pod.spec?.initContainers ?? []).filter(isSidecar).map((c: any) => c.name as string);
    const running = (name: string) => (v.instances.get(name) ?? []).some((s) => s.state === 'CONTAINER_RUNNING');
    if (sidecars.some(running)) {
      const started = Date.now();
      const only = (names: (n: string) => boolean): RuntimeView => ({ ...v, sandboxes: [], instances: new Map([...v.instances].filter(([n]) => names(n))) });
      await stopPod(this.killer, this.pod, only((n) => !sidecars.includes(n)), gracePeriod, false);
      for (const name of sidecars.reverse()) {
        const left = Math.max(gracePeriod - Math.floor((Date.now() - started) / 1000), MINIMUM_GRACE_PERIOD_SECONDS);
        await stopPod(this.killer, this.pod, only((n) => n === name), gracePeriod === 0 ? 0 : left, false);
      }
      v = await this.view();
    }
    await stopPod(this.killer, this.pod, v, gracePeriod, remove);
  }

  /** Kills the pod (graceful stop, then removal of containers, sandbox, cgroup and logs). */
  async kill(gracePeriod: number): Promise<void> {
    this.terminated = true;
    this.killGrace = gracePeriod;
    const v = await this.view();
    await this.stopAll(v, gracePeriod, true);
    for (const cg of podCgroupCandidates(this.ctx.sandbox.cgroupRoot, this.uid)) removeCgroupTree(cg);
    await teardownVolumes(this.rootDir, this.uid).catch((err) => this.ctx.log('could not tear down volumes', { pod: this.key, error: String(err) }));
    this.volumes = undefined;
    await rm(podLogDir(this.ctx.sandbox.logRoot, this.pod), { recursive: true, force: true });
    this.ctx.restartBackoff.forgetPrefix(`${this.uid}/`);
    this.ctx.pullBackoff.forgetPrefix(`${this.uid}/`);
    this.ctx.log('pod killed', { pod: this.key, gracePeriod });
  }

  /**
   * A deletion with a shorter grace period (a second kubectl delete
   * --grace-period, or a forced delete) arrived while the pod was being
   * killed: stop its running containers again with the shorter timeout.
   */
  async shortenGrace(grace: number): Promise<void> {
    if (this.killGrace === undefined || grace >= this.killGrace) return;
    this.killGrace = grace;
    const v = await this.view();
    const running = [...v.instances.values()].flat().filter((c) => c.state === 'CONTAINER_RUNNING');
    this.ctx.log('shortening the grace period', { pod: this.key, gracePeriod: grace });
    await Promise.all(running.map((c) => this.ctx.cri.stopContainer(c.id, Math.max(grace, MINIMUM_GRACE_PERIOD_SECONDS))
      .catch((err) => this.ctx.log('could not stop container', { pod: this.key, container: c.id, error: grpcMessage(err) }))));
  }

  /** The graceful delete: the pod object goes once its containers are gone. */
  async finishDeletion(): Promise<void> {
    await this.kill(podGracePeriod(this.pod));
    try {
      await this.ctx.client.delete(PODS, this.pod.metadata.namespace, this.pod.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (err) {
      const code = (err as any)?.status?.code;
      if (code !== 404 && code !== 409) throw err;
    }
  }
}
