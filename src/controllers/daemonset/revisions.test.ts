import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../client/rest.ts';
import { History } from '../history/index.ts';
import { constructHistory, matchesTemplate, oldRevisionsToDelete, templatePatch } from './revisions.ts';

const ds = (image: string) => ({
  metadata: { name: 'd', namespace: 'ns', uid: 'u' },
  spec: { revisionHistoryLimit: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image }] } } },
});
const owned = [{ uid: 'u', controller: true, kind: 'DaemonSet', name: 'd' }];
const rev = (name: string, revision: number, image: string, hash = name) =>
  ({ metadata: { name, namespace: 'ns', labels: { app: 'd', 'controller-revision-hash': hash }, ownerReferences: owned }, revision, data: templatePatch(ds(image)) });

function fake(revs: any[]) {
  const calls: string[] = [];
  const client = {
    async update(_r: unknown, _ns: string, obj: any) { calls.push(`update ${obj.metadata.name} ${obj.revision}`); return obj; },
    async delete(_r: unknown, _ns: string, name: string) { calls.push(`delete ${name}`); },
    async patch(_r: unknown, _ns: string, name: string, p: any) { calls.push(`patch ${name} ${JSON.stringify(p.metadata.labels)}`); return {}; },
    async create(_r: unknown, _ns: string, obj: any) { calls.push(`create ${obj.revision}`); return obj; },
  } as unknown as Client;
  return { client, calls, history: new History(client, { byIndex: () => revs }) };
}

describe('DaemonSet revisions', () => {
  it('stores the template as a replace patch, as kubectl rollout undo sends it back', () => {
    const p = templatePatch(ds('v1'));
    assert.equal(p.spec.template.$patch, 'replace');
    assert.equal(p.spec.template.spec.containers[0].image, 'v1');
    assert.ok(matchesTemplate(ds('v1'), { data: p }));
    assert.ok(!matchesTemplate(ds('v2'), { data: p }));
    // kubectl compares bytes: keys sorted at every level, and Go's null for the template's zero creationTimestamp.
    assert.equal(JSON.stringify(p), '{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"d"}},"spec":{"containers":[{"image":"v1","name":"c"}]}}}}');
  });

  it('a rollback makes the matching old revision current and renumbers it as the newest', async () => {
    const f = fake([rev('d-a', 1, 'v1'), rev('d-b', 2, 'v2')]);
    const h = await constructHistory(f.client, f.history, ds('v1'), () => true, []);
    assert.equal(h.current.metadata.name, 'd-a');
    assert.equal(h.current.revision, 3);
    assert.deepEqual(h.old.map((r) => r.metadata.name), ['d-b']);
    assert.deepEqual(f.calls, ['update d-a 3']);
  });

  it('a new template gets a new revision after the newest', async () => {
    const f = fake([rev('d-a', 1, 'v1'), rev('d-b', 4, 'v2')]);
    const h = await constructHistory(f.client, f.history, ds('v3'), () => true, []);
    assert.equal(h.current.revision, 5);
    assert.deepEqual(f.calls, ['create 5']);
  });

  it('folds duplicate current revisions into the newest, moving pods onto its hash', async () => {
    const f = fake([rev('d-a', 1, 'v1', 'ha'), rev('d-b', 2, 'v1', 'hb')]);
    const pod = { metadata: { name: 'p', namespace: 'ns', labels: { 'controller-revision-hash': 'ha' } } };
    const h = await constructHistory(f.client, f.history, ds('v1'), () => true, [pod]);
    assert.equal(h.current.metadata.name, 'd-b');
    assert.deepEqual(f.calls, ['patch p {"controller-revision-hash":"hb"}', 'delete d-a']);
  });

  it('prunes old revisions beyond the limit, oldest first, unless a pod still runs them', () => {
    const old = [rev('r1', 1, 'a'), rev('r2', 2, 'b'), rev('r3', 3, 'c')];
    assert.deepEqual(oldRevisionsToDelete(ds('x'), old, []).map((r) => r.metadata.name), ['r1', 'r2']);
    const pod = { metadata: { labels: { 'controller-revision-hash': 'r1' } } };
    // As upstream, the live one counts against the limit but is skipped: the next oldest go instead.
    assert.deepEqual(oldRevisionsToDelete(ds('x'), old, [pod]).map((r) => r.metadata.name), ['r2', 'r3']);
    assert.deepEqual(oldRevisionsToDelete({ spec: { revisionHistoryLimit: 5 } }, old, []), []);
  });
});
