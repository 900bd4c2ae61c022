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
  if (pdbs.length === 0) return [[], pods];
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

/** Sorts most important first (MoreImportantPod), reading each pod's priority and start time once. */
function byImportance(pods: PodInfo[]): PodInfo[] {
  if (pods.length < 2) return pods;
  const keyed = pods.map((pi) => ({ pi, prio: podPriority(pi.pod), start: startTime(pi.pod) }));
  keyed.sort((a, b) => (a.prio !== b.prio ? b.prio - a.prio : a.start - b.start));
  return keyed.map((k) => k.pi);
}

/**
 * Upstream's SelectVictimsOnNode, on a copy of the node and of the cycle
 * state: PreFilter's state follows each removal and reprieve through the
 * plugins' AddPod/RemovePod extensions, never recomputed from scratch.
 */
export function selectVictimsOnNode(fwk: FrameworkHandle, state: CycleState, pod: PodInfo, node: NodeInfo, pdbs: any[]): Candidate | Status {
  const prio = podPriority(pod.pod);
  let potential: PodInfo[] | undefined;
  for (const p of node.pods) if (podPriority(p.pod) < prio) (potential ??= []).push(p);
  if (!potential) return unresolvable(NO_VICTIMS);
  const n = node.clone();
  const s = state.clone();
  for (const p of potential) {
    n.removePod(p.uid);
    const st = fwk.runPreFilterRemovePod(s, pod, p, n);
    if (st) return st;
  }
  const fits = fwk.runFilterWithNominatedPods(s, pod, n);
  if (fits) return fits;
  const [violating, ok] = splitByPDB(byImportance(potential), pdbs);
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
  // Each group was visited in order of importance: only a mix needs sorting again.
  return { node: node.name, victims: violating.length && ok.length ? byImportance(victims) : victims, numPDBViolations };
}

/** Candidate order of preference, as upstream's pickOneNodeForPreemption: negative when a is better. */
function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.numPDBViolations !== b.numPDBViolations) return a.numPDBViolations - b.numPDBViolations;
  // No victims at all beats any victim.
  const top = (c: Candidate) => (c.victims.length ? podPriority(c.victims[0].pod) : -Infinity);
  const ta = top(a);
  const tb = top(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const sum = (c: Candidate) => c.victims.reduce((t, v) => t + podPriority(v.pod) + 2 ** 31 + 1, 0);
  const sa = sum(a);
  const sb = sum(b);
  if (sa !== sb) return sa - sb;
  if (a.victims.length !== b.victims.length) return a.victims.length - b.victims.length;
  // The latest start of the most important victims wins.
  const st = (c: Candidate) => (c.victims.length ? startTime(c.victims[0].pod) : 0);
  return st(b) - st(a);
}

/** The best candidate; among equals, the first one found. */
export function pickOneNode(cands: Candidate[]): Candidate {
  let best = cands[0];
  for (let i = 1; i < cands.length; i++) if (compareCandidates(cands[i], best) < 0) best = cands[i];
  return best;
}
