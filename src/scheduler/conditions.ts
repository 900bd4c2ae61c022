// PodScheduled=False and nominatedNodeName, written only when they change
// (as upstream does, to spare the apiserver identical writes).
function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The status patch for a failed attempt, or null when the pod already says so. */
export function failurePatch(pod: any, reason: string, message: string, nominated: string | undefined, now: Date): Record<string, unknown> | null {
  const conds: any[] = pod.status?.conditions ?? [];
  const cur = conds.find((c) => c.type === 'PodScheduled');
  const nominatedChanged = nominated !== undefined && (pod.status?.nominatedNodeName ?? '') !== nominated;
  const condChanged = !cur || cur.status !== 'False' || cur.reason !== reason || cur.message !== message;
  if (!condChanged && !nominatedChanged) return null;
  const cond = {
    type: 'PodScheduled', status: 'False', lastProbeTime: null,
    lastTransitionTime: cur && cur.status === 'False' ? cur.lastTransitionTime : stamp(now), reason, message,
  };
  const patch: Record<string, unknown> = { conditions: [...conds.filter((c) => c.type !== 'PodScheduled'), cond] };
  if (nominatedChanged) patch.nominatedNodeName = nominated === '' ? null : nominated;
  return patch;
}
