// The ResourceQuota controller: status.hard mirrors spec.hard and
// status.used is recomputed from the objects stored in the namespace. Pods
// come from the shared informer; other counted kinds are listed when a quota
// asks for them. Admission charges creates at once; this releases usage
// when objects go away and corrects any drift.
import { RESOURCES } from '../../api/resources.ts';
import type { ResourceInfo } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import { matchesScopes, resourceOfName, sumUsage, usageOf } from './usage.ts';
import type { Usage } from './usage.ts';

export const RESOURCE_QUOTAS = RESOURCES.find((r) => r.group === '' && r.resource === 'resourcequotas')!;

export interface ResourceQuotaControllerConfig {
  client: Client;
  quotas: Informer;
  /** Pods, indexed by namespace. */
  pods: Informer;
  /**
   * How often each quota is recomputed anyway. Upstream's sync period is 5 m,
   * but it also replenishes on every counted kind's deletion; only pods are
   * watched here, so the other kinds rely on this shorter period.
   */
  resyncMs?: number;
  now?: () => Date;
}

const sameMap = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

export class ResourceQuotaController implements Reconciler {
  readonly name = 'resourcequota';
  private readonly cfg: ResourceQuotaControllerConfig;

  constructor(cfg: ResourceQuotaControllerConfig) {
    this.cfg = cfg;
  }

  /** The quota keys a change to an object in this namespace may affect. */
  quotasIn(namespace: string): string[] {
    return this.cfg.quotas.byIndex('namespace', namespace).map((q) => `${namespace}/${q.metadata.name}`);
  }

  get resyncMs(): number {
    return this.cfg.resyncMs ?? 30_000;
  }

  private async objectsOf(info: ResourceInfo, namespace: string): Promise<any[]> {
    if (info === this.pods()) return this.cfg.pods.byIndex('namespace', namespace);
    return (await this.cfg.client.list(info, namespace)).items;
  }

  private pods(): ResourceInfo {
    return RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
  }

  async reconcile(key: string): Promise<Result> {
    const quota = this.cfg.quotas.get(key);
    if (!quota || quota.metadata.deletionTimestamp) return;
    const again = { requeueAfterMs: this.resyncMs };
    const namespace = quota.metadata.namespace;
    const now = (this.cfg.now ?? (() => new Date()))();
    const kinds = new Map<ResourceInfo, true>();
    for (const name of Object.keys(quota.spec?.hard ?? {})) {
      const gr = resourceOfName(name);
      const info = gr && RESOURCES.find((r) => r.group === gr.group && r.resource === gr.resource && r.namespaced && r.verbs.includes('list'));
      if (info) kinds.set(info, true);
    }
    const usages: Usage[] = [];
    for (const info of kinds.keys()) {
      for (const obj of await this.objectsOf(info, namespace)) {
        if (!matchesScopes(quota, info.group, info.resource, obj)) continue;
        const u = usageOf(info.group, info.resource, obj, now);
        if (u) usages.push(u);
      }
    }
    const hard = { ...(quota.spec?.hard ?? {}) };
    const used = sumUsage(quota, usages);
    if (sameMap(quota.status?.hard, hard) && sameMap(quota.status?.used, used)) return again;
    const next = structuredClone(quota);
    next.status = { hard, used };
    // The update carries the cached resourceVersion: a conflict means admission charged meanwhile, so retry.
    await this.cfg.client.update(RESOURCE_QUOTAS, namespace, next, { subresource: 'status' });
    return again;
  }
}
