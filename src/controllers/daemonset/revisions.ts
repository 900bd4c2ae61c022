// A DaemonSet's ControllerRevisions, as upstream's daemonset history: each
// revision's data is the strategic merge patch `{"spec":{"template":{...,
// "$patch":"replace"}}}` that kubectl rollout undo sends back, the current
// revision is the one whose data matches the live template, and old ones
// are pruned to revisionHistoryLimit unless a pod still carries their hash.
import { isDeepStrictEqual } from 'node:util';
import type { Client } from '../../client/rest.ts';
import { RESOURCES } from '../../api/resources.ts';
import { REVISION_HASH_LABEL, CONTROLLER_REVISIONS, hashOf, nextRevision, sortRevisions } from '../history/index.ts';
import type { History } from '../history/index.ts';

const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;

/** A copy with every object's keys in sorted order, as Go writes a map[string]interface{}. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortedKeys(o[k])]));
}

/**
 * The revision data for ds's current template (upstream's getPatch). Its
 * JSON is what kubectl computes from the live object (keys sorted, the
 * template's zero creationTimestamp as null), so that `kubectl rollout undo`
 * recognizes a revision the DaemonSet already runs and skips it.
 */
export function templatePatch(ds: any): any {
  const template = structuredClone(ds.spec?.template ?? {});
  template.metadata = { creationTimestamp: null, ...(template.metadata ?? {}) };
  return sortedKeys({ spec: { template: { ...template, $patch: 'replace' } } });
}

export function matchesTemplate(ds: any, rev: any): boolean {
  return isDeepStrictEqual(rev.data, templatePatch(ds));
}

export interface DaemonHistory {
  current: any;
  old: any[];
  /** Set when creating the current revision met a hash collision; goes to status.collisionCount. */
  collisionCount?: number;
}

/**
 * Splits ds's revisions into the current one (created, or renumbered to the
 * newest, as needed; duplicates folded into one) and the old ones.
 */
export async function constructHistory(client: Client, history: History, ds: any, matches: (l: Record<string, string>) => boolean, daemonPods: any[]): Promise<DaemonHistory> {
  const current: any[] = [];
  const old: any[] = [];
  for (let rev of await history.controlled(ds, 'apps/v1', 'DaemonSet', matches)) {
    if (!rev.metadata.labels?.[REVISION_HASH_LABEL]) {
      // The name stands in for a hash we cannot recompute (it may carry a collision count).
      rev = await client.update(CONTROLLER_REVISIONS, rev.metadata.namespace, { ...rev, metadata: { ...rev.metadata, labels: { ...(rev.metadata.labels ?? {}), [REVISION_HASH_LABEL]: rev.metadata.name } } });
    }
    (matchesTemplate(ds, rev) ? current : old).push(rev);
  }
  const next = nextRevision(old);
  if (current.length === 0) {
    const created = await history.create({
      parent: ds, apiVersion: 'apps/v1', kind: 'DaemonSet', labels: ds.spec?.template?.metadata?.labels ?? {},
      annotations: ds.metadata.annotations, data: templatePatch(ds), revision: next,
      collisionCount: ds.status?.collisionCount, hash: (cc) => hashOf(ds.spec?.template ?? {}, cc),
    });
    const changed = created.collisionCount !== (ds.status?.collisionCount ?? 0) ? created.collisionCount : undefined;
    return { current: created.revision, old, ...(changed !== undefined ? { collisionCount: changed } : {}) };
  }
  const keep = await dedup(client, history, current, daemonPods);
  return { current: await history.renumber(keep, Math.max(keep.revision ?? 0, next)), old };
}

/** Several revisions with the current template: keep the newest, move pods onto its hash, delete the others. */
async function dedup(client: Client, history: History, revs: any[], pods: any[]): Promise<any> {
  const sorted = sortRevisions(revs);
  const keep = sorted[sorted.length - 1];
  const keepHash = keep.metadata.labels[REVISION_HASH_LABEL];
  for (const dup of sorted.slice(0, -1)) {
    const dupHash = dup.metadata.labels?.[REVISION_HASH_LABEL];
    for (const pod of pods) {
      if (pod.metadata.labels?.[REVISION_HASH_LABEL] !== dupHash) continue;
      await client.patch(PODS, pod.metadata.namespace, pod.metadata.name, { metadata: { labels: { [REVISION_HASH_LABEL]: keepHash } } }, { type: 'merge' });
    }
    await history.delete(dup);
  }
  return keep;
}

/** Old revisions beyond revisionHistoryLimit, oldest first, skipping any whose hash a live pod carries. */
export function oldRevisionsToDelete(ds: any, old: any[], daemonPods: any[]): any[] {
  let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
  if (toKill <= 0) return [];
  const live = new Set(daemonPods.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL]).filter(Boolean));
  const out: any[] = [];
  for (const rev of sortRevisions(old)) {
    if (toKill <= 0) break;
    if (live.has(rev.metadata.labels?.[REVISION_HASH_LABEL])) continue;
    out.push(rev);
    toKill--;
  }
  return out;
}
