// Building a Job's pods from its template: the tracking finalizer, the
// controller reference, and for Indexed Jobs the completion index
// (annotation, label, JOB_COMPLETION_INDEX and hostname).
import { INDEX_ANNOTATION } from './indexes.ts';

export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Upstream leaves room for the 5 random characters generateName appends to a 63-character name. */
const MAX_GENERATED_NAME = 58;

export function hasTrackingFinalizer(pod: any): boolean {
  return (pod?.metadata?.finalizers ?? []).includes(TRACKING_FINALIZER);
}

export function generateNameFor(jobName: string, index: number): string {
  const suffix = index >= 0 ? `-${index}-` : '-';
  const base = jobName + suffix;
  return base.length > MAX_GENERATED_NAME ? jobName.slice(0, MAX_GENERATED_NAME - suffix.length) + suffix : base;
}

function addIndexEnv(containers: any[] | undefined): void {
  for (const c of containers ?? []) {
    const env = (c.env ??= []);
    if (env.some((e: any) => e.name === 'JOB_COMPLETION_INDEX')) continue;
    env.push({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${INDEX_ANNOTATION}']` } } });
  }
}

/** The pod to create for a job; index is -1 for NonIndexed jobs. */
export function podFromTemplate(job: any, ownerRef: any, index: number): any {
  const tmpl = structuredClone(job.spec?.template ?? {});
  const meta = tmpl.metadata ?? {};
  const spec = tmpl.spec ?? {};
  const labels = { ...(meta.labels ?? {}) };
  const annotations = { ...(meta.annotations ?? {}) };
  const finalizers: string[] = [...(meta.finalizers ?? [])];
  if (!finalizers.includes(TRACKING_FINALIZER)) finalizers.push(TRACKING_FINALIZER);
  if (index >= 0) {
    annotations[INDEX_ANNOTATION] = String(index);
    labels[INDEX_ANNOTATION] = String(index);
    spec.hostname = `${job.metadata.name}-${index}`;
    addIndexEnv(spec.initContainers);
    addIndexEnv(spec.containers);
  }
  return {
    metadata: {
      generateName: generateNameFor(job.metadata.name, index), labels,
      ...(Object.keys(annotations).length ? { annotations } : {}), finalizers, ownerReferences: [ownerRef],
    },
    spec,
  };
}
