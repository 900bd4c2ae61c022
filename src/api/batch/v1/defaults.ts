// Upstream's defaulting for batch/v1, plus the selector the Job strategy
// generates on create (kube-apiserver does it in PrepareForCreate; here it
// runs with the defaults, once the object has its uid).
import { defaultPodTemplate } from '../../core/v1/pod-defaults.ts';

type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const MAX_INT32 = 2147483647;

/** Adds the controller-uid selector and template labels unless the user manages the selector. */
export function generateJobSelector(job: Obj): void {
  const uid = job.metadata?.uid;
  const spec = job.spec;
  if (!uid || !isObj(spec) || spec.manualSelector === true) return;
  const name = job.metadata?.name ?? '';
  const tmeta = ((spec.template ??= {}).metadata ??= {});
  if (!isObj(tmeta.labels)) tmeta.labels = {};
  const labels = tmeta.labels;
  labels['batch.kubernetes.io/controller-uid'] ??= uid;
  labels['batch.kubernetes.io/job-name'] ??= name;
  // The legacy label names are still added, for selectors written against them.
  labels['controller-uid'] ??= uid;
  labels['job-name'] ??= name;
  if (spec.selector == null) spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

export function defaultJobSpecOnly(spec: Obj): void {
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? MAX_INT32 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of Array.isArray(rule?.onPodConditions) ? rule.onPodConditions : []) {
      if (isObj(pattern) && !pattern.status) pattern.status = 'True';
    }
  }
  spec.podReplacementPolicy ??= spec.podFailurePolicy != null ? 'Failed' : 'TerminatingOrFailed';
}

export function defaultJob(job: Obj): void {
  if (!isObj(job.spec)) job.spec = {};
  const spec = job.spec;
  defaultJobSpecOnly(spec);
  if (spec.manualSelector == null) spec.manualSelector = false;
  generateJobSelector(job);
  const labels = spec.template?.metadata?.labels;
  const meta = (job.metadata ??= {});
  if (isObj(labels) && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = { ...labels };
  defaultPodTemplate(spec.template ??= {});
}

export function defaultCronJob(cj: Obj): void {
  if (!isObj(cj.spec)) cj.spec = {};
  const spec = cj.spec;
  spec.concurrencyPolicy ||= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  // Only the pod template inside the job template is defaulted, not the Job spec itself.
  const jt = spec.jobTemplate;
  if (isObj(jt) && isObj(jt.spec)) defaultPodTemplate(jt.spec.template ??= {});
}
