// Upstream's FitError message: "0/5 nodes are available: 2 Insufficient
// cpu, 3 node(s) had untolerated taint {k: v}. preemption: …". Reasons are
// counted across nodes and sorted as strings, as upstream sorts them.
import type { Status } from './status.ts';

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

export interface Diagnosis {
  numAllNodes: number;
  nodeStatuses: Map<string, Status>;
  preFilterMsg?: string;
  postFilterMsg?: string;
}

export function reasonHistogram(statuses: Iterable<Status>): string[] {
  const counts = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort();
}

export function fitErrorMessage(d: Diagnosis): string {
  let msg = `0/${d.numAllNodes} nodes are available:`;
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else {
    const h = reasonHistogram(d.nodeStatuses.values());
    if (h.length) msg += ` ${h.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}

/** Upstream's adaptive default: all nodes under 100, else 50% minus 1% per 125 nodes, at least 5% and 100 nodes. */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < 100) return numAllNodes;
  let pct = percentage;
  if (pct === 0) pct = Math.max(5, 50 - Math.trunc(numAllNodes / 125));
  if (pct >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * pct) / 100);
  return Math.max(n, 100);
}
