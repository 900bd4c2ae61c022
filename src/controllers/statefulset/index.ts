// The StatefulSet controller: claims the set's pods (by selector and by a
// name of the form <set>-<ordinal>, adopting and releasing through
// ownerReferences), finds or creates the ControllerRevision of the current
// template, runs one pass of the update loop (control.ts), records status,
// and trims old revisions to revisionHistoryLimit.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import type { Recorder } from '../../client/events.ts';
import { controllerRef, newControllerRef } from '../util/pods.ts';
import { selectorMatcher } from '../util/selector.ts';
import { setPodOwners } from '../util/adoption.ts';
import { History, equalRevision, findEqualRevisions, newControllerRevision, nextRevision, revisionsToPrune, sortRevisions } from '../history/index.ts';
import { StatefulPodControl } from './podcontrol.ts';
import { StatefulSetControl } from './control.ts';
import type { StatefulSetStatus } from './control.ts';
import { isMemberOf, podRevision } from './identity.ts';
import { revisionArgs } from './revision.ts';

export const STATEFULSETS = RESOURCES.find((r) => r.group === 'apps' && r.resource === 'statefulsets')!;

export interface StatefulSetControllerConfig {
  client: Client;
  sets: Informer;
  pods: Informer; // with a byNamespace index
  claims: Informer; // persistentvolumeclaims
  revisions: Informer; // controllerrevisions, with a byNamespace index
  recorder: Recorder;
  now?: () => Date;
}

const code = (err: unknown): number | undefined => (err as any)?.status?.code;

export class StatefulSetController implements Reconciler {
  readonly name = 'statefulset';
  private readonly cfg: StatefulSetControllerConfig;
  private readonly now: () => Date;
  private readonly history: History;
  private readonly control: StatefulSetControl;

  constructor(cfg: StatefulSetControllerConfig) {
    this.cfg = cfg;
    this.now = cfg.now ?? (() => new Date());
    this.history = new History(cfg.client, cfg.revisions);
    this.control = new StatefulSetControl(new StatefulPodControl(cfg.client, cfg.claims, cfg.recorder), this.now);
  }

  /** Set keys a pod event concerns: its controller, or for an orphan every set whose selector matches it. */
  setsOfPod(pod: any): string[] {
    const ns = pod.metadata.namespace;
    const ref = controllerRef(pod);
    if (ref) return ref.kind === 'StatefulSet' ? [`${ns}/${ref.name}`] : [];
    return this.cfg.sets.list()
      .filter((s) => s.metadata.namespace === ns && selectorMatcher(s.spec?.selector, 'StatefulSet')(pod.metadata.labels ?? {}))
      .map((s) => `${ns}/${s.metadata.name}`);
  }

  /** Set keys a claim event concerns: the sets whose selector matches it (claims carry the selector's labels). */
  setsOfClaim(claim: any): string[] {
    const ns = claim.metadata.namespace;
    return this.cfg.sets.list()
      .filter((s) => s.metadata.namespace === ns && (s.spec?.volumeClaimTemplates ?? []).length > 0 &&
        selectorMatcher(s.spec?.selector, 'StatefulSet')(claim.metadata.labels ?? {}))
      .map((s) => `${ns}/${s.metadata.name}`);
  }

  /** Set keys a revision event concerns (its controller). */
  setsOfRevision(rev: any): string[] {
    const ref = controllerRef(rev);
    return ref?.kind === 'StatefulSet' ? [`${rev.metadata.namespace}/${ref.name}`] : [];
  }

  async reconcile(key: string): Promise<Result> {
    const set = this.cfg.sets.get(key);
    if (!set) return;
    const matches = selectorMatcher(set.spec?.selector, 'StatefulSet');
    const revisions = sortRevisions(await this.history.controlled(set, 'apps/v1', 'StatefulSet', matches));
    const pods = await this.claimPods(set, matches);
    const { current, update, collisionCount } = await this.revisionsOf(set, revisions);
    const ref = newControllerRef(set, 'apps/v1', 'StatefulSet');
    const { status, error } = await this.control.update(set, pods, current, update, collisionCount, ref);
    await this.writeStatus(set, status);
    await this.truncateHistory(set, pods, revisions, current, update);
    if (error) throw error;
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.availableReplicas !== (set.spec?.replicas ?? 1)) return { requeueAfterMs: minReady * 1000 };
  }

  private async claimPods(set: any, matches: (l: Record<string, string>) => boolean): Promise<any[]> {
    const uid = set.metadata.uid;
    const out: any[] = [];
    for (const pod of this.cfg.pods.byIndex('namespace', set.metadata.namespace)) {
      const ref = controllerRef(pod);
      const ok = matches(pod.metadata.labels ?? {}) && isMemberOf(set, pod);
      if (ref?.uid === uid) {
        if (ok) out.push(pod);
        else if (!set.metadata.deletionTimestamp) await setPodOwners(this.cfg.client, pod, (pod.metadata.ownerReferences ?? []).filter((r: any) => r.uid !== uid));
      } else if (!ref && ok && !set.metadata.deletionTimestamp && !pod.metadata.deletionTimestamp) {
        const adopted = await setPodOwners(this.cfg.client, pod, [...(pod.metadata.ownerReferences ?? []), newControllerRef(set, 'apps/v1', 'StatefulSet')]);
        if (adopted) out.push(adopted);
      }
    }
    return out;
  }

  /**
   * The update revision is the one equal to the current template: the
   * newest if it is, an older one renumbered to the newest (a rollback), or
   * a new one. The current revision is the one status names, or the update
   * revision for a new set.
   */
  private async revisionsOf(set: any, revisions: any[]): Promise<{ current: any; update: any; collisionCount: number }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    const args = revisionArgs(set, nextRevision(revisions), collisionCount);
    const candidate = newControllerRevision(args);
    const equal = findEqualRevisions(revisions, candidate);
    let update: any;
    const newest = revisions[revisions.length - 1];
    if (equal.length && equalRevision(newest, equal[equal.length - 1])) update = newest;
    else if (equal.length) update = await this.history.renumber(equal[equal.length - 1], candidate.revision);
    else ({ revision: update, collisionCount } = await this.history.create(args));
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  private async writeStatus(set: any, s: StatefulSetStatus): Promise<void> {
    const replicas = set.spec?.replicas ?? 1;
    // A finished rolling update makes the update revision current.
    if (set.spec?.updateStrategy?.type === 'RollingUpdate' && s.updatedReplicas === replicas && s.readyReplicas === replicas && s.replicas === replicas) {
      s.currentReplicas = s.updatedReplicas;
      s.currentRevision = s.updateRevision;
    }
    const old = set.status ?? {};
    const fields = ['replicas', 'currentReplicas', 'readyReplicas', 'updatedReplicas', 'availableReplicas', 'currentRevision', 'updateRevision'] as const;
    const same = fields.every((f) => (old[f] ?? (typeof s[f] === 'number' ? 0 : '')) === s[f]) &&
      (s.observedGeneration ?? 0) <= (old.observedGeneration ?? 0) && (old.collisionCount ?? 0) === s.collisionCount;
    if (same) return;
    // Upstream omits the zero counts and empty revisions (omitempty), but always writes replicas and availableReplicas.
    const status: any = { ...(old.conditions ? { conditions: old.conditions } : {}) };
    if (s.observedGeneration) status.observedGeneration = s.observedGeneration;
    status.replicas = s.replicas;
    for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas'] as const) if (s[f]) status[f] = s[f];
    if (s.currentRevision) status.currentRevision = s.currentRevision;
    if (s.updateRevision) status.updateRevision = s.updateRevision;
    status.collisionCount = s.collisionCount;
    status.availableReplicas = s.availableReplicas;
    let target = set;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.cfg.client.update(STATEFULSETS, set.metadata.namespace, { ...target, status }, { subresource: 'status' });
        return;
      } catch (err) {
        if (code(err) === 404) return;
        if (code(err) !== 409 || attempt >= 3) throw err;
        target = await this.cfg.client.get(STATEFULSETS, set.metadata.namespace, set.metadata.name);
      }
    }
  }

  /** Deletes the oldest revisions beyond revisionHistoryLimit that no pod, and neither status revision, uses. */
  private async truncateHistory(set: any, pods: any[], revisions: any[], current: any, update: any): Promise<void> {
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    if (limit < 0) return;
    const live = new Set<string>([current.metadata.name, update.metadata.name, ...pods.map(podRevision)]);
    for (const rev of revisionsToPrune(revisions, limit, (r) => live.has(r.metadata.name))) await this.history.delete(rev);
  }
}
