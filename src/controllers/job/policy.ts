// podFailurePolicy matching and what counts as a failed pod, with upstream's
// messages for a FailJob match.

export type Action = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface Match {
  /** Whether the failure counts towards backoffLimit. */
  count: boolean;
  action?: Action;
  /** Set for a FailJob match: the Job's failure message. */
  failMessage?: string;
}

function matchExitCodes(statuses: any[], req: any): any | undefined {
  for (const cs of statuses ?? []) {
    const term = cs?.state?.terminated;
    if (!term || term.exitCode === 0) continue;
    if (req.containerName != null && req.containerName !== cs.name) continue;
    const inValues = (req.values ?? []).includes(term.exitCode);
    if (req.operator === 'In' ? inValues : req.operator === 'NotIn' ? !inValues : false) return cs;
  }
  return undefined;
}

export function matchPodFailurePolicy(policy: any, pod: any): Match {
  if (!policy) return { count: true };
  const ns = pod.metadata.namespace;
  const name = pod.metadata.name;
  for (const [i, rule] of (policy.rules ?? []).entries()) {
    let failMessage: string | undefined;
    if (rule.onExitCodes) {
      const cs = matchExitCodes(pod.status?.containerStatuses, rule.onExitCodes) ?? matchExitCodes(pod.status?.initContainerStatuses, rule.onExitCodes);
      if (!cs) continue;
      failMessage = `Container ${cs.name} for pod ${ns}/${name} failed with exit code ${cs.state.terminated.exitCode} matching ${rule.action} rule at index ${i}`;
    } else if (rule.onPodConditions) {
      const cond = (pod.status?.conditions ?? []).find((c: any) => rule.onPodConditions.some((p: any) => p.type === c.type && (p.status ?? 'True') === c.status));
      if (!cond) continue;
      failMessage = `Pod ${ns}/${name} has condition ${cond.type} matching ${rule.action} rule at index ${i}`;
    } else continue;
    switch (rule.action) {
      case 'Ignore': return { count: false, action: 'Ignore' };
      case 'Count': return { count: true, action: 'Count' };
      case 'FailIndex': return { count: true, action: 'FailIndex' };
      case 'FailJob': return { count: true, action: 'FailJob', failMessage };
    }
  }
  return { count: true };
}

/** podReplacementPolicy Failed: only pods that reached phase Failed are replaced (and counted). */
export function onlyReplaceFailed(job: any): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy != null;
}

/** Failed, or (unless only Failed pods count) deleted before it could succeed — an orphan never reaches Failed. */
export function isPodFailed(pod: any, job: any): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailed(job)) return false;
  return pod.metadata.deletionTimestamp != null && pod.status?.phase !== 'Succeeded';
}

/** The FailJob message of the first failed pod that matches a FailJob rule. */
export function failJobMessage(job: any, pods: any[]): string | undefined {
  if (!job.spec?.podFailurePolicy) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p);
    if (m.failMessage) return m.failMessage;
  }
  return undefined;
}
