// Per-kind rules the generic store applies around every write: who owns
// status, which kinds track metadata.generation, and what create resets.
// (Upstream keeps these in each resource's strategy.go.)
import type { ResourceInfo } from '../../api/resources.ts';

/** Kinds whose spec changes bump metadata.generation (their strategies set generation 1 on create). */
const TRACKS_GENERATION = new Set([
  'apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', '/ReplicationController',
  'batch/Job', 'batch/CronJob', 'autoscaling/HorizontalPodAutoscaler', 'policy/PodDisruptionBudget',
  'networking.k8s.io/Ingress', 'networking.k8s.io/NetworkPolicy',
]);

export function tracksGeneration(info: ResourceInfo): boolean {
  return TRACKS_GENERATION.has(`${info.group}/${info.kind}`);
}

export function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources?.includes('status') ?? false;
}

/** The status a new object starts with: clients cannot set it on create. */
export function initialStatus(info: ResourceInfo, obj: any): unknown {
  switch (`${info.group}/${info.kind}`) {
    case '/Pod': return { phase: 'Pending', qosClass: podQOS(obj.spec) };
    case '/Namespace': return { phase: 'Active' };
    case '/PersistentVolume': return { phase: 'Pending' };
    case '/PersistentVolumeClaim': return { phase: 'Pending' };
    case '/Node': return obj.status; // kubelets register with their status
    case '/Service': return { loadBalancer: {} };
    default: return hasStatusSubresource(info) ? {} : obj.status;
  }
}

/** Upstream's QoS classes: Guaranteed, Burstable, BestEffort. */
export function podQOS(spec: any): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) anySet = true;
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Fields of metadata that only the server sets; a client's values are replaced. */
export function stripServerFields(meta: any): void {
  delete meta.resourceVersion;
  delete meta.selfLink;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
}

/** The part of an object that counts as its spec when deciding whether generation moves. */
export function specOf(obj: any): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj ?? {};
  return rest;
}
