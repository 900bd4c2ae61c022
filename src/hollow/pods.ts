// Runs the pods bound to hollow nodes through their life: Pending to
// Running (container statuses, podIP, conditions, start times), Succeeded
// after `hollow.k8ts.io/run-seconds`, Failed for `hollow.k8ts.io/exit-code`,
// and the final delete of a pod being deleted gracefully.
import { RESOURCES } from '../api/resources.ts';
import type { Client } from '../client/rest.ts';
import { seconds } from './nodes.ts';
import { UsageBook } from './usage.ts';

export const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
export const RUN_SECONDS = 'hollow.k8ts.io/run-seconds';
export const EXIT_CODE = 'hollow.k8ts.io/exit-code';
/** "<index>:<n>": the pods of that Job completion index fail (exit-code, else 1) until n of them have failed. */
export const FAILING_INDEX = 'hollow.k8ts.io/failing-index';
export { CPU_USAGE, MEMORY_USAGE } from './usage.ts';

class IpPool {
  private readonly prefix: string;
  private next = 2;
  private readonly used = new Set<number>();
  constructor(podCIDR: string) {
    this.prefix = podCIDR.split('.').slice(0, 3).join('.');
  }
  take(): string {
    for (let i = 0; i < 253; i++) {
      const n = this.next;
      this.next = this.next >= 254 ? 2 : this.next + 1;
      if (!this.used.has(n)) {
        this.used.add(n);
        return `${this.prefix}.${n}`;
      }
    }
    return `${this.prefix}.254`;
  }
  give(ip: string): void {
    this.used.delete(Number(ip.split('.')[3]));
  }
}

function containerStatus(c: any, state: any, ready: boolean, podUid: string, i: number, restartCount = 0): any {
  return {
    name: c.name, image: c.image, imageID: `hollow://${c.image}`, containerID: `hollow://${podUid.slice(0, 8)}-${i}`,
    ready, started: state.running !== undefined, restartCount, state,
  };
}

export class PodRunner {
  private readonly client: Client;
  private readonly now: () => Date;
  private readonly pools = new Map<string, IpPool>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly started = new Map<string, { ip: string; node: string }>();
  /** What each running pod's containers use, as the node's Summary API reports it. */
  readonly usage: UsageBook;
  private readonly log: (msg: string, fields?: Record<string, unknown>) => void;

  constructor(client: Client, now: () => Date, log: (msg: string, fields?: Record<string, unknown>) => void) {
    this.client = client;
    this.now = now;
    this.log = log;
    this.usage = new UsageBook(now);
  }

  addNode(name: string, podCIDR: string): void {
    this.pools.set(name, new IpPool(podCIDR));
  }

  /** Called for every change of a pod bound to one of our nodes. */
  observe(pod: any): void {
    const uid = pod.metadata.uid;
    if (pod.metadata.deletionTimestamp) {
      void this.finishDelete(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (this.started.has(uid)) {
      // A running pod's usage follows its annotations, so tests can drive the autoscaler.
      this.usage.update(pod);
      return;
    }
    if (phase === 'Succeeded' || phase === 'Failed') return;
    this.started.set(uid, { ip: '', node: pod.spec.nodeName });
    void this.start(pod).catch((err) => {
      this.started.delete(uid);
      this.log('could not start hollow pod', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: String(err) });
    });
  }

  forget(pod: any): void {
    const uid = pod.metadata.uid;
    const s = this.started.get(uid);
    if (s?.ip) this.pools.get(s.node)?.give(s.ip);
    this.started.delete(uid);
    this.usage.remove(uid);
    const t = this.timers.get(uid);
    if (t) clearTimeout(t);
    this.timers.delete(uid);
  }

  private async patchStatus(pod: any, status: any): Promise<void> {
    await this.client.patch(PODS, pod.metadata.namespace, pod.metadata.name, { metadata: { uid: pod.metadata.uid }, status }, { type: 'merge', subresource: 'status' });
  }

  private async start(pod: any): Promise<void> {
    const now = seconds(this.now());
    const ip = pod.spec.hostNetwork ? '' : this.pools.get(pod.spec.nodeName)?.take() ?? '';
    this.started.set(pod.metadata.uid, { ip, node: pod.spec.nodeName });
    const containers: any[] = pod.spec.containers ?? [];
    const inits: any[] = pod.spec.initContainers ?? [];
    const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
    const status: any = {
      phase: 'Running', hostIP: '', podIP: ip, podIPs: ip ? [{ ip }] : [], startTime: now,
      conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
      containerStatuses: containers.map((c, i) => containerStatus(c, { running: { startedAt: now } }, true, pod.metadata.uid, i)),
      ...(inits.length ? {
        initContainerStatuses: inits.map((c, i) => containerStatus(c, { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } }, false, pod.metadata.uid, 100 + i)),
      } : {}),
    };
    await this.patchStatus(pod, status);
    const ann = pod.metadata.annotations ?? {};
    if (this.started.has(pod.metadata.uid)) this.usage.start(pod, now);
    const exitCode = (await this.failsThisAttempt(pod)) ? Number(ann[EXIT_CODE] ?? '1') || 1 : Number(ann[EXIT_CODE] ?? '0');
    const runSeconds = ann[RUN_SECONDS] !== undefined ? Number(ann[RUN_SECONDS]) : exitCode !== 0 ? 1 : NaN;
    if (Number.isFinite(runSeconds)) {
      this.timers.set(pod.metadata.uid, setTimeout(() => void this.finish(pod, status, exitCode).catch((err) => {
        this.log('could not finish hollow pod', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: String(err) });
      }), Math.max(0, runSeconds) * 1000));
    }
  }

  /** A flaky index: counts its failed attempts in the API (the Job keeps failed pods), so the answer holds across hollow processes. */
  private async failsThisAttempt(pod: any): Promise<boolean> {
    const m = /^(\d+):(\d+)$/.exec(pod.metadata.annotations?.[FAILING_INDEX] ?? '');
    const index = pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
    const owner = (pod.metadata.ownerReferences ?? []).find((r: any) => r.controller)?.uid;
    if (!m || index !== m[1] || !owner) return false;
    const { items } = await this.client.list(PODS, pod.metadata.namespace, {
      labelSelector: `batch.kubernetes.io/controller-uid=${owner},batch.kubernetes.io/job-completion-index=${index}`,
    });
    return items.filter((p: any) => p.status?.phase === 'Failed').length < Number(m[2]);
  }

  private async finish(pod: any, running: any, exitCode: number): Promise<void> {
    this.timers.delete(pod.metadata.uid);
    const now = seconds(this.now());
    const ok = exitCode === 0;
    const reason = ok ? 'Completed' : 'Error';
    const containers: any[] = pod.spec.containers ?? [];
    const notReady = (type: string) => ({ type, status: 'False', lastProbeTime: null, lastTransitionTime: now, ...(type === 'Ready' || type === 'ContainersReady' ? { reason: 'PodCompleted' } : {}) });
    await this.patchStatus(pod, {
      phase: ok ? 'Succeeded' : 'Failed',
      conditions: running.conditions.map((c: any) => (['Ready', 'ContainersReady', 'PodReadyToStartContainers'].includes(c.type) ? notReady(c.type) : c)),
      containerStatuses: containers.map((c, i) => containerStatus(c, {
        terminated: { exitCode, reason, startedAt: running.startTime, finishedAt: now, containerID: `hollow://${pod.metadata.uid.slice(0, 8)}-${i}` },
      }, false, pod.metadata.uid, i)),
    });
    this.usage.remove(pod.metadata.uid);
  }

  /** A kubelet confirms a graceful delete once its containers are stopped; hollow ones stop at once. */
  private async finishDelete(pod: any): Promise<void> {
    this.forget(pod);
    try {
      await this.client.delete(PODS, pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      const code = (err as any)?.status?.code;
      if (code !== 404 && code !== 409) this.log('could not delete hollow pod', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: String(err) });
    }
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
