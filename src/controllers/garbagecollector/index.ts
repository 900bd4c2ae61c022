// The garbage collector. It keeps a graph of ownerReferences across every
// resource and, per object key:
// - deletes an object all of whose owners are gone (background cascade),
//   and drops references to owners that are gone when others remain;
// - for an owner deleted with the `orphan` finalizer, removes its
//   references from the dependents, then the finalizer;
// - for an owner deleted with `foregroundDeletion`, deletes its dependents
//   (in the foreground too) and removes the finalizer once no dependent
//   that blocks owner deletion is left.
import type { ResourceInfo } from '../../api/resources.ts';
import { RESOURCES, apiVersionOf } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import { keyOf } from '../../client/informer.ts';
import type { Informer } from '../../client/informer.ts';
import { SharedInformers } from '../../client/shared-informers.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import { Controller } from '../../client/controller.ts';

export interface GarbageCollectorConfig {
  client: Client;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** The process's shared informers (a private set when absent). */
  informers?: SharedInformers;
}

/** Upstream's DefaultIgnoredResources: Events are never collected (nor watched: they are the busiest kind). */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

/** Resources the collector follows: every stored, listable one but the ignored. */
export function collectedResources(): ResourceInfo[] {
  const seen = new Set<string>();
  return RESOURCES.filter((r) => {
    if (r.virtual || !r.verbs.includes('watch') || r.storageVersion) return false;
    const id = `${r.group}/${r.resource}`;
    if (IGNORED.has(id)) return false;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Whether an update can change what the collector decides: owners, uid, or deletion state. */
export function gcRelevantChange(old: any, obj: any): boolean {
  const a = old.metadata;
  const b = obj.metadata;
  return a.uid !== b.uid || a.deletionTimestamp !== b.deletionTimestamp
    || JSON.stringify(a.ownerReferences ?? []) !== JSON.stringify(b.ownerReferences ?? [])
    || JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? []);
}

const isGone = (err: unknown) => (err as any)?.status?.code === 404 || (err as any)?.status?.code === 409;

export class GarbageCollector implements Reconciler {
  readonly name = 'garbagecollector';
  private readonly client: Client;
  private readonly informers = new Map<string, Informer>();
  /** owner uid → dependent queue keys */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly byUid = new Map<string, string>();
  readonly controller: Controller;
  private readonly log: NonNullable<GarbageCollectorConfig['log']>;

  constructor(config: GarbageCollectorConfig) {
    this.client = config.client;
    this.log = config.log ?? (() => {});
    this.controller = new Controller(this, { workers: 4, log: this.log });
    const shared = config.informers ?? new SharedInformers(this.client, this.log);
    for (const r of collectedResources()) {
      const inf = shared.informer(r);
      const id = `${r.group}/${r.resource}`;
      this.informers.set(id, inf);
      const qkey = (o: any) => `${id}|${keyOf(o)}`;
      inf.on({
        add: (o) => this.track(qkey(o), o, undefined),
        update: (old, o) => this.track(qkey(o), o, old),
        delete: (o) => this.untrack(qkey(o), o),
      });
    }
  }

  private track(key: string, obj: any, old: any | undefined): void {
    // Only owner references and the deletion state matter here (as upstream's
    // graph builder): a status write, the bulk of all updates, changes neither.
    if (old && !gcRelevantChange(old, obj)) return;
    if (old) for (const ref of old.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(key);
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let s = this.dependents.get(ref.uid);
      if (!s) this.dependents.set(ref.uid, (s = new Set()));
      s.add(key);
    }
    this.byUid.set(obj.metadata.uid, key);
    this.controller.queue.add(key);
    // An owner whose state changed (e.g. it started deleting) affects its dependents.
    for (const d of this.dependents.get(obj.metadata.uid) ?? []) this.controller.queue.add(d);
  }

  private untrack(key: string, obj: any): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const s = this.dependents.get(ref.uid);
      s?.delete(key);
      if (s && s.size === 0) this.dependents.delete(ref.uid);
      const ownerKey = this.byUid.get(ref.uid);
      if (ownerKey) this.controller.queue.add(ownerKey);
    }
    this.byUid.delete(obj.metadata.uid);
    for (const d of this.dependents.get(obj.metadata.uid) ?? []) this.controller.queue.add(d);
  }

  async start(): Promise<void> {
    for (const inf of this.informers.values()) inf.start();
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    this.controller.start();
  }

  async stop(): Promise<void> {
    for (const inf of this.informers.values()) inf.stop();
    await this.controller.stop();
  }

  private lookup(key: string): { info: ResourceInfo; obj: any } | undefined {
    const [id, objKey] = key.split('|');
    const inf = this.informers.get(id);
    const obj = inf?.get(objKey);
    return inf && obj ? { info: inf.resource, obj } : undefined;
  }

  private resourceFor(apiVersion: string, kind: string): ResourceInfo | undefined {
    return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind && !r.virtual);
  }

  /** Whether the owner a reference names still exists (checked live, as a cache may lag). */
  private async ownerExists(ref: any, namespace: string): Promise<boolean> {
    const key = this.byUid.get(ref.uid);
    if (key && this.lookup(key)) return true;
    const r = this.resourceFor(ref.apiVersion, ref.kind);
    if (!r) return true; // unknown kinds are never collected on a guess
    try {
      const owner = await this.client.get(r, r.namespaced ? namespace : '', ref.name);
      return owner.metadata.uid === ref.uid;
    } catch (err) {
      if ((err as any)?.status?.code === 404) return false;
      throw err;
    }
  }

  async reconcile(key: string): Promise<Result> {
    const found = this.lookup(key);
    if (!found) return;
    const { info, obj } = found;
    const meta = obj.metadata;
    const ns = meta.namespace ?? '';
    const finalizers: string[] = meta.finalizers ?? [];
    const deps = [...(this.dependents.get(meta.uid) ?? [])].map((k) => this.lookup(k)).filter((d) => d !== undefined);

    if (meta.deletionTimestamp && finalizers.includes('orphan')) {
      for (const d of deps) {
        const refs = (d.obj.metadata.ownerReferences ?? []).filter((r: any) => r.uid !== meta.uid);
        await this.client.patch(d.info, d.obj.metadata.namespace ?? '', d.obj.metadata.name,
          { metadata: { ownerReferences: refs.length ? refs : null, uid: d.obj.metadata.uid } }, { type: 'merge' }).catch((e) => { if (!isGone(e)) throw e; });
      }
      return this.removeFinalizer(info, obj, 'orphan');
    }
    if (meta.deletionTimestamp && finalizers.includes('foregroundDeletion')) {
      let blocking = 0;
      for (const d of deps) {
        const ref = (d.obj.metadata.ownerReferences ?? []).find((r: any) => r.uid === meta.uid);
        if (ref?.blockOwnerDeletion) blocking++;
        if (!d.obj.metadata.deletionTimestamp) {
          await this.client.delete(d.info, d.obj.metadata.namespace ?? '', d.obj.metadata.name, { propagationPolicy: 'Foreground', preconditions: { uid: d.obj.metadata.uid } })
            .catch((e) => { if (!isGone(e)) throw e; });
        }
      }
      if (blocking === 0) return this.removeFinalizer(info, obj, 'foregroundDeletion');
      return { requeueAfterMs: 5000 };
    }
    const refs: any[] = meta.ownerReferences ?? [];
    if (refs.length === 0 || meta.deletionTimestamp) return;
    const alive: any[] = [];
    for (const ref of refs) if (await this.ownerExists(ref, ns)) alive.push(ref);
    if (alive.length === 0) {
      // Upstream deletes with the policy the owner's deletion implies; with the owner gone that is background.
      await this.client.delete(info, ns, meta.name, { propagationPolicy: 'Background', preconditions: { uid: meta.uid } }).catch((e) => { if (!isGone(e)) throw e; });
      this.log('deleted object whose owners are gone', { kind: info.kind, object: keyOf(obj) });
    } else if (alive.length < refs.length) {
      await this.client.patch(info, ns, meta.name, { metadata: { ownerReferences: alive, uid: meta.uid } }, { type: 'merge' }).catch((e) => { if (!isGone(e)) throw e; });
    }
  }

  /** Removes one finalizer; on a conflict (the cache lagging the object) it re-reads the object live and tries again, as upstream retries on conflict. */
  private async removeFinalizer(info: ResourceInfo, obj: any, finalizer: string): Promise<void> {
    const ns = obj.metadata.namespace ?? '';
    let current = obj;
    for (let attempt = 0; ; attempt++) {
      if (current.metadata.uid !== obj.metadata.uid || !(current.metadata.finalizers ?? []).includes(finalizer)) return;
      const rest = (current.metadata.finalizers ?? []).filter((f: string) => f !== finalizer);
      try {
        await this.client.patch(info, ns, current.metadata.name,
          { metadata: { finalizers: rest.length ? rest : null, resourceVersion: current.metadata.resourceVersion } }, { type: 'merge' });
        return;
      } catch (e) {
        const code = (e as any)?.status?.code;
        if (code === 404) return;
        if (code !== 409 || attempt >= 4) throw e;
      }
      try {
        current = await this.client.get(info, ns, current.metadata.name);
      } catch (e) {
        if ((e as any)?.status?.code === 404) return;
        throw e;
      }
    }
  }
}
