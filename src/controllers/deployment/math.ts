// The arithmetic of a rolling update, as upstream's deployment util:
// maxSurge/maxUnavailable (numbers or percentages, surge rounded up and
// unavailability rounded down), the template hash, revisions and
// proportional scaling.

export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const HASH_LABEL = 'pod-template-hash';

export function intOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** maxSurge and maxUnavailable resolved against replicas; both zero is impossible, so unavailable becomes 1. */
export function surgeAndUnavailable(d: any): { surge: number; unavailable: number } {
  const replicas = d.spec?.replicas ?? 1;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const surge = intOrPercent(ru.maxSurge ?? '25%', replicas, true);
  let unavailable = intOrPercent(ru.maxUnavailable ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, replicas) };
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a over the template (and collision count), printed in upstream's safe alphabet. */
export function templateHash(template: unknown, collisionCount = 0): string {
  const text = stableJson(template) + (collisionCount ? `#${collisionCount}` : '');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // As upstream: the decimal digits of the hash, each mapped into an alphabet without vowels.
  let out = '';
  for (const ch of String(h)) out += SAFE[ch.charCodeAt(0) % SAFE.length];
  return out;
}

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as any)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson((v as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A ReplicaSet's template without the hash label, for comparing with the Deployment's. */
export function templateWithoutHash(rs: any): any {
  const t = structuredClone(rs.spec?.template ?? {});
  if (t.metadata?.labels) {
    delete t.metadata.labels[HASH_LABEL];
  }
  return t;
}

export function revisionOf(rs: any): number {
  return Number(rs?.metadata?.annotations?.[REVISION] ?? 0) || 0;
}

export function replicasOf(rs: any): number {
  return rs?.spec?.replicas ?? 0;
}

/**
 * Proportional scaling: when a Deployment is resized in the middle of a
 * rollout, the change is spread over the active ReplicaSets in proportion
 * to their size, the remainder going to the largest (newest first on ties).
 */
export function proportionalScale(active: any[], deploymentReplicas: number, maxSurge: number): Map<any, number> {
  const out = new Map<any, number>();
  const allowed = deploymentReplicas + maxSurge;
  const current = active.reduce((n, rs) => n + replicasOf(rs), 0);
  const toAdd = allowed - current;
  if (toAdd === 0 || current === 0) {
    for (const rs of active) out.set(rs, replicasOf(rs));
    return out;
  }
  const ordered = [...active].sort((a, b) => replicasOf(b) - replicasOf(a) || revisionOf(b) - revisionOf(a));
  let added = 0;
  for (const rs of ordered) {
    const share = Math.trunc((replicasOf(rs) * toAdd) / current);
    const bounded = toAdd > 0 ? Math.min(share, toAdd - added) : Math.max(share, toAdd - added);
    out.set(rs, replicasOf(rs) + bounded);
    added += bounded;
  }
  const first = ordered[0];
  out.set(first, Math.max(0, out.get(first)! + (toAdd - added)));
  return out;
}
