import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../client/rest.ts';
import {
  History, REVISION_HASH_LABEL, hashOf, revisionName, newControllerRevision, sortRevisions, nextRevision,
  equalRevision, findEqualRevisions, revisionsToPrune,
} from './index.ts';

const parent = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' } };
const rev = (name: string, revision: number, data: unknown = { n: revision }, extra: any = {}) =>
  ({ metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...extra }, data, revision });

/** An API that keeps ControllerRevisions by name and refuses duplicates with 409, as the apiserver does. */
function fakeApi(initial: any[] = []) {
  const store = new Map<string, any>(initial.map((r) => [r.metadata.name, r]));
  const calls: string[] = [];
  const conflict = () => Object.assign(new Error('exists'), { status: { code: 409 } });
  const client = {
    async create(_r: unknown, _ns: string, obj: any) {
      calls.push(`create ${obj.metadata.name}`);
      if (store.has(obj.metadata.name)) throw conflict();
      const stored = { ...obj, metadata: { ...obj.metadata, uid: `uid-${obj.metadata.name}` } };
      store.set(obj.metadata.name, stored);
      return stored;
    },
    async get(_r: unknown, _ns: string, name: string) { return store.get(name); },
    async patch(_r: unknown, _ns: string, name: string, p: any) {
      calls.push(`patch ${name} ${JSON.stringify(p.metadata.ownerReferences)}`);
      const cur = store.get(name);
      const next = { ...cur, metadata: { ...cur.metadata, ownerReferences: p.metadata.ownerReferences ?? undefined } };
      store.set(name, next);
      return next;
    },
    async update(_r: unknown, _ns: string, obj: any) { calls.push(`update ${obj.metadata.name} ${obj.revision}`); store.set(obj.metadata.name, obj); return obj; },
    async delete(_r: unknown, _ns: string, name: string) { calls.push(`delete ${name}`); store.delete(name); },
  };
  const lister = { byIndex: (_i: string, ns: string) => [...store.values()].filter((r) => r.metadata.namespace === ns) };
  return { history: new History(client as unknown as Client, lister), store, calls };
}

describe('revision values', () => {
  it('hashes deterministically, independent of key order, and moves with the collision count', () => {
    const a = hashOf({ spec: { a: 1, b: [1, 2] } });
    assert.equal(a, hashOf({ spec: { b: [1, 2], a: 1 } }));
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.notEqual(hashOf({ x: 1 }, 0), hashOf({ x: 1 }, 1));
    assert.notEqual(hashOf({ x: 1 }), hashOf({ x: 2 }));
  });

  it('names revisions <prefix>-<hash> with the prefix cut at 223 characters', () => {
    assert.equal(revisionName('web', 'abc'), 'web-abc');
    assert.equal(revisionName('x'.repeat(300), 'h'), `${'x'.repeat(223)}-h`);
  });

  it('builds a revision owned by its parent, labelled with its hash', () => {
    const r = newControllerRevision({ parent, apiVersion: 'apps/v1', kind: 'StatefulSet', labels: { app: 'web' }, data: { spec: 1 }, revision: 3, collisionCount: 0 });
    const hash = hashOf({ spec: 1 }, 0);
    assert.equal(r.metadata.name, `web-${hash}`);
    assert.deepEqual(r.metadata.labels, { app: 'web', [REVISION_HASH_LABEL]: hash });
    assert.deepEqual(r.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
    assert.equal(r.revision, 3);
    const custom = newControllerRevision({ parent, apiVersion: 'apps/v1', kind: 'DaemonSet', data: {}, revision: 1, hash: () => 'tmpl' });
    assert.equal(custom.metadata.name, 'web-tmpl');
  });

  it('orders, numbers and compares revisions', () => {
    const revs = [rev('c', 3), rev('a', 1), rev('b', 2)];
    assert.deepEqual(sortRevisions(revs).map((r) => r.metadata.name), ['a', 'b', 'c']);
    assert.equal(nextRevision(revs), 4);
    assert.equal(nextRevision([]), 1);
    assert.ok(equalRevision(rev('x', 1, { t: 1 }), rev('y', 5, { t: 1 })));
    assert.ok(!equalRevision(rev('x', 1, { t: 1 }), rev('x', 1, { t: 2 })));
    assert.deepEqual(findEqualRevisions(revs, rev('z', 9, { n: 2 })).map((r) => r.metadata.name), ['b']);
  });

  const cases: { name: string; limit: number; live: string[]; want: string[] }[] = [
    { name: 'under the limit', limit: 10, live: [], want: [] },
    { name: 'oldest beyond the limit', limit: 2, live: [], want: ['r1', 'r2'] },
    { name: 'live ones neither deleted nor counted', limit: 1, live: ['r1', 'r4'], want: ['r2'] },
    { name: 'limit zero keeps only live ones', limit: 0, live: ['r4'], want: ['r1', 'r2', 'r3'] },
  ];
  for (const c of cases) {
    it(`prunes history: ${c.name}`, () => {
      const revs = [rev('r4', 4), rev('r2', 2), rev('r1', 1), rev('r3', 3)];
      assert.deepEqual(revisionsToPrune(revs, c.limit, (r) => c.live.includes(r.metadata.name)).map((r) => r.metadata.name), c.want);
    });
  }
});

describe('History', () => {
  it('lists controlled revisions, adopts matching orphans, releases non-matching ones, ignores others', async () => {
    const mine = { ownerReferences: [{ uid: 'u1', controller: true, kind: 'StatefulSet', name: 'web' }] };
    const { history, calls } = fakeApi([
      rev('own', 1, {}, mine),
      rev('orphan', 2),
      { ...rev('stray', 3, {}, mine), metadata: { ...rev('stray', 3, {}, mine).metadata, labels: { app: 'other' } } },
      rev('foreign', 4, {}, { ownerReferences: [{ uid: 'u2', controller: true }] }),
      { ...rev('elsewhere', 5), metadata: { ...rev('elsewhere', 5).metadata, namespace: 'other' } },
    ]);
    const got = await history.controlled(parent, 'apps/v1', 'StatefulSet', (l) => l.app === 'web');
    assert.deepEqual(got.map((r) => r.metadata.name).sort(), ['orphan', 'own']);
    assert.equal(got.find((r) => r.metadata.name === 'orphan').metadata.ownerReferences[0].uid, 'u1');
    assert.deepEqual(calls.sort(), [
      'patch orphan [{"apiVersion":"apps/v1","kind":"StatefulSet","name":"web","uid":"u1","controller":true,"blockOwnerDeletion":true}]',
      'patch stray null',
    ]);
  });

  it('does not adopt for a parent being deleted', async () => {
    const { history, calls } = fakeApi([rev('orphan', 1)]);
    const dying = { metadata: { ...parent.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    assert.deepEqual(await history.controlled(dying, 'apps/v1', 'StatefulSet', () => true), []);
    assert.deepEqual(calls, []);
  });

  it('creates a revision; an equal one under the same name is reused; a different one bumps the collision count', async () => {
    const api = fakeApi();
    const args = { parent, apiVersion: 'apps/v1', kind: 'StatefulSet', data: { t: 1 }, revision: 1, collisionCount: 0 };
    const first = await api.history.create(args);
    assert.equal(first.collisionCount, 0);
    assert.equal(first.revision.metadata.name, `web-${hashOf({ t: 1 }, 0)}`);
    const again = await api.history.create({ ...args, revision: 2 });
    assert.equal(again.revision.metadata.uid, first.revision.metadata.uid);
    assert.equal(again.collisionCount, 0);
    // A different template whose first name is taken: the fixed hash makes both land on one name.
    const clash = await api.history.create({ ...args, data: { t: 2 }, hash: (c) => `h${c ?? 0}` });
    const clash2 = await api.history.create({ ...args, data: { t: 3 }, hash: (c) => `h${c ?? 0}` });
    assert.equal(clash.revision.metadata.name, 'web-h0');
    assert.equal(clash2.collisionCount, 1);
    assert.equal(clash2.revision.metadata.name, 'web-h1');
    assert.deepEqual(clash2.revision.data, { t: 3 });
  });

  it('renumbers only when the number changes, and deletes', async () => {
    const api = fakeApi([rev('a', 1)]);
    const a = api.store.get('a');
    assert.equal(await api.history.renumber(a, 1), a);
    assert.equal((await api.history.renumber(a, 5)).revision, 5);
    await api.history.delete(a);
    assert.deepEqual(api.calls, ['update a 5', 'delete a']);
    assert.equal(api.store.size, 0);
  });
});
