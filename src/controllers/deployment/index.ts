// The Deployment controller: finds or creates the ReplicaSet for the
// current template (labelled with pod-template-hash, annotated with the
// revision), then rolls from the old ReplicaSets to it with RollingUpdate
// (maxSurge/maxUnavailable) or Recreate, scales proportionally when resized
// mid-rollout, honours pause, trims history to revisionHistoryLimit, and
// reports replica counts and the Available/Progressing conditions.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import type { Recorder } from '../../client/events.ts';
import { controllerRef, newControllerRef } from '../util/pods.ts';
import { selectorMatcher } from '../util/selector.ts';
import {
  DESIRED_REPLICAS, HASH_LABEL, MAX_REPLICAS, REVISION, proportionalScale, replicasOf, revisionOf, surgeAndUnavailable,
  templateHash, templateWithoutHash, stableJson,
} from './math.ts';
import { computeStatus } from './status.ts';

export const REPLICASETS = RESOURCES.find((r) => r.group === 'apps' && r.resource === 'replicasets')!;
export const DEPLOYMENTS = RESOURCES.find((r) => r.group === 'apps' && r.resource === 'deployments')!;

export interface DeploymentControllerConfig {
  client: Client;
  deployments: Informer;
  replicaSets: Informer; // with a byNamespace index
  pods: Informer; // with a byNamespace index
  recorder: Recorder;
  now?: () => Date;
}

export class DeploymentController implements Reconciler {
  readonly name = 'deployment';
  private readonly cfg: DeploymentControllerConfig;
  private readonly now: () => Date;

  constructor(cfg: DeploymentControllerConfig) {
    this.cfg = cfg;
    this.now = cfg.now ?? (() => new Date());
  }

  /** Deployment keys a ReplicaSet event concerns. */
  ownersOfReplicaSet(rs: any): string[] {
    const ref = controllerRef(rs);
    if (ref) return ref.kind === 'Deployment' ? [`${rs.metadata.namespace}/${ref.name}`] : [];
    return this.cfg.deployments.list()
      .filter((d) => d.metadata.namespace === rs.metadata.namespace && selectorMatcher(d.spec?.selector, 'Deployment')(rs.metadata.labels ?? {}))
      .map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
  }

  private async ownedReplicaSets(d: any): Promise<any[]> {
    const matches = selectorMatcher(d.spec?.selector, 'Deployment');
    const out: any[] = [];
    for (const rs of this.cfg.replicaSets.byIndex('namespace', d.metadata.namespace)) {
      const ref = controllerRef(rs);
      // A working copy: scaleRS records what it patched in spec.replicas, and
      // the cached object is shared with the other controllers' informers.
      if (ref?.uid === d.metadata.uid) out.push({ ...rs, spec: { ...rs.spec } });
      else if (!ref && matches(rs.metadata.labels ?? {}) && !d.metadata.deletionTimestamp) {
        try {
          out.push(await this.cfg.client.patch(REPLICASETS, rs.metadata.namespace, rs.metadata.name, {
            metadata: { ownerReferences: [...(rs.metadata.ownerReferences ?? []), newControllerRef(d, 'apps/v1', 'Deployment')], uid: rs.metadata.uid },
          }, { type: 'merge' }));
        } catch (err) {
          if ((err as any)?.status?.code !== 404 && (err as any)?.status?.code !== 409) throw err;
        }
      }
    }
    return out;
  }

  async reconcile(key: string): Promise<Result> {
    const d = this.cfg.deployments.get(key);
    if (!d || d.metadata.deletionTimestamp) return;
    const all = await this.ownedReplicaSets(d);
    const tmpl = stableJson(d.spec.template);
    let newRS = all.find((rs) => stableJson(templateWithoutHash(rs)) === tmpl);
    const old = all.filter((rs) => rs !== newRS);
    const { surge } = surgeAndUnavailable(d);
    const replicas = d.spec.replicas ?? 1;
    let progressingReason: string | undefined;
    // The resourceVersion this sync's own revision patch gave the Deployment, if it made one.
    let patchedVersion: string | undefined;

    if (!d.spec.paused) {
      if (!newRS) {
        ({ rs: newRS, patchedVersion } = await this.createNewReplicaSet(d, old));
        progressingReason = 'NewReplicaSetCreated';
      } else {
        patchedVersion = await this.syncRevision(d, newRS, old);
      }
    }
    const active = all.filter((rs) => replicasOf(rs) > 0);
    if (newRS && !active.includes(newRS) && replicasOf(newRS) > 0) active.push(newRS);
    const isScalingEvent = active.some((rs) => Number(rs.metadata.annotations?.[DESIRED_REPLICAS] ?? replicas) !== replicas);

    if (d.spec.paused || (isScalingEvent && active.length > 1)) {
      await this.scaleProportionally(d, active, replicas, surge);
    } else if (newRS) {
      if ((d.spec.strategy?.type ?? 'RollingUpdate') === 'Recreate') await this.recreate(d, newRS, old);
      else await this.rollingUpdate(d, newRS, old);
    }
    await this.cleanup(d, old);
    const fresh = this.cfg.replicaSets.byIndex('namespace', d.metadata.namespace).filter((rs) => controllerRef(rs)?.uid === d.metadata.uid);
    const current = newRS ? fresh.find((rs) => rs.metadata.name === newRS!.metadata.name) ?? newRS : undefined;
    const status = computeStatus(d, fresh, current, this.now(), progressingReason);
    const resourceVersion = patchedVersion ?? d.metadata.resourceVersion;
    if (stableJson(status) !== stableJson(d.status ?? {})) {
      await this.cfg.client.update(DEPLOYMENTS, d.metadata.namespace, { ...d, metadata: { ...d.metadata, resourceVersion }, status }, { subresource: 'status' }).catch((err) => {
        if ((err as any)?.status?.code !== 404) throw err;
      });
    }
    const deadline = d.spec.progressDeadlineSeconds;
    if (deadline && status.conditions?.some((c: any) => c.type === 'Progressing' && c.status === 'True' && c.reason !== 'NewReplicaSetAvailable')) {
      return { requeueAfterMs: Math.min(deadline * 1000, 10_000) };
    }
  }

  private async createNewReplicaSet(d: any, old: any[]): Promise<{ rs: any; patchedVersion: string | undefined }> {
    const collision = d.status?.collisionCount ?? 0;
    const hash = templateHash(d.spec.template, collision);
    const template = structuredClone(d.spec.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash };
    const revision = Math.max(0, ...old.map(revisionOf)) + 1;
    const { surge } = surgeAndUnavailable(d);
    const replicas = d.spec.replicas ?? 1;
    const strategy = d.spec.strategy?.type ?? 'RollingUpdate';
    const total = old.reduce((n, rs) => n + replicasOf(rs), 0);
    const start = strategy === 'Recreate' ? 0 : Math.max(0, Math.min(replicas, replicas + surge - total));
    const rs = {
      metadata: {
        name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace,
        labels: { ...(d.spec.template.metadata?.labels ?? {}), [HASH_LABEL]: hash },
        annotations: { ...this.copiedAnnotations(d), [REVISION]: String(revision), [DESIRED_REPLICAS]: String(replicas), [MAX_REPLICAS]: String(replicas + surge) },
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: start, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    try {
      const created = await this.cfg.client.create(REPLICASETS, d.metadata.namespace, rs);
      if (start > 0) this.cfg.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${start}`);
      return { rs: created, patchedVersion: await this.setRevisionAnnotation(d, revision) };
    } catch (err) {
      if ((err as any)?.status?.reason === 'AlreadyExists') {
        // A ReplicaSet of that name with another template: bump collisionCount and try a new hash next sync.
        await this.cfg.client.update(DEPLOYMENTS, d.metadata.namespace, { ...d, status: { ...(d.status ?? {}), collisionCount: collision + 1 } }, { subresource: 'status' });
      }
      throw err;
    }
  }

  private copiedAnnotations(d: any): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
      if (k === REVISION || k === 'kubectl.kubernetes.io/last-applied-configuration') continue;
      out[k] = v as string;
    }
    return out;
  }

  /**
   * Returns the patched Deployment's resourceVersion (undefined when there was
   * nothing to patch): the status write of this sync must build on the patched
   * object, as upstream's does, or it is a certain conflict.
   */
  private async setRevisionAnnotation(d: any, revision: number): Promise<string | undefined> {
    if (d.metadata.annotations?.[REVISION] === String(revision)) return undefined;
    const patched = await this.cfg.client.patch(DEPLOYMENTS, d.metadata.namespace, d.metadata.name, { metadata: { annotations: { [REVISION]: String(revision) } } }, { type: 'merge' });
    return patched?.metadata?.resourceVersion || undefined;
  }

  /** A rollback makes an old ReplicaSet new again: it takes the next revision. */
  private async syncRevision(d: any, newRS: any, old: any[]): Promise<string | undefined> {
    const maxOld = Math.max(0, ...old.map(revisionOf));
    let revision = revisionOf(newRS);
    if (revision <= maxOld) {
      revision = maxOld + 1;
      await this.cfg.client.patch(REPLICASETS, newRS.metadata.namespace, newRS.metadata.name, { metadata: { annotations: { [REVISION]: String(revision) } } }, { type: 'merge' });
    }
    return this.setRevisionAnnotation(d, revision);
  }

  private async scaleRS(d: any, rs: any, to: number): Promise<void> {
    const from = replicasOf(rs);
    const { surge } = surgeAndUnavailable(d);
    const desired = String(d.spec.replicas ?? 1);
    if (from === to && rs.metadata.annotations?.[DESIRED_REPLICAS] === desired) return;
    await this.cfg.client.patch(REPLICASETS, rs.metadata.namespace, rs.metadata.name, {
      metadata: { annotations: { [DESIRED_REPLICAS]: desired, [MAX_REPLICAS]: String((d.spec.replicas ?? 1) + surge) } },
      spec: { replicas: to },
    }, { type: 'merge' });
    rs.spec.replicas = to;
    if (from !== to) this.cfg.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`);
  }

  private async scaleProportionally(d: any, active: any[], replicas: number, surge: number): Promise<void> {
    if (active.length === 0) return;
    if (active.length === 1) return this.scaleRS(d, active[0], replicas);
    const targets = proportionalScale(active, replicas, d.spec.paused ? 0 : surge);
    for (const [rs, n] of targets) await this.scaleRS(d, rs, n);
  }

  private async recreate(d: any, newRS: any, old: any[]): Promise<void> {
    for (const rs of old) if (replicasOf(rs) > 0) await this.scaleRS(d, rs, 0);
    const oldPods = this.cfg.pods.byIndex('namespace', d.metadata.namespace)
      .filter((p) => old.some((rs) => controllerRef(p)?.uid === rs.metadata.uid));
    if (oldPods.length > 0) return; // Recreate waits until every old pod is gone.
    await this.scaleRS(d, newRS, d.spec.replicas ?? 1);
  }

  private async rollingUpdate(d: any, newRS: any, old: any[]): Promise<void> {
    const replicas = d.spec.replicas ?? 1;
    const { surge, unavailable } = surgeAndUnavailable(d);
    const all = [newRS, ...old];
    // Upstream sums spec.replicas here. A ReplicaSet just scaled down still
    // has the pods it was told to drop until its controller deletes them, so
    // a new pod made meanwhile could briefly exceed replicas + maxSurge; its
    // status.replicas (live pods) holds the surge back until they are gone.
    const total = all.reduce((n, rs) => n + Math.max(replicasOf(rs), rs.status?.replicas ?? 0), 0);
    // Scale the new ReplicaSet up within the surge budget (or down if it is over).
    if (replicasOf(newRS) > replicas) await this.scaleRS(d, newRS, replicas);
    else if (replicasOf(newRS) < replicas) {
      const up = Math.min(replicas + surge - total, replicas - replicasOf(newRS));
      if (up > 0) await this.scaleRS(d, newRS, replicasOf(newRS) + up);
      else await this.scaleRS(d, newRS, replicasOf(newRS));
    } else await this.scaleRS(d, newRS, replicas);
    // Scale old ReplicaSets down within the unavailability budget.
    const oldActive = old.filter((rs) => replicasOf(rs) > 0);
    if (oldActive.length === 0) return;
    const allPods = all.reduce((n, rs) => n + replicasOf(rs), 0);
    const minAvailable = replicas - unavailable;
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    let budget = allPods - minAvailable - newUnavailable;
    if (budget <= 0) return;
    // Unhealthy old replicas go first: they cost no availability.
    const byAge = [...oldActive].sort((a, b) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp));
    for (const rs of byAge) {
      if (budget <= 0) break;
      const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
      const cut = Math.min(unhealthy, budget);
      if (cut > 0) {
        await this.scaleRS(d, rs, replicasOf(rs) - cut);
        budget -= cut;
      }
    }
    // A ReplicaSet's status can still count pods its spec has just let go
    // (this sync's cuts, or the last one's not yet acted on); counting them
    // would cut below maxUnavailable, so no more than spec.replicas count.
    const available = all.reduce((n, rs) => n + Math.min(rs.status?.availableReplicas ?? 0, replicasOf(rs)), 0);
    let scaleDown = available - minAvailable;
    for (const rs of byAge) {
      if (scaleDown <= 0) break;
      const cut = Math.min(replicasOf(rs), scaleDown);
      if (cut > 0) {
        await this.scaleRS(d, rs, replicasOf(rs) - cut);
        scaleDown -= cut;
      }
    }
  }

  /** Deletes the oldest empty ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(d: any, old: any[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const empty = old.filter((rs) => replicasOf(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    const excess = empty.length - limit;
    for (let i = 0; i < excess; i++) {
      await this.cfg.client.delete(REPLICASETS, empty[i].metadata.namespace, empty[i].metadata.name, { preconditions: { uid: empty[i].metadata.uid } })
        .catch((err) => { if ((err as any)?.status?.code !== 404 && (err as any)?.status?.code !== 409) throw err; });
    }
  }
}
