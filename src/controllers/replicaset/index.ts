// The ReplicaSet controller (and, with a map selector, the
// ReplicationController one): keeps spec.replicas pods that match the
// selector, adopting orphans and releasing pods that no longer match,
// creating in slow-start batches, deleting the lowest-ranked pods first,
// and reporting replica counts and ReplicaFailure in status.
import type { ResourceInfo } from '../../api/resources.ts';
import { RESOURCES, apiVersionOf } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import { keyOf } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import type { Recorder } from '../../client/events.ts';
import { Expectations } from '../util/expectations.ts';
import { controllerRef, isPodActive, isPodAvailable, isPodReady, newControllerRef, podsForOwner, rankForDeletion } from '../util/pods.ts';
import { selectorMatcher } from '../util/selector.ts';
import { isDeepStrictEqual } from 'node:util';

const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
/** Upstream's burstReplicas: at most this many creates or deletes per sync. */
const BURST = 500;

export interface ReplicaSetControllerConfig {
  client: Client;
  resource: ResourceInfo; // replicasets or replicationcontrollers
  owners: Informer;
  pods: Informer; // with `owner` (byOwnerUid) and `orphan` (byOrphanNamespace) indexes
  recorder: Recorder;
  now?: () => Date;
}

export class ReplicaSetController implements Reconciler {
  readonly name: string;
  readonly expectations = new Expectations();
  private readonly cfg: ReplicaSetControllerConfig;
  private readonly now: () => Date;

  constructor(cfg: ReplicaSetControllerConfig) {
    this.cfg = cfg;
    this.name = cfg.resource.resource === 'replicasets' ? 'replicaset' : 'replicationcontroller';
    this.now = cfg.now ?? (() => new Date());
  }

  /** Which owner keys a pod event concerns (its controller, or every owner whose selector matches an orphan). */
  ownersOfPod(pod: any): string[] {
    const ref = controllerRef(pod);
    const ns = pod.metadata.namespace;
    if (ref) {
      if (ref.kind !== this.cfg.resource.kind) return [];
      return [`${ns}/${ref.name}`];
    }
    return this.cfg.owners.list()
      .filter((o) => o.metadata.namespace === ns && selectorMatcher(o.spec?.selector, this.cfg.resource.kind)(pod.metadata.labels ?? {}))
      .map(keyOf);
  }

  observePodAdded(pod: any): void {
    const ref = controllerRef(pod);
    if (ref?.kind === this.cfg.resource.kind) this.expectations.creationObserved(`${pod.metadata.namespace}/${ref.name}`);
  }

  observePodDeleted(pod: any): void {
    const ref = controllerRef(pod);
    if (ref?.kind === this.cfg.resource.kind) this.expectations.deletionObserved(`${pod.metadata.namespace}/${ref.name}`);
  }

  async reconcile(key: string): Promise<Result> {
    const rs = this.cfg.owners.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const { resource } = this.cfg;
    const ns = rs.metadata.namespace;
    const matches = selectorMatcher(rs.spec?.selector, resource.kind);
    const uid = rs.metadata.uid;
    const owned: any[] = [];
    for (const pod of podsForOwner(this.cfg.pods, ns, uid)) {
      if (!isPodActive(pod) && pod.metadata.deletionTimestamp) continue;
      const ref = controllerRef(pod);
      const labels = pod.metadata.labels ?? {};
      if (ref && ref.uid === uid) {
        if (matches(labels)) owned.push(pod);
        else await this.release(pod, uid);
      } else if (!ref && matches(labels) && !rs.metadata.deletionTimestamp && !pod.metadata.deletionTimestamp) {
        if (await this.adopt(pod, rs)) owned.push(pod);
      }
    }
    const active = owned.filter(isPodActive);
    const want = rs.spec?.replicas ?? 1;
    let failure: string | undefined;
    if (this.expectations.satisfied(key) && !rs.metadata.deletionTimestamp) {
      const diff = active.length - want;
      if (diff < 0) failure = await this.createPods(rs, Math.min(-diff, BURST), key);
      else if (diff > 0) await this.deletePods(key, active, Math.min(diff, BURST));
    }
    await this.updateStatus(rs, owned, failure);
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && active.some((p) => isPodReady(p) && !isPodAvailable(p, minReady, this.now()))) {
      return { requeueAfterMs: minReady * 1000 };
    }
  }

  private async adopt(pod: any, rs: any): Promise<boolean> {
    const ref = newControllerRef(rs, apiVersionOf(this.cfg.resource), this.cfg.resource.kind);
    try {
      await this.cfg.client.patch(PODS, pod.metadata.namespace, pod.metadata.name,
        { metadata: { ownerReferences: [...(pod.metadata.ownerReferences ?? []), ref], uid: pod.metadata.uid } }, { type: 'merge' });
      return true;
    } catch (err) {
      if ((err as any)?.status?.code === 404 || (err as any)?.status?.code === 409) return false;
      throw err;
    }
  }

  private async release(pod: any, uid: string): Promise<void> {
    const refs = (pod.metadata.ownerReferences ?? []).filter((r: any) => r.uid !== uid);
    await this.cfg.client.patch(PODS, pod.metadata.namespace, pod.metadata.name,
      { metadata: { ownerReferences: refs.length ? refs : null, uid: pod.metadata.uid } }, { type: 'merge' })
      .catch((err) => { if ((err as any)?.status?.code !== 404 && (err as any)?.status?.code !== 409) throw err; });
  }

  /** Creates in batches of 1, 2, 4, … so that a failing template costs one call, not hundreds. */
  private async createPods(rs: any, count: number, key: string): Promise<string | undefined> {
    this.expectations.expect(key, count, 0);
    const tmpl = rs.spec.template ?? {};
    const ref = newControllerRef(rs, apiVersionOf(this.cfg.resource), this.cfg.resource.kind);
    let remaining = count;
    let batch = 1;
    while (remaining > 0) {
      const n = Math.min(batch, remaining);
      const results = await Promise.allSettled(Array.from({ length: n }, () => this.cfg.client.create(PODS, rs.metadata.namespace, {
        metadata: {
          generateName: `${rs.metadata.name}-`, labels: { ...(tmpl.metadata?.labels ?? {}) },
          ...(tmpl.metadata?.annotations ? { annotations: { ...tmpl.metadata.annotations } } : {}), ownerReferences: [ref],
        },
        // Only serialized, never changed: the cached template can be sent as it is.
        spec: tmpl.spec ?? {},
      })));
      remaining -= n;
      const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      for (const r of results) if (r.status === 'fulfilled') this.cfg.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
      if (failed.length > 0) {
        const msg = (failed[0].reason as any)?.status?.message ?? String(failed[0].reason);
        this.cfg.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${msg}`);
        this.expectations.lower(key, failed.length + remaining, 0);
        return msg;
      }
      batch *= 2;
    }
    return undefined;
  }

  private async deletePods(key: string, active: any[], count: number): Promise<void> {
    const perNode = new Map<string, number>();
    for (const p of active) if (p.spec?.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    const victims = rankForDeletion(active, perNode).slice(0, count);
    this.expectations.expect(key, 0, victims.length);
    const rs = this.cfg.owners.get(key);
    await Promise.all(victims.map(async (p) => {
      try {
        await this.cfg.client.delete(PODS, p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } });
        if (rs) this.cfg.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        this.expectations.lower(key, 0, 1);
        if ((err as any)?.status?.code !== 404) throw err;
      }
    }));
  }

  private async updateStatus(rs: any, owned: any[], failure: string | undefined): Promise<void> {
    const now = this.now();
    const active = owned.filter(isPodActive);
    const tmplLabels = rs.spec?.template?.metadata?.labels ?? {};
    const fully = active.filter((p) => Object.entries(tmplLabels).every(([k, v]) => p.metadata.labels?.[k] === v));
    const old = rs.status ?? {};
    const conditions = (old.conditions ?? []).filter((c: any) => c.type !== 'ReplicaFailure');
    const prevFailure = (old.conditions ?? []).find((c: any) => c.type === 'ReplicaFailure');
    if (failure) {
      conditions.push({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: failure,
        lastTransitionTime: prevFailure?.status === 'True' ? prevFailure.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z') });
    }
    // Upstream omits zero counts (omitempty), so a fresh object shows only replicas.
    const counts: Record<string, number> = {
      fullyLabeledReplicas: fully.length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: active.filter((p) => isPodAvailable(p, rs.spec?.minReadySeconds ?? 0, now)).length,
    };
    const status: any = { replicas: active.length };
    for (const [k, v] of Object.entries(counts)) if (v > 0) status[k] = v;
    if (rs.metadata.generation) status.observedGeneration = rs.metadata.generation;
    if (conditions.length) status.conditions = conditions;
    if (isDeepStrictEqual(status, old)) return;
    try {
      await this.cfg.client.update(this.cfg.resource, rs.metadata.namespace, { ...rs, status }, { subresource: 'status' });
    } catch (err) {
      // 404: the owner is gone. 409: a fresher object is on its way and brings another sync.
      if ((err as any)?.status?.code !== 404) throw err;
    }
  }
}
