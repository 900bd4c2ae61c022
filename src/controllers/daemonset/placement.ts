// Where a DaemonSet's pods belong, as upstream's daemon util: the
// tolerations every daemon pod gets, whether a node should run (or may keep
// running) a daemon pod, the node a pod targets, the pod template with the
// hash/generation labels and the node-pinning affinity, and the
// maxSurge/maxUnavailable arithmetic.
import { findUntoleratedTaint, podMatchesNodeSelectorAndAffinity } from '../../scheduler/framework/selectors.ts';
import type { Toleration } from '../../scheduler/framework/selectors.ts';
import { REVISION_HASH_LABEL } from '../history/index.ts';

export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** Where the apiserver keeps apps/v1's template generation (upstream's DaemonSet strategy). */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

const exists = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });

/** Upstream's AddOrUpdateDaemonPodTolerations: daemons survive node trouble that evicts or repels other pods. */
export function daemonTolerations(spec: any): Toleration[] {
  const added = [
    exists('node.kubernetes.io/not-ready', 'NoExecute'),
    exists('node.kubernetes.io/unreachable', 'NoExecute'),
    exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(spec?.hostNetwork ? [exists('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
  // A user toleration with the same key, operator, value and effect is replaced (e.g. one with tolerationSeconds).
  const same = (t: any, a: Toleration) => (t.key ?? '') === a.key && (t.operator || 'Equal') === a.operator && !t.value && (t.effect ?? '') === a.effect;
  const own = (spec?.tolerations ?? []).filter((t: any) => !added.some((a) => same(t, a)));
  return [...own, ...added];
}

/**
 * Upstream's NodeShouldRunDaemonPod: shouldRun says a pod belongs on node;
 * shouldContinueRunning says an existing one may stay (an untolerated
 * NoSchedule taint keeps new pods off but does not evict).
 */
export function nodeShouldRunDaemonPod(node: any, ds: any): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template?.spec ?? {};
  const name = node.metadata?.name;
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  const pod = { spec: { ...spec, nodeName: name, tolerations: daemonTolerations(spec) } };
  if (!podMatchesNodeSelectorAndAffinity(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints;
  const untolerated = findUntoleratedTaint(taints, pod.spec.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (!untolerated) return { shouldRun: true, shouldContinueRunning: true };
  const evicting = findUntoleratedTaint(taints, pod.spec.tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !evicting };
}

/** The node a daemon pod is for: its nodeName once bound, else the node its matchFields affinity pins it to. */
export function targetNodeName(pod: any): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

export function templateGeneration(ds: any): number | undefined {
  const a = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (a !== undefined && /^\d+$/.test(a)) return Number(a);
  // Without the apiserver's annotation, the object's generation stands in (it moves whenever the template does).
  return ds.metadata?.generation;
}

/** Upstream's IsPodUpdated: the pod carries the current hash or the current template generation. */
export function isPodUpdated(pod: any, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const templateMatches = generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation);
  return (hash !== '' && labels[REVISION_HASH_LABEL] === hash) || templateMatches;
}

/** The pod to create on nodeName: the template with the generation and hash labels, the daemon tolerations, and affinity pinned to the node. */
export function podForNode(ds: any, hash: string, nodeName: string): any {
  const tmpl = structuredClone(ds.spec?.template ?? {});
  const gen = templateGeneration(ds);
  const labels = { ...(tmpl.metadata?.labels ?? {}), ...(gen !== undefined ? { [TEMPLATE_GENERATION_LABEL]: String(gen) } : {}), ...(hash ? { [REVISION_HASH_LABEL]: hash } : {}) };
  const spec = tmpl.spec ?? {};
  spec.tolerations = daemonTolerations(spec);
  const pin = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  spec.affinity = { ...(spec.affinity ?? {}), nodeAffinity: { ...(spec.affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: pin } };
  return {
    metadata: {
      generateName: `${ds.metadata.name}-`, labels,
      ...(tmpl.metadata?.annotations ? { annotations: tmpl.metadata.annotations } : {}),
    },
    spec,
  };
}

/** An int-or-percent scaled against total; DaemonSets round both maxSurge and maxUnavailable up. */
export function scaled(v: unknown, total: number): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  return Math.ceil((Number(m[1]) * total) / 100);
}

/** maxSurge and maxUnavailable for desired scheduled pods; both zero would stall, so unavailability becomes 1. */
export function surgeAndUnavailable(ds: any, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
  const maxSurge = scaled(ru.maxSurge, desired);
  let maxUnavailable = scaled(ru.maxUnavailable, desired);
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** Upstream's podByCreationTimestampAndPhase: bound pods first, then oldest, then by name. */
export function byCreation(a: any, b: any): number {
  const an = a.spec?.nodeName ? 0 : 1;
  const bn = b.spec?.nodeName ? 0 : 1;
  if (an !== bn) return an - bn;
  const d = Date.parse(a.metadata?.creationTimestamp ?? 0) - Date.parse(b.metadata?.creationTimestamp ?? 0);
  return d !== 0 ? d : String(a.metadata?.name).localeCompare(String(b.metadata?.name));
}
