// The disruption controller: keeps every PodDisruptionBudget's status
// (expected, healthy and desired pods, disruptions allowed, the
// DisruptionAllowed condition) current, so that pods/eviction can decide
// from the budget alone. Evictions it has not yet seen confirmed stay in
// status.disruptedPods until the pod goes or the 2 min timeout passes.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import { byNamespace, keyOf } from '../../client/informer.ts';
import type { Informer } from '../../client/informer.ts';
import { SharedInformers } from '../../client/shared-informers.ts';
import { Controller } from '../../client/controller.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import { computeStatus, pdbSelects } from './status.ts';
import type { Owners } from './status.ts';

const find = (group: string, resource: string) => RESOURCES.find((r) => r.group === group && r.resource === resource)!;
export const PDBS = find('policy', 'poddisruptionbudgets');

/** What the reconciler reads: informer caches in production, plain maps in tests. */
export interface Cache {
  get(key: string): any | undefined;
  byIndex(index: string, value: string): any[];
}

export interface DisruptionControllerConfig {
  client: Pick<Client, 'update'>;
  pdbs: Cache;
  /** Indexed by `namespace`. */
  pods: Cache;
  owners: Owners;
  now?: () => Date;
}

export class DisruptionController implements Reconciler {
  readonly name = 'disruption';
  private readonly cfg: DisruptionControllerConfig;

  constructor(cfg: DisruptionControllerConfig) {
    this.cfg = cfg;
  }

  /** The budgets a pod counts for (a pod event enqueues these). */
  budgetsFor(pod: any): string[] {
    return this.cfg.pdbs.byIndex('namespace', pod.metadata.namespace).filter((b) => pdbSelects(b, pod)).map(keyOf);
  }

  async reconcile(key: string): Promise<Result> {
    const pdb = this.cfg.pdbs.get(key);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const now = (this.cfg.now ?? (() => new Date()))();
    const pods = this.cfg.pods.byIndex('namespace', pdb.metadata.namespace);
    const { status, recheckAt } = computeStatus(pdb, pods, this.cfg.owners, now);
    if (!sameStatus(pdb.status, status)) {
      try {
        await this.cfg.client.update(PDBS, pdb.metadata.namespace, { ...pdb, status }, { subresource: 'status' });
      } catch (err) {
        // 409: the cache is behind (an eviction wrote the status); the update event brings us back.
        if ((err as any)?.status?.code !== 409) throw err;
      }
    }
    if (recheckAt !== undefined) return { requeueAfterMs: Math.max(0, recheckAt - now.getTime()) + 1000 };
  }
}

function sameStatus(a: any, b: any): boolean {
  return JSON.stringify(normal(a ?? {})) === JSON.stringify(normal(b));
}

function normal(s: any): any {
  const keys = Object.keys(s).sort();
  return keys.map((k) => [k, k === 'conditions' ? (s[k] ?? []).map((c: any) => Object.keys(c).sort().map((x) => [x, c[x]])) : s[k]]);
}

/** Builds the controller on the shared pod informer plus its own informers (the caller starts those before the controller). */
export function createDisruptionController(client: Client, pods: Informer, log: (m: string, f?: Record<string, unknown>) => void, workers = 5,
  shared = new SharedInformers(client, log)) {
  const pdbs = shared.informer(PDBS, { indexers: { namespace: byNamespace } });
  const rs = shared.informer(find('apps', 'replicasets'));
  const deps = shared.informer(find('apps', 'deployments'));
  const sts = shared.informer(find('apps', 'statefulsets'));
  const rcs = shared.informer(find('', 'replicationcontrollers'));
  const rec = new DisruptionController({
    client, pdbs, pods,
    owners: { replicaSet: (k) => rs.get(k), deployment: (k) => deps.get(k), statefulSet: (k) => sts.get(k), replicationController: (k) => rcs.get(k) },
  });
  const controller = new Controller(rec, { workers, log }).watch(pdbs);
  const onPod = (p: any) => { for (const k of rec.budgetsFor(p)) controller.queue.add(k); };
  pods.on({ add: onPod, update: (o, p) => { onPod(o); onPod(p); }, delete: onPod });
  // A controller's scale changes the budgets of maxUnavailable and percentages.
  const onScale = (o: any) => { for (const b of pdbs.byIndex('namespace', o.metadata.namespace)) controller.queue.add(keyOf(b)); };
  for (const inf of [rs, deps, sts, rcs]) inf.on({ add: onScale, update: (_o, n) => onScale(n), delete: onScale });
  return { controller, informers: [pdbs, rs, deps, sts, rcs] };
}
