// Pod status from what the runtime reports: container statuses (state,
// lastState, restartCount, ids), the pod phase and the conditions, following
// upstream's kubelet (getPhase, the condition generators, and the waiting
// reasons it reports between container starts).
import type { CriContainerStatus } from './cri/client.ts';
import { criTime } from './cri/client.ts';
import { seconds } from '../hollow/nodes.ts';
import { qosClass } from './qos.ts';

export interface Waiting {
  reason: string;
  message?: string;
}

/** Everything the runtime and the worker know about one pod at one moment. */
export interface PodRuntimeView {
  sandboxReady: boolean;
  podIPs: string[];
  hostIP: string;
  /** Per container name, newest attempt first. */
  instances: Map<string, CriContainerStatus[]>;
  /** Waiting reasons the worker decided on (back-off, image pull errors), per container name. */
  waiting: Map<string, Waiting>;
  /** Readiness probe results; a running container without a probe is ready. */
  readiness: Map<string, boolean>;
  /** Startup probe results; a running container without a startup probe has started. */
  started?: Map<string, boolean>;
}

function terminated(s: CriContainerStatus): any {
  return {
    exitCode: s.exitCode, ...(s.reason ? { reason: s.reason } : {}), ...(s.message ? { message: s.message } : {}),
    startedAt: criTime(s.startedAt) ?? null, finishedAt: criTime(s.finishedAt) ?? null, containerID: `containerd://${s.id}`,
  };
}

export function containerStatus(c: any, view: PodRuntimeView, defaultWaiting: string, init: boolean): any {
  const [latest, previous] = view.instances.get(c.name) ?? [];
  const base = { name: c.name, image: c.image, imageID: '', ready: false, restartCount: 0, started: false, lastState: {} as any, state: {} as any };
  if (!latest) {
    base.state = { waiting: view.waiting.get(c.name) ?? { reason: defaultWaiting } };
    return base;
  }
  const out: any = { ...base, imageID: latest.imageRef, containerID: `containerd://${latest.id}`, restartCount: latest.metadata.attempt };
  if (latest.state === 'CONTAINER_RUNNING') {
    out.state = { running: { startedAt: criTime(latest.startedAt) } };
    out.started = view.started?.get(c.name) ?? true;
    // A sidecar (restartable init container) is ready as an app container is; a regular init container never is while it runs.
    out.ready = (!init || isSidecar(c)) && out.started && (view.readiness.get(c.name) ?? true);
    if (previous?.state === 'CONTAINER_EXITED') out.lastState = { terminated: terminated(previous) };
  } else if (latest.state === 'CONTAINER_EXITED') {
    const w = view.waiting.get(c.name);
    if (w) {
      out.state = { waiting: w };
      out.lastState = { terminated: terminated(latest) };
    } else {
      out.state = { terminated: terminated(latest) };
      if (previous?.state === 'CONTAINER_EXITED') out.lastState = { terminated: terminated(previous) };
    }
    out.ready = init && !isSidecar(c) && latest.exitCode === 0;
  } else {
    out.state = { waiting: view.waiting.get(c.name) ?? { reason: 'ContainerCreating' } };
  }
  return out;
}

/** An init container with restartPolicy Always: a sidecar that runs beside the app containers. */
export function isSidecar(c: any): boolean {
  return c?.restartPolicy === 'Always';
}

/** Whether an init container has done its part: a sidecar once started, a regular one once it exited 0. */
export function initDone(c: any, s: any): boolean {
  return isSidecar(c) ? s.started === true : s.state.terminated?.exitCode === 0;
}

/**
 * Upstream's getPhase. init holds the statuses of the init containers in
 * spec order. Sidecars keep the pod Pending until they started, count as
 * running containers, and are ignored once every app container has
 * finished for good (the worker then stops them).
 */
export function podPhase(pod: any, init: any[], app: any[]): string {
  const policy = pod.spec.restartPolicy ?? 'Always';
  const specs: any[] = pod.spec.initContainers ?? [];
  const appFinished = app.length > 0 && policy !== 'Always' && app.every((s) => s.state.terminated && (policy === 'Never' || s.state.terminated.exitCode === 0));
  let pendingInit = 0, pendingSidecars = 0, sidecarsRunning = 0;
  for (const [i, s] of init.entries()) {
    if (isSidecar(specs[i])) {
      if (s.state.running) {
        if (!s.started) pendingSidecars++;
        if (!appFinished) sidecarsRunning++;
      } else if (s.state.waiting && !s.lastState?.terminated) pendingSidecars++;
      continue;
    }
    const t = s.state.terminated;
    if (t && t.exitCode === 0) continue;
    if (t && policy === 'Never') return 'Failed';
    if (s.state.waiting?.reason === 'CrashLoopBackOff' && policy === 'Never') return 'Failed';
    pendingInit++;
  }
  if (pendingInit > 0) return 'Pending';
  let running = sidecarsRunning, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of app) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    }
  }
  if (pendingSidecars > 0 && stopped === 0) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'OnFailure') return 'Running';
    return 'Failed';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, now: string, previous: any[], reason?: string, message?: string): any {
  const old = previous.find((p) => p.type === type);
  const status = ok ? 'True' : 'False';
  return {
    type, status, lastProbeTime: null, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
    ...(reason ? { reason } : {}), ...(message ? { message } : {}),
  };
}

export function podStatus(pod: any, view: PodRuntimeView, now: Date): any {
  const t = seconds(now);
  const inits: any[] = pod.spec.initContainers ?? [];
  const apps: any[] = pod.spec.containers ?? [];
  const initStatuses = inits.map((c) => containerStatus(c, view, 'PodInitializing', true));
  const initsDone = initStatuses.every((s, i) => initDone(inits[i], s));
  const appStatuses = apps.map((c) => containerStatus(c, view, initsDone ? 'ContainerCreating' : 'PodInitializing', false));
  const phase = podPhase(pod, initStatuses, appStatuses);
  const prev: any[] = pod.status?.conditions ?? [];
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  // Once an app container has started, the pod stays initialized (a restarting sidecar does not undo it).
  const appStarted = appStatuses.some((s) => s.containerID);
  const incomplete = appStarted ? [] : initStatuses.filter((s, i) => !initDone(inits[i], s)).map((s) => s.name);
  const unready = [...initStatuses.filter((s, i) => isSidecar(inits[i]) && !s.ready), ...appStatuses.filter((s) => !s.ready)].map((s) => s.name);
  const readyMsg = unready.length ? `containers with unready status: [${unready.join(' ')}]` : undefined;
  const conditions = [
    condition('PodReadyToStartContainers', view.sandboxReady, t, prev),
    condition('Initialized', incomplete.length === 0, t, prev, incomplete.length ? 'ContainersNotInitialized' : undefined,
      incomplete.length ? `containers with incomplete status: [${incomplete.join(' ')}]` : undefined),
    terminal && unready.length ? condition('Ready', false, t, prev, 'PodCompleted') : condition('Ready', !unready.length, t, prev, readyMsg && 'ContainersNotReady', readyMsg),
    terminal && unready.length ? condition('ContainersReady', false, t, prev, 'PodCompleted') : condition('ContainersReady', !unready.length, t, prev, readyMsg && 'ContainersNotReady', readyMsg),
    prev.find((c) => c.type === 'PodScheduled') ?? condition('PodScheduled', true, t, prev),
  ];
  const ip = view.podIPs[0];
  return {
    phase, conditions,
    hostIP: view.hostIP, hostIPs: [{ ip: view.hostIP }],
    podIP: ip ?? null, podIPs: ip ? view.podIPs.map((i) => ({ ip: i })) : null,
    startTime: pod.status?.startTime ?? t,
    qosClass: qosClass(pod),
    ...(inits.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: appStatuses,
  };
}
