// One informer per resource (and namespace and selectors) for a whole
// process, as client-go's SharedInformerFactory: every controller that reads
// pods reads the same cache, fed by one list and one watch. Each watch
// event costs a JSON decode and the API server a send, so a controller
// manager whose groups each kept their own pod informer paid that five
// times per pod change.
//
// Readers share the cached objects: they must treat them as read-only.
import type { ResourceInfo } from '../api/resources.ts';
import type { Client } from './rest.ts';
import { Informer } from './informer.ts';
import type { Indexer, InformerOptions } from './informer.ts';

export type SharedInformerOptions = Pick<InformerOptions, 'namespace' | 'labelSelector' | 'fieldSelector' | 'indexers'>;

export class SharedInformers {
  private readonly client: Client;
  private readonly log?: InformerOptions['log'];
  private readonly informers = new Map<string, Informer>();

  constructor(client: Client, log?: InformerOptions['log']) {
    this.client = client;
    this.log = log;
  }

  /** The process's informer for this resource and scope; its indexes are the union of what every caller asked for. */
  informer(resource: ResourceInfo, opts: SharedInformerOptions = {}): Informer {
    const key = [resource.group, resource.version, resource.resource, opts.namespace ?? '', opts.labelSelector ?? '', opts.fieldSelector ?? ''].join('\u0000');
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer(this.client, resource, { namespace: opts.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, log: this.log });
      this.informers.set(key, inf);
    }
    inf.addIndexers(opts.indexers ?? ({} as Record<string, Indexer>));
    return inf;
  }
}
