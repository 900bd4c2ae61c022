// TTLs become etcd leases. Granting one lease per write would flood etcd
// (Events carry a TTL), so, like the apiserver's lease manager, a lease is
// shared by writes with the same TTL for a short window and granted a little
// longer than asked: a key may outlive its TTL by at most 5% (capped at 60 s).
import type { EtcdClient } from './client.ts';

interface Lease {
  id: Promise<string>;
  /** When a key attached now with this TTL would expire too early under this lease. */
  reuseUntil: number;
}

export class Leases {
  private readonly client: EtcdClient;
  private readonly byTtl = new Map<number, Lease>();
  private readonly now: () => number;

  constructor(client: EtcdClient, now: () => number = Date.now) {
    this.client = client;
    this.now = now;
  }

  forTtl(ttlSeconds: number): Promise<string> {
    const ttl = Math.ceil(ttlSeconds);
    const now = this.now();
    const cached = this.byTtl.get(ttl);
    if (cached && now <= cached.reuseUntil) return cached.id;
    const extra = Math.min(Math.ceil(ttl * 0.05), 60);
    const id = this.client.call<{ ID: string }>('Lease', 'LeaseGrant', { TTL: String(ttl + extra) }, true).then((r) => r.ID);
    const lease = { id, reuseUntil: now + extra * 1000 };
    this.byTtl.set(ttl, lease);
    id.catch(() => {
      if (this.byTtl.get(ttl) === lease) this.byTtl.delete(ttl);
    });
    return id;
  }
}
