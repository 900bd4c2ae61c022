// A Deployment's status: counts summed over its ReplicaSets, and the
// Available and Progressing conditions with upstream's reasons and messages.
import { surgeAndUnavailable } from './math.ts';

type Condition = { type: string; status: string; reason: string; message: string; lastUpdateTime?: string; lastTransitionTime?: string };

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function setCondition(list: Condition[], next: Condition, now: string, progressed: boolean): Condition[] {
  const prev = list.find((c) => c.type === next.type);
  const sameStatus = prev && prev.status === next.status;
  const same = sameStatus && prev!.reason === next.reason;
  const merged: Condition = {
    ...next,
    lastUpdateTime: same && !progressed ? prev!.lastUpdateTime : now,
    lastTransitionTime: sameStatus ? prev!.lastTransitionTime : now,
  };
  return [...list.filter((c) => c.type !== next.type), merged];
}

export function computeStatus(d: any, rsList: any[], newRS: any | undefined, now: Date, createdReason?: string): any {
  const replicas = d.spec.replicas ?? 1;
  const sum = (f: (rs: any) => number) => rsList.reduce((n, rs) => n + f(rs), 0);
  const counts = {
    replicas: sum((rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS ? newRS.status?.replicas ?? 0 : 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: sum((rs) => rs.status?.availableReplicas ?? 0),
  };
  const unavailableReplicas = Math.max(0, replicas - counts.availableReplicas);
  const old = d.status ?? {};
  const t = stamp(now);
  const progressed = ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas'].some((k) => (old[k] ?? 0) !== (counts as any)[k]);
  let conditions: Condition[] = structuredClone(old.conditions ?? []);
  const { unavailable } = surgeAndUnavailable(d);
  conditions = setCondition(conditions, counts.availableReplicas >= replicas - unavailable
    ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
    : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, t, false);

  const name = newRS?.metadata?.name ?? '';
  const prevProgress = (old.conditions ?? []).find((c: Condition) => c.type === 'Progressing');
  const complete = newRS && counts.updatedReplicas === replicas && counts.replicas === replicas && counts.availableReplicas >= replicas;
  let progress: Condition | undefined;
  if (d.spec.paused) progress = { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' };
  else if (prevProgress?.reason === 'DeploymentPaused') progress = { type: 'Progressing', status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed' };
  else if (createdReason) progress = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${name}"` };
  else if (complete) progress = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${name}" has successfully progressed.` };
  else if (newRS && progressed) progress = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${name}" is progressing.` };
  else if (newRS && !prevProgress) progress = { type: 'Progressing', status: 'True', reason: 'FoundNewReplicaSet', message: `Found new replica set "${name}"` };
  if (progress) conditions = setCondition(conditions, progress, t, progressed);

  const deadline = d.spec.progressDeadlineSeconds;
  const current = conditions.find((c) => c.type === 'Progressing');
  if (deadline && current && current.status === 'True' && current.reason !== 'NewReplicaSetAvailable' && !complete && !d.spec.paused) {
    const since = Date.parse(current.lastUpdateTime ?? t);
    if (since + deadline * 1000 < now.getTime()) {
      conditions = setCondition(conditions, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${name}" has timed out progressing.` }, t, false);
    }
  }
  // Upstream lists Available before Progressing.
  conditions.sort((a, b) => (a.type === 'Available' ? -1 : b.type === 'Available' ? 1 : 0));
  const status: any = { observedGeneration: d.metadata.generation, ...counts, unavailableReplicas, conditions };
  for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) if (status[k] === 0) delete status[k];
  if (old.collisionCount) status.collisionCount = old.collisionCount;
  return status;
}
