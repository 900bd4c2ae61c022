// The DaemonSet controller: one pod on every node that should run it
// (nodeSelector, node affinity, taints with the daemon tolerations), each
// pinned to its node through matchFields affinity for the scheduler to
// bind; failed pods replaced with backoff; RollingUpdate (maxUnavailable,
// maxSurge) or OnDelete; ControllerRevisions for rollout history and undo;
// upstream's status counts and events.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import { keyOf } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import type { Recorder } from '../../client/events.ts';
import { Expectations } from '../util/expectations.ts';
import { controllerRef, newControllerRef } from '../util/pods.ts';
import { selectorMatcher } from '../util/selector.ts';
import { setPodOwners } from '../util/adoption.ts';
import { History } from '../history/index.ts';
import type { RevisionLister } from '../history/index.ts';
import { nodeShouldRunDaemonPod, podForNode } from './placement.ts';
import { FailedPodBackoff, countStatus, groupByNode, planManage, planRollingUpdate } from './plan.ts';
import type { SyncState } from './plan.ts';
import { constructHistory, oldRevisionsToDelete } from './revisions.ts';
import { isDeepStrictEqual } from 'node:util';

const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
export const DAEMONSETS = RESOURCES.find((r) => r.group === 'apps' && r.resource === 'daemonsets')!;
/** Upstream's burstReplicas for DaemonSets. */
const BURST = 250;
const code = (err: unknown): number | undefined => (err as any)?.status?.code;

export interface DaemonSetControllerConfig {
  client: Client;
  daemonSets: Informer;
  nodes: Informer;
  pods: Informer; // with a `namespace` index
  revisions: Informer & RevisionLister; // with a `namespace` index
  recorder: Recorder;
  now?: () => Date;
}

export class DaemonSetController implements Reconciler {
  readonly name = 'daemonset';
  readonly expectations = new Expectations();
  private readonly cfg: DaemonSetControllerConfig;
  private readonly now: () => Date;
  private readonly history: History;
  private readonly backoff = new FailedPodBackoff();

  constructor(cfg: DaemonSetControllerConfig) {
    this.cfg = cfg;
    this.now = cfg.now ?? (() => new Date());
    this.history = new History(cfg.client, cfg.revisions);
  }

  /** The DaemonSet keys a pod (or ControllerRevision) event concerns: its controller, or for an orphan every DaemonSet selecting it. */
  ownersOf(obj: any): string[] {
    const ref = controllerRef(obj);
    const ns = obj.metadata.namespace;
    if (ref) return ref.kind === 'DaemonSet' ? [`${ns}/${ref.name}`] : [];
    return this.cfg.daemonSets.list()
      .filter((ds) => ds.metadata.namespace === ns && selectorMatcher(ds.spec?.selector, 'DaemonSet')(obj.metadata.labels ?? {}))
      .map(keyOf);
  }

  observePodAdded(pod: any): void {
    const ref = controllerRef(pod);
    if (ref?.kind === 'DaemonSet') this.expectations.creationObserved(`${pod.metadata.namespace}/${ref.name}`);
  }

  observePodDeleted(pod: any): void {
    const ref = controllerRef(pod);
    if (ref?.kind === 'DaemonSet') this.expectations.deletionObserved(`${pod.metadata.namespace}/${ref.name}`);
  }

  /** DaemonSets whose placement on node changes between old and cur (either may be absent). */
  affectedByNode(old: any | undefined, cur: any | undefined): string[] {
    const out: string[] = [];
    for (const ds of this.cfg.daemonSets.list()) {
      const a = old ? nodeShouldRunDaemonPod(old, ds) : undefined;
      const b = cur ? nodeShouldRunDaemonPod(cur, ds) : undefined;
      if (!isDeepStrictEqual(a, b)) out.push(keyOf(ds));
    }
    return out;
  }

  async reconcile(key: string): Promise<Result> {
    const ds = this.cfg.daemonSets.get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const matches = selectorMatcher(ds.spec?.selector, 'DaemonSet');
    const sel = ds.spec?.selector;
    if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)) {
      this.cfg.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    // Being deleted: its revisions may already be gone, and new pods or revisions would be orphans.
    if (ds.metadata.deletionTimestamp) return;
    let pods = await this.claimPods(ds, matches);
    const hist = await constructHistory(this.cfg.client, this.history, ds, matches, pods);
    const hash = hist.current.metadata.labels['controller-revision-hash'];
    const nodes = this.cfg.nodes.list();
    const state = (): SyncState => ({ ds, nodes, byNode: groupByNode(pods), hash, now: this.now() });
    let requeueAfterMs: number | undefined;
    const satisfied = this.expectations.satisfied(key);
    if (satisfied) {
      const plan = planManage(state(), this.backoff);
      for (const f of plan.failed) {
        this.cfg.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${f.pod.metadata.namespace}/${f.pod.metadata.name} on node ${f.node}, will try to kill it`);
      }
      requeueAfterMs = plan.requeueAfterMs;
      const errors = await this.syncNodes(ds, key, plan.remove, plan.create, hash);
      if (!errors.length && this.expectations.satisfied(key) && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        const ru = planRollingUpdate(state());
        errors.push(...await this.syncNodes(ds, key, ru.remove, ru.create, hash));
      }
      for (const rev of oldRevisionsToDelete(ds, hist.old, pods)) await this.history.delete(rev);
      if (errors.length) {
        // The sync error is the one reported and retried; a failed status write here only repeats it.
        await this.writeStatus(ds, state(), true, hist.collisionCount).catch(() => {});
        throw errors[0];
      }
      pods = this.ownedPods(ds);
    }
    const s = state();
    await this.writeStatus(ds, s, satisfied, hist.collisionCount);
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const counts = countStatus(s);
    if (minReady > 0 && counts.numberReady !== counts.numberAvailable) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, minReady * 1000);
    return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
  }

  private ownedPods(ds: any): any[] {
    return this.cfg.pods.byIndex('namespace', ds.metadata.namespace).filter((p) => controllerRef(p)?.uid === ds.metadata.uid);
  }

  /** Owned pods that match, after adopting matching orphans and releasing owned pods that stopped matching. */
  private async claimPods(ds: any, matches: (l: Record<string, string>) => boolean): Promise<any[]> {
    const uid = ds.metadata.uid;
    const out: any[] = [];
    for (const pod of this.cfg.pods.byIndex('namespace', ds.metadata.namespace)) {
      const ref = controllerRef(pod);
      const labels = pod.metadata.labels ?? {};
      if (ref?.uid === uid) {
        if (matches(labels)) out.push(pod);
        else await setPodOwners(this.cfg.client, pod, (pod.metadata.ownerReferences ?? []).filter((r: any) => r.uid !== uid));
      } else if (!ref && matches(labels) && !pod.metadata.deletionTimestamp) {
        const adopted = await setPodOwners(this.cfg.client, pod, [...(pod.metadata.ownerReferences ?? []), newControllerRef(ds, 'apps/v1', 'DaemonSet')]);
        if (adopted) out.push(adopted);
      }
    }
    return out;
  }

  /** Upstream's syncNodes: expectations first, creates in slow-start batches (1, 2, 4, …), then deletes. Returns the errors. */
  private async syncNodes(ds: any, key: string, remove: any[], create: string[], hash: string): Promise<Error[]> {
    const toCreate = create.slice(0, BURST);
    const toDelete = remove.slice(0, BURST);
    if (!toCreate.length && !toDelete.length) return [];
    this.expectations.expect(key, toCreate.length, toDelete.length);
    const errors: Error[] = [];
    const ref = newControllerRef(ds, 'apps/v1', 'DaemonSet');
    let pos = 0;
    for (let batch = 1; pos < toCreate.length; batch *= 2) {
      const nodes = toCreate.slice(pos, pos + batch);
      pos += nodes.length;
      const before = errors.length;
      await Promise.all(nodes.map(async (node) => {
        const pod = podForNode(ds, hash, node);
        pod.metadata.ownerReferences = [ref];
        try {
          const made = await this.cfg.client.create(PODS, ds.metadata.namespace, pod);
          this.cfg.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${made.metadata.name}`);
        } catch (err) {
          this.expectations.lower(key, 1, 0);
          // A terminating namespace refuses every create; that is no failure of ours.
          if ((err as any)?.status?.details?.causes?.some((c: any) => c.reason === 'NamespaceTerminating')) return;
          this.cfg.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as any)?.status?.message ?? String(err)}`);
          errors.push(err as Error);
        }
      }));
      if (errors.length > before && pos < toCreate.length) {
        this.expectations.lower(key, toCreate.length - pos, 0);
        break;
      }
    }
    await Promise.all(toDelete.map(async (pod) => {
      try {
        await this.cfg.client.delete(PODS, pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } });
        this.cfg.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
      } catch (err) {
        this.expectations.lower(key, 0, 1);
        if (code(err) === 404) return;
        this.cfg.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as any)?.status?.message ?? String(err)}`);
        errors.push(err as Error);
      }
    }));
    return errors;
  }

  /** Upstream's storeDaemonSetStatus: written only when a count (or observedGeneration) moved; one retry on a conflict. */
  private async writeStatus(ds: any, s: SyncState, observeGeneration: boolean, collisionCount: number | undefined): Promise<void> {
    const counts = countStatus(s);
    let cur = ds;
    for (let attempt = 0; attempt < 2; attempt++) {
      const old = cur.status ?? {};
      const status: any = { ...old, ...counts };
      // Upstream marks these omitempty; the four other counts always show.
      for (const k of ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'] as const) if (!counts[k]) delete status[k];
      if (observeGeneration && cur.metadata.generation) status.observedGeneration = cur.metadata.generation;
      if (collisionCount !== undefined) status.collisionCount = collisionCount;
      if (isDeepStrictEqual(status, old)) return;
      try {
        await this.cfg.client.update(DAEMONSETS, cur.metadata.namespace, { ...cur, status }, { subresource: 'status' });
        return;
      } catch (err) {
        if (code(err) === 404) return;
        if (code(err) !== 409 || attempt > 0) throw err;
        cur = await this.cfg.client.get(DAEMONSETS, ds.metadata.namespace, ds.metadata.name);
        if (cur.metadata.uid !== ds.metadata.uid) return;
      }
    }
  }
}
