// Job conditions and the decisions on them that need no API: upstream's
// ensureJobConditionStatus, finished-ness, deadlines and OnFailure restarts.

export interface Cond {
  type: string;
  reason: string;
  message: string;
}

export function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function newCondition(type: string, status: string, reason: string, message: string, now: Date): any {
  const t = stamp(now);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/** Sets a condition (in place); a False condition is only written over an existing one. Returns whether anything changed. */
export function ensureCondition(list: any[], type: string, status: string, reason: string, message: string, now: Date): boolean {
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i];
    if (c.status === status && (c.reason ?? '') === reason && (c.message ?? '') === message) return false;
    list[i] = newCondition(type, status, reason, message, now);
    return true;
  }
  if (status === 'False') return false;
  list.push(newCondition(type, status, reason, message, now));
  return true;
}

export function findCondition(job: any, type: string): any | undefined {
  return (job?.status?.conditions ?? []).find((c: any) => c.type === type && c.status === 'True');
}

export function isJobFinished(job: any): boolean {
  return (job?.status?.conditions ?? []).some((c: any) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export function isSuspended(job: any): boolean {
  return job?.spec?.suspend === true;
}

/** Remaining ms before activeDeadlineSeconds passes (<= 0: past), or undefined when it does not apply. */
export function deadlineRemainingMs(job: any, now: Date): number | undefined {
  const ads = job?.spec?.activeDeadlineSeconds;
  const start = job?.status?.startTime;
  if (ads == null || !start || isSuspended(job)) return undefined;
  return Date.parse(start) + ads * 1000 - now.getTime();
}

/** With restartPolicy OnFailure, container restarts of running pods count against backoffLimit. */
export function pastBackoffLimitOnFailure(job: any, pods: any[]): boolean {
  if (job?.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += cs.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** How many pods should be running (upstream's wantActive). */
export function wantActive(job: any, succeeded: number, active: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions == null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(completions - succeeded, parallelism));
}

/** Whether enough pods succeeded and none is still running. */
export function isComplete(job: any, succeeded: number, active: number): boolean {
  const completions = job.spec?.completions;
  return completions == null ? succeeded > 0 && active === 0 : succeeded >= completions && active === 0;
}
