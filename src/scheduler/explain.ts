// Records of recent scheduling attempts, kept for `k8ts explain-scheduling`:
// each evaluated node's filter verdict, each plugin's score per node, and
// why the winner won. The records hold references to data the cycle made
// anyway and are formatted only when asked for.
import type { Status } from './framework/status.ts';
import { CODE_NAMES } from './framework/status.ts';

export interface RawAttempt {
  namespace: string;
  name: string;
  uid: string;
  profile: string;
  time: string;
  attempt: number;
  result: 'Scheduled' | 'Unschedulable' | 'Error';
  node?: string;
  message?: string;
  numAllNodes: number;
  statuses: Map<string, Status>;
  feasible: string[];
  scored?: { nodes: string[]; totals: ArrayLike<number>; byPlugin: Map<string, ArrayLike<number>>; weights: Record<string, number> };
}

export interface ExplainedAttempt {
  pod: string;
  uid: string;
  profile: string;
  time: string;
  attempt: number;
  result: string;
  node?: string;
  message?: string;
  numAllNodes: number;
  evaluatedNodes: number;
  feasibleNodes: number;
  filters: { node: string; verdict: string; plugin?: string; reasons?: string[] }[];
  scores: { node: string; total: number; plugins: Record<string, { score: number; weight: number }> }[];
  why: string;
}

export class AttemptRecords {
  private readonly max: number;
  private readonly records = new Map<string, RawAttempt>();

  constructor(max = 1000) {
    this.max = max;
  }

  put(r: RawAttempt): void {
    const key = `${r.namespace}/${r.name}`;
    this.records.delete(key);
    this.records.set(key, r);
    if (this.records.size > this.max) this.records.delete(this.records.keys().next().value!);
  }

  get(namespace: string, name: string): RawAttempt | undefined {
    return this.records.get(`${namespace}/${name}`);
  }

  explain(namespace: string, name: string): ExplainedAttempt | undefined {
    const r = this.get(namespace, name);
    return r ? explainAttempt(r) : undefined;
  }
}

export function explainAttempt(r: RawAttempt): ExplainedAttempt {
  const filters: ExplainedAttempt['filters'] = [];
  for (const n of r.feasible) filters.push({ node: n, verdict: 'Passed' });
  for (const [n, s] of r.statuses) filters.push({ node: n, verdict: CODE_NAMES[s.code], plugin: s.plugin || undefined, reasons: s.reasons });
  filters.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  const scores: ExplainedAttempt['scores'] = [];
  if (r.scored) {
    const { nodes, totals, byPlugin, weights } = r.scored;
    nodes.forEach((node, i) => {
      const plugins: Record<string, { score: number; weight: number }> = {};
      for (const [p, arr] of byPlugin) plugins[p] = { score: arr[i], weight: weights[p] ?? 1 };
      scores.push({ node, total: totals[i], plugins });
    });
    scores.sort((a, b) => b.total - a.total || (a.node < b.node ? -1 : 1));
  }
  return {
    pod: `${r.namespace}/${r.name}`, uid: r.uid, profile: r.profile, time: r.time, attempt: r.attempt, result: r.result,
    node: r.node, message: r.message, numAllNodes: r.numAllNodes, evaluatedNodes: r.feasible.length + r.statuses.size,
    feasibleNodes: r.feasible.length, filters, scores, why: why(r, scores),
  };
}

function why(r: RawAttempt, scores: ExplainedAttempt['scores']): string {
  if (r.result !== 'Scheduled') return r.message ?? 'the pod was not scheduled';
  if (r.feasible.length === 1) return `${r.node} was the only node that passed every filter (of ${r.feasible.length + r.statuses.size} evaluated), so no scoring was needed`;
  const win = scores.find((s) => s.node === r.node);
  const runner = scores.find((s) => s.node !== r.node);
  if (!win || !runner) return `${r.node} was chosen`;
  if (win.total === runner.total) return `${r.node} tied with ${runner.node} at ${win.total} points and won the random tie-break`;
  const diffs = Object.entries(win.plugins)
    .map(([p, v]) => [p, (v.score - (runner.plugins[p]?.score ?? 0)) * v.weight] as const)
    .filter(([, d]) => d !== 0)
    .sort((a, b) => b[1] - a[1])
    .map(([p, d]) => `${p} ${d > 0 ? '+' : ''}${d}`);
  return `${r.node} scored ${win.total}, ahead of ${runner.node} with ${runner.total} (weighted difference by plugin: ${diffs.join(', ')})`;
}
