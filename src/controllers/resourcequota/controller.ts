// Wiring for the ResourceQuota controller: its own quota informer, the
// shared pod informer (a pod change in a namespace recomputes that
// namespace's quotas, which is how a deletion releases usage).
import type { Client } from '../../client/rest.ts';
import { Informer, byNamespace } from '../../client/informer.ts';
import { Controller } from '../../client/controller.ts';
import { ResourceQuotaController, RESOURCE_QUOTAS } from './index.ts';

export function createResourceQuotaController(client: Client, pods: Informer, log: (m: string, f?: Record<string, unknown>) => void, workers = 5, resyncMs?: number) {
  const informer = new Informer(client, RESOURCE_QUOTAS, { indexers: { namespace: byNamespace }, log });
  const reconciler = new ResourceQuotaController({ client, quotas: informer, pods, resyncMs });
  const controller = new Controller(reconciler, { workers, log }).watch(informer);
  const touched = (p: any) => { for (const k of reconciler.quotasIn(p?.metadata?.namespace ?? '')) controller.queue.add(k); };
  pods.on({ add: touched, update: (_o, p) => touched(p), delete: touched });
  return { informer, controller, reconciler };
}
