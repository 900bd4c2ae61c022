// Choosing preemption victims on one node, and the best node, as upstream:
// remove every lower-priority pod, check the pod fits, then give back as
// many as possible (PDB-protected ones first); among nodes prefer fewest
// PDB violations, then lowest top victim priority, smallest priority sum,
// fewest victims, and the latest-started top victim.
import type { CycleState } from '../../framework/cycle-state.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { podPriority } from '../../framework/pod-info.ts';
import type { Status} from '../../framework/status.ts';
import { unresolvable } from '../../framework/status.ts';
import { matchesSelector } from '../../framework/selectors.ts';
import type { FrameworkHandle } from '../../framework/types.ts';

export const NO_VICTIMS = 'No preemption victims found for incoming pod';

export interface Candidate {
  node: string;
  victims: PodInfo[];
  numPDBViolations: number;
}

const startTimes = new WeakMap<object, number>();

/** Parsed once per pod object (preemption compares the same pods on many nodes). */
function startTime(p: any): number {
  let t = startTimes.get(p);
  if (t === undefined) startTimes.set(p, (t = Date.parse(p.status?.startTime ?? p.metadata?.creationTimestamp ?? '') || 0));
  return t;
}

/** Upstream's MoreImportantPod: higher priority, then the one that started earlier. */
export function moreImportant(a: any, b: any): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return startTime(a) < startTime(b);
}

/** Splits pods into those whose eviction would violate a PDB and those that would not. */
export function splitByPDB(pods: PodInfo[], pdbs: any[]): [PodInfo[], PodInfo[]] {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const violating: PodInfo[] = [];
  const ok: PodInfo[] = [];
  for (const pi of pods) {
    const m = pi.pod.metadata;
    let violates = false;
    pdbs.forEach((pdb, i) => {
      if (pdb.metadata?.namespace !== m.namespace) return;
      const sel = pdb.spec?.selector;
      if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) return;
      if (!matchesSelector(sel, m.labels)) return;
      if (pdb.status?.disruptedPods && m.name in pdb.status.disruptedPods) return;
      allowed[i]--;
      if (allowed[i] < 0) violates = true;
    });
    (violates ? violating : ok).push(pi);
  }
  return [violating, ok];
}

export function selectVictimsOnNode(fwk: FrameworkHandle, state: CycleState, pod: PodInfo, node: NodeInfo, pdbs: any[]): Candidate | Status {
  const prio = podPriority(pod.pod);
  const potential = node.pods.filter((p) => podPriority(p.pod) < prio);
  if (potential.length === 0) return unresolvable(NO_VICTIMS);
  const n = node.clone();
  const s = state.clone();
  for (const p of potential) {
    n.removePod(p.uid);
    const st = fwk.runPreFilterRemovePod(s, pod, p, n);
    if (st) return st;
  }
  const fits = fwk.runFilterWithNominatedPods(s, pod, n);
  if (fits) return fits;
  potential.sort((a, b) => (moreImportant(a.pod, b.pod) ? -1 : moreImportant(b.pod, a.pod) ? 1 : 0));
  const [violating, ok] = splitByPDB(potential, pdbs);
  const victims: PodInfo[] = [];
  let numPDBViolations = 0;
  const reprieve = (p: PodInfo): boolean => {
    n.addPod(p);
    fwk.runPreFilterAddPod(s, pod, p, n);
    if (!fwk.runFilterWithNominatedPods(s, pod, n)) return true;
    n.removePod(p.uid);
    fwk.runPreFilterRemovePod(s, pod, p, n);
    victims.push(p);
    return false;
  };
  for (const p of violating) if (!reprieve(p)) numPDBViolations++;
  for (const p of ok) reprieve(p);
  victims.sort((a, b) => (moreImportant(a.pod, b.pod) ? -1 : moreImportant(b.pod, a.pod) ? 1 : 0));
  return { node: node.name, victims, numPDBViolations };
}

export function pickOneNode(cands: Candidate[]): Candidate {
  const stages: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -(c.victims.length ? podPriority(c.victims[0].pod) : -Infinity),
    (c) => -c.victims.reduce((s, v) => s + podPriority(v.pod) + 2 ** 31 + 1, 0),
    (c) => -c.victims.length,
    (c) => (c.victims.length ? startTime(c.victims[0].pod) : 0),
  ];
  let pool = cands;
  for (const score of stages) {
    if (pool.length === 1) break;
    const scores = pool.map(score);
    let best = -Infinity;
    for (const v of scores) if (v > best) best = v;
    pool = pool.filter((_, i) => scores[i] === best);
  }
  return pool[0];
}
