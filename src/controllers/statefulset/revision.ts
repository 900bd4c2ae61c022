// StatefulSet revisions, as upstream stores them: the data is a strategic
// merge patch that replaces spec.template (`kubectl rollout undo` sends it
// back as is), with keys in Go's sorted map order; the revision carries the
// template's labels and the set's annotations.
import { canonicalJson } from '../history/index.ts';
import type { NewRevisionArgs } from '../history/index.ts';

/**
 * The patch that restores set's pod template. It holds the zero values Go
 * prints for the typed template (a null creationTimestamp, empty container
 * resources), so that kubectl, which compares it byte for byte with its own
 * encoding of the set, sees when a rollback target is the current template.
 */
export function revisionData(set: any): any {
  const template = structuredClone(set.spec?.template ?? {});
  template.metadata = { ...(template.metadata ?? {}), creationTimestamp: template.metadata?.creationTimestamp ?? null };
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of template.spec?.[list] ?? []) c.resources ??= {};
  }
  template.$patch = 'replace';
  return JSON.parse(canonicalJson({ spec: { template } }));
}

export function revisionArgs(set: any, revision: number, collisionCount: number): NewRevisionArgs {
  return {
    parent: set, apiVersion: 'apps/v1', kind: 'StatefulSet',
    labels: { ...(set.spec?.template?.metadata?.labels ?? {}) },
    annotations: { ...(set.metadata.annotations ?? {}) },
    data: revisionData(set), revision, collisionCount,
  };
}

/** The set with the template a revision recorded (upstream's ApplyRevision). */
export function applyRevision(set: any, rev: any): any {
  const clone = structuredClone(set);
  const template = rev?.data?.spec?.template;
  if (template) {
    const restored = structuredClone(template);
    delete restored.$patch;
    clone.spec = { ...clone.spec, template: restored };
  }
  return clone;
}
