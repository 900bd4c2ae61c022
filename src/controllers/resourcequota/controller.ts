// Wiring for the ResourceQuota controller: its own quota informer, the
// shared pod informer (a pod change in a namespace recomputes that
// namespace's quotas, which is how a deletion releases usage).
import type { Client } from '../../client/rest.ts';
import { byNamespace } from '../../client/informer.ts';
import type { Informer } from '../../client/informer.ts';
import { SharedInformers } from '../../client/shared-informers.ts';
import { Controller } from '../../client/controller.ts';
import { ResourceQuotaController, RESOURCE_QUOTAS } from './index.ts';

export function createResourceQuotaController(client: Client, pods: Informer, log: (m: string, f?: Record<string, unknown>) => void, workers = 5, resyncMs?: number,
  shared = new SharedInformers(client, log)) {
  const informer = shared.informer(RESOURCE_QUOTAS, { indexers: { namespace: byNamespace } });
  const reconciler = new ResourceQuotaController({ client, quotas: informer, pods, resyncMs });
  const controller = new Controller(reconciler, { workers, log }).watch(informer);
  const touched = (p: any) => { for (const k of reconciler.quotasIn(p?.metadata?.namespace ?? '')) controller.queue.add(k); };
  pods.on({ add: touched, update: (_o, p) => touched(p), delete: touched });
  return { informer, controller, reconciler };
}
