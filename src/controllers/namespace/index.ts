// The namespace controller: when a namespace is being deleted it deletes
// every namespaced object in it, reports progress in the namespace's
// status conditions as upstream does, and once nothing is left removes the
// `kubernetes` finalizer so that the namespace itself goes.
import type { ResourceInfo } from '../../api/resources.ts';
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';

export interface NamespaceControllerConfig {
  client: Client;
  namespaces: Informer;
  now?: () => Date;
}

function contentResources(): ResourceInfo[] {
  const seen = new Set<string>();
  return RESOURCES.filter((r) => {
    if (!r.namespaced || r.virtual || !r.verbs.includes('list') || !r.verbs.includes('delete')) return false;
    const id = `${r.group}/${r.resource}`;
    if (seen.has(id) || r.storageVersion) return false;
    seen.add(id);
    return true;
  });
}

type Condition = { type: string; status: 'True' | 'False'; reason: string; message: string; lastTransitionTime?: string };

export class NamespaceController implements Reconciler {
  readonly name = 'namespace';
  private readonly cfg: NamespaceControllerConfig;
  private readonly namespaceInfo = RESOURCES.find((r) => r.group === '' && r.resource === 'namespaces')!;

  constructor(cfg: NamespaceControllerConfig) {
    this.cfg = cfg;
  }

  async reconcile(name: string): Promise<Result> {
    const ns = this.cfg.namespaces.get(name);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    const client = this.cfg.client;
    const remaining: Record<string, number> = {};
    const finalizersLeft: Record<string, number> = {};
    let failures: string[] = [];
    for (const r of contentResources()) {
      let items: any[];
      try {
        items = (await client.list(r, name)).items;
      } catch (err) {
        failures.push(`${r.resource}: ${(err as Error).message}`);
        continue;
      }
      if (items.length === 0) continue;
      const label = r.group ? `${r.resource}.${r.group}` : r.resource;
      remaining[label] = items.length;
      for (const it of items) {
        for (const f of it.metadata.finalizers ?? []) finalizersLeft[f] = (finalizersLeft[f] ?? 0) + 1;
        if (it.metadata.deletionTimestamp) continue;
        await client.delete(r, name, it.metadata.name, { propagationPolicy: 'Background' }).catch((e) => {
          if ((e as any)?.status?.code !== 404) failures.push(`${label} ${it.metadata.name}: ${(e as Error).message}`);
        });
      }
    }
    failures = failures.slice(0, 10);
    const now = (this.cfg.now?.() ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
    const total = Object.values(remaining).reduce((a, b) => a + b, 0);
    const conditions: Condition[] = [
      { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
      { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
      failures.length
        ? { type: 'NamespaceDeletionContentFailure', status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${failures.length} remaining: ${failures.join(', ')}` }
        : { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
      total > 0
        ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${Object.entries(remaining).sort().map(([k, v]) => `${k} has ${v} resource instances`).join(', ')}` }
        : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' },
      Object.keys(finalizersLeft).length > 0
        ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${Object.entries(finalizersLeft).sort().map(([k, v]) => `${k} in ${v} resource instances`).join(', ')}` }
        : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
    ];
    const old: Condition[] = ns.status?.conditions ?? [];
    const merged = conditions.map((c) => {
      const prev = old.find((o) => o.type === c.type);
      return { ...c, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now };
    });
    const status = { phase: 'Terminating', conditions: merged };
    if (JSON.stringify(old) !== JSON.stringify(merged)) {
      await client.update(this.namespaceInfo, '', { ...ns, status }, { subresource: 'status' }).catch((e) => {
        if ((e as any)?.status?.code !== 404 && (e as any)?.status?.code !== 409) throw e;
      });
    }
    if (total > 0 || failures.length > 0) return { requeueAfterMs: 1000 };
    const fresh = await client.get(this.namespaceInfo, '', name).catch(() => null);
    if (!fresh) return;
    const specFinalizers = (fresh.spec?.finalizers ?? []).filter((f: string) => f !== 'kubernetes');
    await client.update(this.namespaceInfo, '', { ...fresh, spec: { ...fresh.spec, finalizers: specFinalizers } }, { subresource: 'finalize' })
      .catch((e) => { if ((e as any)?.status?.code !== 404) throw e; });
  }
}
