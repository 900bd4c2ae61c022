// Stopping one container as upstream's killContainer does: a Killing event,
// the preStop hook (when there is time for it), then StopContainer, which
// sends SIGTERM and SIGKILLs after the remaining grace period; at least
// two seconds always remain after the hook, so that a container gets a
// chance to exit on SIGTERM.
import type { CriClient, CriContainerStatus } from './cri/client.ts';
import { isNotFound } from './cri/client.ts';
import { runHookWithin } from './hooks.ts';
import type { RuntimeView } from './runtime-view.ts';

export const MINIMUM_GRACE_PERIOD_SECONDS = 2;

export interface KillContext {
  cri: CriClient;
  event: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** The grace period a kill gets: the deletion's when the pod is being deleted, else the pod's terminationGracePeriodSeconds (default 30). */
export function podGracePeriod(pod: any): number {
  if (pod.metadata?.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds !== undefined) return pod.metadata.deletionGracePeriodSeconds;
  return pod.spec?.terminationGracePeriodSeconds ?? 30;
}

export interface KillRequest {
  pod: any;
  /** The container's spec; undefined for containers of pods the kubelet no longer knows. */
  container?: any;
  status: Pick<CriContainerStatus, 'id'> & { metadata?: { name: string } };
  gracePeriod: number;
  /** The Killing event's message (default "Stopping container NAME"). */
  message?: string;
  podIP: string;
}

export async function killContainer(k: KillContext, r: KillRequest): Promise<void> {
  const name = r.container?.name ?? r.status.metadata?.name ?? r.status.id;
  k.event('Normal', 'Killing', r.message ?? `Stopping container ${name}`);
  let grace = r.gracePeriod;
  const preStop = r.container?.lifecycle?.preStop;
  if (preStop && grace > 0) {
    const started = Date.now();
    const failure = await runHookWithin(preStop, { cri: k.cri, pod: r.pod, container: r.container, containerId: r.status.id, podIP: r.podIP }, grace);
    const pod = `${r.pod.metadata.namespace}/${r.pod.metadata.name}`;
    // As upstream: a hook still running when the grace period ends is only logged.
    if (failure === 'timeout') k.log('preStop hook not completed in grace period', { pod, container: name, gracePeriod: grace });
    else if (failure) {
      k.event('Warning', 'FailedPreStopHook', failure);
      k.log('preStop hook failed', { pod, container: name, error: failure });
    }
    grace -= Math.floor((Date.now() - started) / 1000);
  }
  grace = Math.max(grace, MINIMUM_GRACE_PERIOD_SECONDS);
  try {
    await k.cri.stopContainer(r.status.id, grace);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Stops a pod: every running container in parallel (each through killContainer), then its sandboxes; with remove, deletes them all. */
export async function stopPod(k: KillContext, pod: any, v: RuntimeView, gracePeriod: number, remove: boolean): Promise<void> {
  const specs = new Map<string, any>([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c: any) => [c.name, c]));
  const kills: Promise<void>[] = [];
  for (const [name, list] of v.instances) {
    for (const c of list) {
      if (c.state === 'CONTAINER_RUNNING') kills.push(killContainer(k, { pod, container: specs.get(name), status: c, gracePeriod, podIP: v.ips[0] ?? '' }));
      // Never started: nothing to signal or hook.
      else if (c.state === 'CONTAINER_CREATED') kills.push(k.cri.stopContainer(c.id, 0).catch((err) => { if (!isNotFound(err)) throw err; }));
    }
  }
  await Promise.all(kills);
  const ignoreGone = (err: unknown) => { if (!isNotFound(err)) throw err; };
  for (const s of v.sandboxes) await k.cri.stopPodSandbox(s.id).catch(ignoreGone);
  if (!remove) return;
  for (const c of [...v.instances.values()].flat()) await k.cri.removeContainer(c.id).catch(ignoreGone);
  for (const s of v.sandboxes) await k.cri.removePodSandbox(s.id).catch(ignoreGone);
}
