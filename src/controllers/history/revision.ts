// ControllerRevision values (as upstream's controller history package):
// the hash that names a revision and labels its pods, revision names,
// ordering, the next revision number, equality, and which old revisions a
// revisionHistoryLimit lets go. Pure functions; history.ts does the I/O.
import { isDeepStrictEqual } from 'node:util';

/** Upstream's ControllerRevisionHashLabel (apps/v1 DefaultDaemonSetUniqueLabelKey and StatefulSetRevisionLabel). */
export const REVISION_HASH_LABEL = 'controller-revision-hash';

// Upstream's rand.SafeEncodeString alphabet: no vowels, no confusable digits.
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** Object keys in sorted order, as Go prints a map[string]interface{}; the hash input for equal values is equal. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * FNV-1 (32 bit) over the value's canonical JSON and, when given, the
 * collision count in decimal (upstream's HashControllerRevision probe), with
 * the decimal digits of the sum mapped into the safe alphabet.
 */
export function hashOf(value: unknown, collisionCount?: number): string {
  const bytes = new TextEncoder().encode(canonicalJson(value) + (collisionCount === undefined || collisionCount === null ? '' : String(collisionCount)));
  let h = 0x811c9dc5;
  for (const b of bytes) h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  let out = '';
  for (const ch of String(h)) out += SAFE[ch.charCodeAt(0) % SAFE.length];
  return out;
}

/** `<prefix>-<hash>`, the prefix cut to 223 characters so the name stays a valid DNS subdomain. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

export interface NewRevisionArgs {
  parent: any;
  /** apiVersion and kind of the parent, for its controller ownerReference. */
  apiVersion: string;
  kind: string;
  /** Labels the revision carries (the parent's template labels); the hash label is added. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  data: unknown;
  revision: number;
  collisionCount?: number;
  /** The hash to name and label the revision with; by default hashOf(data, collisionCount). DaemonSets hash their template instead. */
  hash?: (collisionCount: number | undefined) => string;
}

/** A ControllerRevision object for parent, ready to create. */
export function newControllerRevision(a: NewRevisionArgs): any {
  const hash = a.hash ? a.hash(a.collisionCount) : hashOf(a.data, a.collisionCount);
  const m = a.parent.metadata;
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name: revisionName(m.name, hash), namespace: m.namespace,
      labels: { ...(a.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      ...(a.annotations && Object.keys(a.annotations).length ? { annotations: { ...a.annotations } } : {}),
      ownerReferences: [{ apiVersion: a.apiVersion, kind: a.kind, name: m.name, uid: m.uid, controller: true, blockOwnerDeletion: true }],
    },
    data: structuredClone(a.data),
    revision: a.revision,
  };
}

/** Oldest first: by revision number, then creation time, then name (upstream's byRevision). */
export function sortRevisions(revs: any[]): any[] {
  return [...revs].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0)
    || Date.parse(a.metadata?.creationTimestamp ?? 0) - Date.parse(b.metadata?.creationTimestamp ?? 0)
    || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
}

/** One more than the highest revision number, 1 for none. */
export function nextRevision(revs: any[]): number {
  return revs.reduce((n, r) => Math.max(n, r.revision ?? 0), 0) + 1;
}

/** Same data (the hash labels differ only by the collision count, so they are not compared). */
export function equalRevision(a: any, b: any): boolean {
  if (!a || !b) return a === b;
  return isDeepStrictEqual(a.data, b.data);
}

export function findEqualRevisions(revs: any[], needle: any): any[] {
  return revs.filter((r) => equalRevision(r, needle));
}

/**
 * The revisions to delete so that at most `limit` non-live revisions stay:
 * the oldest of those isLive rejects (live ones — current, update, used by
 * a pod — are never deleted and do not count).
 */
export function revisionsToPrune(revs: any[], limit: number, isLive: (rev: any) => boolean): any[] {
  const old = sortRevisions(revs).filter((r) => !isLive(r));
  return old.length > limit ? old.slice(0, old.length - Math.max(0, limit)) : [];
}
