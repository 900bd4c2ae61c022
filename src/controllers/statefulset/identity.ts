// A StatefulSet pod's identity: its ordinal (from the name), its stable
// labels, hostname and subdomain, the PVCs of its volumeClaimTemplates and
// the volumes that mount them, and the readiness facts the controller
// orders its work by. Plain functions over API objects, as upstream's
// stateful_set_utils.
import { isPodAvailable, isPodReady } from '../util/pods.ts';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

const ORDINAL_RE = /^(.*)-([0-9]+)$/;

/** The parent name and ordinal a pod's name encodes; ordinal -1 when it encodes none. */
export function parentAndOrdinal(pod: any): { parent: string; ordinal: number } {
  const m = ORDINAL_RE.exec(pod?.metadata?.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  // Upstream parses into an int32: anything larger is no ordinal.
  return { parent: m[1], ordinal: Number.isSafeInteger(n) && n <= 2 ** 31 - 1 ? n : -1 };
}

export const ordinalOf = (pod: any): number => parentAndOrdinal(pod).ordinal;

export function isMemberOf(set: any, pod: any): boolean {
  return parentAndOrdinal(pod).parent === set.metadata.name;
}

export function startOrdinal(set: any): number {
  return set.spec?.ordinals?.start ?? 0;
}

export function endOrdinal(set: any): number {
  return startOrdinal(set) + (set.spec?.replicas ?? 1) - 1;
}

export function inOrdinalRange(pod: any, set: any): boolean {
  const o = ordinalOf(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

export const podName = (set: any, ordinal: number): string => `${set.metadata.name}-${ordinal}`;

export const claimName = (set: any, template: any, ordinal: number): string => `${template.metadata?.name}-${set.metadata.name}-${ordinal}`;

export function identityMatches(set: any, pod: any): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return ordinal >= 0 && parent === set.metadata.name && pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace && pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name;
}

/** True when the pod's volumes mount every claim of the set's templates under the template's name. */
export function storageMatches(set: any, pod: any): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map<string, any>((pod.spec?.volumes ?? []).map((v: any) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((t: any) =>
    volumes.get(t.metadata?.name)?.persistentVolumeClaim?.claimName === claimName(set, t, ordinal));
}

/** The claims a pod of the set uses, keyed by template name: the template with the pod's claim name and the set's selector labels. */
export function claimsFor(set: any, pod: any): Map<string, any> {
  const ordinal = ordinalOf(pod);
  const out = new Map<string, any>();
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const meta = structuredClone(t.metadata ?? {});
    const claim: any = {
      metadata: {
        ...meta, name: claimName(set, t, ordinal), namespace: set.metadata.namespace,
        labels: { ...(meta.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
      },
      spec: structuredClone(t.spec ?? {}),
    };
    out.set(t.metadata?.name, claim);
  }
  return out;
}

/** Points the pod's volumes at its claims, replacing same-named volumes and keeping the others. */
export function updateStorage(set: any, pod: any): void {
  const claims = claimsFor(set, pod);
  const volumes: any[] = [...claims].map(([name, c]) => ({ name, persistentVolumeClaim: { claimName: c.metadata.name } }));
  for (const v of pod.spec.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  pod.spec.volumes = volumes;
}

export function updateIdentity(set: any, pod: any): void {
  const ordinal = ordinalOf(pod);
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
}

export const podRevision = (pod: any): string => pod?.metadata?.labels?.[REVISION_LABEL] ?? '';

/** A new pod of the set from its template (the set as of one revision), with identity, storage and revision label. */
export function newPod(set: any, ordinal: number, revision: string, controllerRef: any): any {
  const tmpl = set.spec?.template ?? {};
  const pod: any = {
    metadata: {
      name: podName(set, ordinal), namespace: set.metadata.namespace,
      labels: { ...(tmpl.metadata?.labels ?? {}) },
      ...(tmpl.metadata?.annotations ? { annotations: { ...tmpl.metadata.annotations } } : {}),
      ...(tmpl.metadata?.finalizers ? { finalizers: [...tmpl.metadata.finalizers] } : {}),
      ownerReferences: [controllerRef],
    },
    spec: structuredClone(tmpl.spec ?? {}),
  };
  updateIdentity(set, pod);
  // Hostname and subdomain are immutable, so they are set only on creation.
  pod.spec.hostname = pod.metadata.name;
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  updateStorage(set, pod);
  pod.metadata.labels[REVISION_LABEL] = revision;
  return pod;
}

/**
 * The pod for an empty ordinal: at the current revision when the rollout
 * has not reached that ordinal yet (below the partition), otherwise at the
 * update revision. The operator grouping is upstream's.
 */
export function newVersionedPod(currentSet: any, updateSet: any, currentRevision: string, updateRevision: string, ordinal: number, controllerRef: any): any {
  const strategy = currentSet.spec?.updateStrategy ?? {};
  const ru = strategy.rollingUpdate;
  const start = startOrdinal(currentSet);
  if ((strategy.type === 'RollingUpdate' && !ru && ordinal < start + (currentSet.status?.currentReplicas ?? 0)) ||
    (ru && ordinal < start + (ru.partition ?? 0))) {
    return newPod(currentSet, ordinal, currentRevision, controllerRef);
  }
  return newPod(updateSet, ordinal, updateRevision, controllerRef);
}

export const isCreated = (pod: any): boolean => !!pod?.metadata?.uid;
export const isTerminating = (pod: any): boolean => !!pod?.metadata?.deletionTimestamp;
export const isRunningAndReady = (pod: any): boolean => pod?.status?.phase === 'Running' && isPodReady(pod);

export function isRunningAndAvailable(pod: any, minReadySeconds: number, now: Date): boolean {
  return isRunningAndReady(pod) && isPodAvailable(pod, minReadySeconds, now);
}

/** Not yet available: not created, not running and ready for minReadySeconds, or on its way out. */
export function isUnavailable(pod: any, minReadySeconds: number, now: Date): boolean {
  return !isCreated(pod) || isTerminating(pod) || !isRunningAndAvailable(pod, minReadySeconds, now);
}
