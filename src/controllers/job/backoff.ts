// The pod-failure backoff of the Job controller: after consecutive failures
// (since the last success) new pods wait base·2^(n-1), capped at 6 minutes,
// counted from the last failure's finish time.

export const DEFAULT_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 6 * 60_000;

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number; // ms
}

/** When a finished pod finished: its last container's finishedAt, else its Ready condition's transition, else its deletion or creation. */
export function finishTime(pod: any): number {
  let latest = 0;
  for (const cs of [...(pod?.status?.containerStatuses ?? []), ...(pod?.status?.initContainerStatuses ?? [])]) {
    const t = Date.parse(cs?.state?.terminated?.finishedAt ?? '');
    if (t > latest) latest = t;
  }
  if (latest > 0) return latest;
  const ready = (pod?.status?.conditions ?? []).find((c: any) => c.type === 'Ready' && c.status === 'False');
  const t = Date.parse(ready?.lastTransitionTime ?? pod?.metadata?.deletionTimestamp ?? pod?.metadata?.creationTimestamp ?? '');
  return Number.isFinite(t) ? t : 0;
}

/** The record after this sync's newly finished pods: a success resets the count, failures after it are counted. */
export function nextBackoffRecord(prev: BackoffRecord, newSucceeded: any[], newFailed: any[]): BackoffRecord {
  const failed = newFailed.map(finishTime).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failed.length === 0) return prev;
    return { failuresAfterLastSuccess: prev.failuresAfterLastSuccess + failed.length, lastFailureTime: failed[failed.length - 1] };
  }
  const lastSuccess = Math.max(...newSucceeded.map(finishTime));
  const after = failed.filter((t) => t > lastSuccess);
  return after.length === 0 ? { failuresAfterLastSuccess: 0 } : { failuresAfterLastSuccess: after.length, lastFailureTime: after[after.length - 1] };
}

/** How long new pods must still wait. */
export function remainingBackoffMs(rec: BackoffRecord, now: number, baseMs = DEFAULT_BACKOFF_MS, maxMs = MAX_BACKOFF_MS): number {
  if (rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === undefined) return 0;
  const delay = Math.min(baseMs * 2 ** (rec.failuresAfterLastSuccess - 1), maxMs);
  const elapsed = now - rec.lastFailureTime;
  return elapsed >= delay ? 0 : delay - elapsed;
}
