// DefaultPreemption (PostFilter): when no node fits, find the node where
// evicting the fewest, least important pods makes room, delete them, and
// nominate that node for the pod.
import type { Handle, Plugin } from '../../framework/types.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import { podPriority } from '../../framework/pod-info.ts';
import { Code, Status, unresolvable, unschedulable } from '../../framework/status.ts';
import { fitErrorMessage } from '../../framework/fit-error.ts';
import type { Candidate } from './victims.ts';
import { NO_VICTIMS, pickOneNode, selectVictimsOnNode } from './victims.ts';

export const NAME = 'DefaultPreemption';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const WAITING = 'waiting for the preemption for this pod to be finished';

export interface PreemptionArgs {
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

/** How many candidate nodes a dry run looks for: a share of the nodes, at least an absolute number (upstream's defaults 10% and 100). */
export function numCandidates(args: PreemptionArgs, numNodes: number): number {
  const n = Math.max(Math.trunc((numNodes * (args.minCandidateNodesPercentage ?? 10)) / 100), args.minCandidateNodesAbsolute ?? 100);
  return Math.min(n, numNodes);
}

export function defaultPreemption(args: PreemptionArgs | undefined, handle: Handle, random: () => number = Math.random): Plugin {
  // Pods whose victims' API calls are still under way (upstream's async
  // preemption): PreEnqueue holds them, so that they do not preempt again
  // before their victims are gone.
  const preempting = new Set<string>();
  // Victims this plugin deleted (uid → until when it remembers), and the node
  // each preemptor was nominated to: the cache and the pod's status learn
  // both only when the watch brings the writes back, and a retry in between
  // must see the victim as terminating, not preempt again elsewhere.
  const victims = new Map<string, number>();
  const nominatedBy = new Map<string, string>();
  // Per preemptor whose victims were deleted: the node and the victims'
  // uids. It stays held until the cache has seen them go (or start
  // terminating), so that it is retried once, when their room is free, and
  // not once per victim's delete event; the queue asks again on each
  // delete (upstream's queueing hint for assigned pods' deletion).
  const awaited = new Map<string, { node: string; uids: Set<string> }>();
  const now = () => Date.now();
  const terminating = (p: any) => !!p.metadata.deletionTimestamp || (victims.get(p.metadata.uid) ?? 0) > now();
  const victimsLeft = (uid: string): boolean => {
    const a = awaited.get(uid);
    if (!a) return false;
    const n = handle.snapshot.get(a.node);
    if (n?.pods.some((p) => a.uids.has(p.uid) && !p.pod.metadata?.deletionTimestamp)) return true;
    awaited.delete(uid);
    return false;
  };
  return {
    name: NAME,
    events: () => [{ resource: 'Pod', actions: ['Delete'] }],
    preEnqueue(pod) {
      const uid = pod.metadata?.uid;
      return preempting.has(uid) || victimsLeft(uid) ? unresolvable(WAITING) : null;
    },
    async postFilter(state, pod, statuses) {
      const fail = (msg: string) => ({ status: unschedulable(`preemption: ${msg}`) });
      if (pod.pod.spec?.preemptionPolicy === 'Never') return fail('not eligible due to preemptionPolicy=Never.');
      const nominated = pod.pod.status?.nominatedNodeName || nominatedBy.get(pod.uid);
      if (nominated && statuses.get(nominated)?.code !== Code.UnschedulableAndUnresolvable) {
        const n = handle.snapshot.get(nominated);
        const prio = podPriority(pod.pod);
        if (n?.pods.some((p) => terminating(p.pod) && podPriority(p.pod) < prio)) {
          return fail('not eligible due to a terminating pod on the nominated node.');
        }
      }
      const all = handle.snapshot.nodes();
      const pdbs = handle.listers.list('poddisruptionbudgets');
      const results = new Map<string, Status>();
      const cands: Candidate[] = [];
      const fwk = handle.framework();
      const potential: NodeInfo[] = [];
      for (const n of all as NodeInfo[]) {
        const st = statuses.get(n.name);
        if (st?.code === Code.UnschedulableAndUnresolvable) results.set(n.name, new Status(Code.UnschedulableAndUnresolvable, NOT_HELPFUL));
        else potential.push(n);
      }
      // As upstream: dry-run from a random offset and stop once enough
      // candidates are found (at least one of them violating no PDB).
      // No pod anywhere has a lower priority: every node gives the answer a
      // dry run would give, without visiting its pods.
      const lowest = handle.snapshot.lowestPodPriority();
      if (lowest === undefined || lowest >= podPriority(pod.pod)) {
        const none = unresolvable(NO_VICTIMS);
        for (const n of potential) results.set(n.name, none);
        potential.length = 0;
      }
      const want = numCandidates(args ?? {}, potential.length);
      const offset = want < potential.length ? Math.floor(random() * potential.length) : 0;
      let nonViolating = 0;
      for (let i = 0; i < potential.length; i++) {
        const n = potential[(offset + i) % potential.length];
        const r = selectVictimsOnNode(fwk, state, pod, n, pdbs);
        if (r instanceof Status) {
          results.set(n.name, r);
          continue;
        }
        cands.push(r);
        if (r.numPDBViolations === 0) nonViolating++;
        if (nonViolating > 0 && cands.length >= want) break;
      }
      if (cands.length === 0) {
        const msg = fitErrorMessage({ numAllNodes: all.length, nodeStatuses: results });
        return { status: unschedulable(`preemption: ${msg}`), nominatedNodeName: '' };
      }
      const best = pickOneNode(cands);
      const api = handle.api;
      // The victims' API calls run on their own (upstream's async preemption):
      // the next scheduling cycle does not wait for the round trips.
      if (victims.size > 10_000) for (const [uid, until] of victims) if (until <= now()) victims.delete(uid);
      if (nominatedBy.size > 10_000) nominatedBy.clear();
      if (awaited.size > 10_000) awaited.clear();
      for (const v of best.victims) victims.set(v.uid, now() + 60_000);
      nominatedBy.set(pod.uid, best.node);
      if (api) {
        preempting.add(pod.uid);
        awaited.set(pod.uid, { node: best.node, uids: new Set(best.victims.map((v) => v.uid)) });
        let failed = false;
        void Promise.all(best.victims.map(async (v) => {
          const conds = (v.pod.status?.conditions ?? []).filter((c: any) => c.type !== 'DisruptionTarget');
          conds.push({ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${handle.schedulerName}: preempting to accommodate a higher priority pod`, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
          await api.patchPodStatus(v.pod, { conditions: conds }).catch(() => {});
          await api.deletePod(v.pod).catch((err) => {
            failed = true;
            handle.log('could not delete preemption victim', { pod: v.key, error: String(err) });
          });
          api.event(v.pod, 'Normal', 'Preempted', `Preempted by pod ${pod.uid} on node ${best.node}`);
        })).finally(() => {
          preempting.delete(pod.uid);
          // A victim that could not be deleted may never leave: do not wait for it.
          if (failed) awaited.delete(pod.uid);
          handle.preemptionDone?.(pod.uid);
        });
      }
      handle.log('preempting', { pod: pod.key, node: best.node, victims: best.victims.map((v) => v.key) });
      return { status: new Status(Code.Success), nominatedNodeName: best.node };
    },
  };
}
