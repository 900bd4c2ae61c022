// An in-memory API for the controller's unit tests: the few verbs it uses
// (create, get, update, merge patch, delete) over pods, claims, revisions
// and sets, with uids, resourceVersions and 404/409 as the apiserver gives
// them, and informer-like views of the same store (a perfectly fresh cache).
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Recorder } from '../../client/events.ts';
import type { ResourceInfo } from '../../api/resources.ts';

const statusError = (code: number, reason: string, message: string) =>
  Object.assign(new Error(message), { status: { kind: 'Status', code, reason, message } });

function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeApi {
  readonly store = new Map<string, Map<string, any>>();
  readonly events: { reason: string; message: string }[] = [];
  readonly writes: string[] = [];
  private seq = 0;
  /** Makes the next create of this resource fail with this message (once). */
  failCreate = new Map<string, string>();

  private table(r: ResourceInfo): Map<string, any> {
    let t = this.store.get(r.resource);
    if (!t) this.store.set(r.resource, (t = new Map()));
    return t;
  }

  objects(resource: string): any[] {
    return [...(this.store.get(resource)?.values() ?? [])];
  }

  get(resource: string, ns: string, name: string): any | undefined {
    return this.store.get(resource)?.get(`${ns}/${name}`);
  }

  /** Puts an object as if a user (or a kubelet, for status) wrote it. */
  put(r: ResourceInfo, obj: any): any {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const old = this.table(r).get(key);
    const stored = structuredClone(obj);
    stored.metadata.uid ??= old?.metadata.uid ?? `uid-${++this.seq}`;
    stored.metadata.resourceVersion = String(++this.seq);
    stored.metadata.creationTimestamp ??= new Date(0).toISOString();
    this.table(r).set(key, stored);
    return stored;
  }

  readonly client = {
    create: async (r: ResourceInfo, ns: string, obj: any) => {
      const key = `${ns}/${obj.metadata.name}`;
      this.writes.push(`create ${r.resource} ${obj.metadata.name}`);
      const fail = this.failCreate.get(r.resource);
      if (fail) {
        this.failCreate.delete(r.resource);
        throw statusError(422, 'Invalid', fail);
      }
      if (this.table(r).has(key)) throw statusError(409, 'AlreadyExists', `${r.resource} "${obj.metadata.name}" already exists`);
      const o = structuredClone(obj);
      if (r.resource === 'pods' || r.resource === 'persistentvolumeclaims') o.status = { phase: 'Pending' };
      return this.put(r, { ...o, metadata: { ...o.metadata, namespace: ns, generation: 1 } });
    },
    get: async (r: ResourceInfo, ns: string, name: string) => {
      const o = this.table(r).get(`${ns}/${name}`);
      if (!o) throw statusError(404, 'NotFound', `${r.resource} "${name}" not found`);
      return structuredClone(o);
    },
    update: async (r: ResourceInfo, ns: string, obj: any, opts: { subresource?: string } = {}) => {
      const key = `${ns}/${obj.metadata.name}`;
      const old = this.table(r).get(key);
      if (!old) throw statusError(404, 'NotFound', 'not found');
      if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) throw statusError(409, 'Conflict', 'conflict');
      this.writes.push(`update ${r.resource}${opts.subresource ? '/' + opts.subresource : ''} ${obj.metadata.name}`);
      const next = opts.subresource === 'status' ? { ...old, status: obj.status } : { ...obj, status: old.status };
      return this.put(r, next);
    },
    patch: async (r: ResourceInfo, ns: string, name: string, patch: any) => {
      const old = this.table(r).get(`${ns}/${name}`);
      if (!old) throw statusError(404, 'NotFound', 'not found');
      if (patch.metadata?.uid && patch.metadata.uid !== old.metadata.uid) throw statusError(409, 'Conflict', 'uid precondition');
      if (patch.metadata?.resourceVersion && patch.metadata.resourceVersion !== old.metadata.resourceVersion) throw statusError(409, 'Conflict', 'conflict');
      this.writes.push(`patch ${r.resource} ${name}`);
      return this.put(r, mergePatch(old, patch));
    },
    delete: async (r: ResourceInfo, ns: string, name: string) => {
      if (!this.table(r).delete(`${ns}/${name}`)) throw statusError(404, 'NotFound', 'not found');
      this.writes.push(`delete ${r.resource} ${name}`);
      return {};
    },
  } as unknown as Client;

  /** An informer-shaped view of one resource. */
  informer(resource: string): Informer {
    const view = {
      get: (key: string) => this.store.get(resource)?.get(key),
      list: () => this.objects(resource),
      byIndex: (_index: string, ns: string) => this.objects(resource).filter((o) => o.metadata.namespace === ns),
    };
    return view as unknown as Informer;
  }

  readonly recorder: Recorder = { event: (_obj, _type, reason, message) => { this.events.push({ reason, message }); } };
}
