// The ServiceAccount controller: every active namespace has the service
// accounts it should (upstream: just `default`); one that is deleted is
// created again. Namespaces being deleted are left alone.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';

export const SERVICE_ACCOUNTS = RESOURCES.find((r) => r.group === '' && r.resource === 'serviceaccounts')!;

export interface ServiceAccountControllerConfig {
  client: Client;
  namespaces: Informer;
  serviceAccounts: Informer;
  /** Names every namespace must have (upstream's ServiceAccountsToEnsure). */
  ensure?: string[];
}

export class ServiceAccountController implements Reconciler {
  readonly name = 'serviceaccount';
  private readonly cfg: ServiceAccountControllerConfig;

  constructor(cfg: ServiceAccountControllerConfig) {
    this.cfg = cfg;
  }

  /** The key (a namespace name) a ServiceAccount event concerns: only deletions of one we ensure matter. */
  namespaceOfDeleted(sa: any): string[] {
    return (this.cfg.ensure ?? ['default']).includes(sa?.metadata?.name) ? [sa.metadata.namespace] : [];
  }

  async reconcile(namespace: string): Promise<Result> {
    const ns = this.cfg.namespaces.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp || (ns.status?.phase ?? 'Active') !== 'Active') return;
    for (const name of this.cfg.ensure ?? ['default']) {
      if (this.cfg.serviceAccounts.get(`${namespace}/${name}`)) continue;
      try {
        await this.cfg.client.create(SERVICE_ACCOUNTS, namespace, { metadata: { name, namespace } });
      } catch (err) {
        const code = (err as any)?.status?.code;
        // 409: it exists already (our cache is behind); 403: the namespace began terminating.
        if (code !== 409 && code !== 403) throw err;
      }
    }
  }
}
