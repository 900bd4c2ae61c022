// What `/containerLogs/{namespace}/{pod}/{container}` needs before it can
// read a file: the query as PodLogOptions, and which container instance
// (current, or with previous the one that ran before it) the pod's status
// names, with upstream kubelet's messages when there is none to read.
import type { LogOptions } from './logs.ts';

/** An error the kubelet answers with a plain-text body, as upstream's restful WriteError does. */
export class KubeletHttpError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

function bool(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  if (v === null || v === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new KubeletHttpError(400, `strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

function int(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw new KubeletHttpError(400, `strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** The kubelet's reading of the log query (the apiserver has validated it already; a direct caller gets 422). */
export function parseLogQuery(q: URLSearchParams, now: number): LogOptions & { previous: boolean } {
  // `tail` is the old spelling of tailLines; "all" means no limit.
  const tailParam = q.get('tail');
  const tail = tailParam === 'all' ? undefined : tailParam !== null ? int(q, 'tail') : int(q, 'tailLines');
  const limitBytes = int(q, 'limitBytes');
  const sinceSeconds = int(q, 'sinceSeconds');
  const sinceTimeRaw = q.get('sinceTime');
  let sinceTime: number | undefined;
  if (sinceTimeRaw) {
    sinceTime = Date.parse(sinceTimeRaw);
    if (Number.isNaN(sinceTime)) throw new KubeletHttpError(400, `parsing time ${JSON.stringify(sinceTimeRaw)} as RFC3339: cannot parse`);
  }
  const errs: string[] = [];
  if (tail !== undefined && tail < 0) errs.push(`tailLines: Invalid value: ${tail}: must be greater than or equal to 0`);
  if (limitBytes !== undefined && limitBytes < 1) errs.push(`limitBytes: Invalid value: ${limitBytes}: must be greater than 0`);
  if (sinceSeconds !== undefined && sinceTime !== undefined) errs.push(': Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  else if (sinceSeconds !== undefined && sinceSeconds < 1) errs.push(`sinceSeconds: Invalid value: ${sinceSeconds}: must be greater than 0`);
  if (errs.length) throw new KubeletHttpError(422, errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`);
  let since = sinceSeconds !== undefined ? now - sinceSeconds * 1000 : undefined;
  if (sinceTime !== undefined && (since === undefined || sinceTime > since)) since = sinceTime;
  return {
    tail: tail ?? -1, limitBytes: limitBytes ?? -1, since, follow: bool(q, 'follow'), timestamps: bool(q, 'timestamps'), previous: bool(q, 'previous'),
  };
}

function specHas(pod: any, name: string): boolean {
  const s = pod.spec ?? {};
  return [...(s.containers ?? []), ...(s.initContainers ?? []), ...(s.ephemeralContainers ?? [])].some((c: any) => c.name === name);
}

export interface LogTarget {
  /** The runtime's container id (without the `containerd://` scheme). */
  containerId: string;
  /** Where the kubelet told the runtime to write this instance's log. */
  path: string;
}

/**
 * The container instance whose log to read, from the pod's status as the
 * kubelet reported it. The path is this kubelet's naming, used when the
 * runtime no longer knows the instance: the newest instance writes
 * `<restartCount>.log`, the one before it `<restartCount-1>.log`.
 */
export function logTarget(pod: any, container: string, previous: boolean, podLogDir: string): LogTarget {
  const podName = pod.metadata.name;
  if (!specHas(pod, container)) throw new KubeletHttpError(404, `container ${JSON.stringify(container)} not found in pod ${JSON.stringify(podName)}`);
  const st = pod.status ?? {};
  const status = [...(st.containerStatuses ?? []), ...(st.initContainerStatuses ?? []), ...(st.ephemeralContainerStatuses ?? [])].find((s: any) => s.name === container);
  const q = (s: string) => JSON.stringify(s);
  if (!status) throw new KubeletHttpError(400, `container ${q(container)} in pod ${q(podName)} is not available`);
  const restarts: number = status.restartCount ?? 0;
  const last = status.lastState?.terminated;
  const { running, terminated, waiting } = status.state ?? {};
  const target = (id: string, attempt: number): LogTarget => ({ containerId: id.replace(/^[a-z0-9-]+:\/\//, ''), path: `${podLogDir}/${container}/${Math.max(0, attempt)}.log` });
  // While waiting to restart no newer instance exists: lastState is the newest one.
  const lastAttempt = waiting ? restarts : restarts - 1;
  if (previous) {
    if (!last?.containerID) throw new KubeletHttpError(400, `previous terminated container ${q(container)} in pod ${q(podName)} not found`);
    return target(last.containerID, lastAttempt);
  }
  if (running && status.containerID) return target(status.containerID, restarts);
  if (terminated) {
    if (terminated.containerID) return target(terminated.containerID, restarts);
    if (last?.containerID) return target(last.containerID, lastAttempt);
    throw new KubeletHttpError(400, `container ${q(container)} in pod ${q(podName)} is terminated`);
  }
  if (last) {
    if (!last.containerID) throw new KubeletHttpError(400, `container ${q(container)} in pod ${q(podName)} is terminated`);
    // Waiting to restart (CrashLoopBackOff): the instance that just exited is the current log.
    return target(last.containerID, lastAttempt);
  }
  if (waiting) {
    const why = waiting.reason === 'ErrImagePull' ? "image can't be pulled"
      : waiting.reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : waiting.reason;
    throw new KubeletHttpError(400, `container ${q(container)} in pod ${q(podName)} is waiting to start: ${why}`);
  }
  throw new KubeletHttpError(400, `container ${q(container)} in pod ${q(podName)} is waiting to start - no logs yet`);
}
