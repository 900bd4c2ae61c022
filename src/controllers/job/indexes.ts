// Completion indexes of Indexed Jobs: the pod annotation that carries a
// pod's index, and status.completedIndexes as upstream writes it — sorted,
// with runs of consecutive indexes folded into ranges ("0-2,4").

export const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

/** A pod's completion index, or -1 when it has none or it is not a canonical non-negative integer. */
export function completionIndex(pod: any): number {
  const v = pod?.metadata?.annotations?.[INDEX_ANNOTATION];
  if (typeof v !== 'string' || !/^(0|[1-9]\d{0,8})$/.test(v)) return -1;
  return Number(v);
}

/** Parses "0-2,4" into a sorted list of indexes below `completions` (bad parts are skipped, as upstream). */
export function parseIndexes(s: string | undefined, completions: number): number[] {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= Math.min(hi, completions - 1); i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The lowest `count` indexes below completions that neither succeeded nor have an active pod. */
export function firstPendingIndexes(succeeded: Set<number>, active: Set<number>, count: number, completions: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!succeeded.has(i) && !active.has(i)) out.push(i);
  return out;
}
