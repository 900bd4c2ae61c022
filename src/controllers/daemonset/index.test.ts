import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import { DaemonSetController } from './index.ts';

/** An informer cache the test fills by hand (the controller only reads it). */
function cache(items: any[] = []) {
  const m = new Map<string, any>(items.map((o) => [key(o), o]));
  return {
    m, get: (k: string) => m.get(k), list: () => [...m.values()],
    byIndex: (_i: string, ns: string) => [...m.values()].filter((o) => o.metadata.namespace === ns),
    put: (o: any) => m.set(key(o), o),
  };
}
function key(o: any) { return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name; }

function setup(nodeNames: string[], dsSpec: any = {}) {
  const ds = {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'ns', uid: 'ds-uid', generation: 1, annotations: { 'kubernetes.io/change-cause': 'first' } },
    spec: {
      selector: { matchLabels: { app: 'agent' } }, revisionHistoryLimit: 10,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } }, ...dsSpec,
    },
  };
  const daemonSets = cache([ds]);
  const nodes = cache(nodeNames.map((name) => ({ metadata: { name, labels: {} }, spec: {} })));
  const pods = cache();
  const revisions = cache();
  const calls: string[] = [];
  const events: string[] = [];
  let n = 0;
  const client = {
    async create(r: any, ns: string, obj: any) {
      const made = { ...obj, metadata: { ...obj.metadata, namespace: ns, name: obj.metadata.name ?? `${obj.metadata.generateName}${++n}`, uid: `uid-${++n}`, creationTimestamp: '2026-01-01T00:00:00Z' } };
      calls.push(`create ${r.resource} ${made.metadata.name}`);
      if (r.resource === 'controllerrevisions') revisions.put(made);
      return made;
    },
    async update(r: any, _ns: string, obj: any, opts: any = {}) {
      calls.push(`update ${r.resource}${opts.subresource ? '/' + opts.subresource : ''} ${obj.metadata.name}`);
      if (r.resource === 'daemonsets') daemonSets.put(obj);
      if (r.resource === 'controllerrevisions') revisions.put(obj);
      return obj;
    },
    async patch(r: any, _ns: string, name: string) { calls.push(`patch ${r.resource} ${name}`); return {}; },
    async delete(r: any, _ns: string, name: string) { calls.push(`delete ${r.resource} ${name}`); },
    async get() { throw new Error('unexpected get'); },
  };
  const ctl = new DaemonSetController({
    client: client as unknown as Client, daemonSets: daemonSets as unknown as Informer, nodes: nodes as unknown as Informer,
    pods: pods as unknown as Informer, revisions: revisions as unknown as Informer,
    recorder: { event: (_o, type, reason, msg) => events.push(`${type} ${reason} ${msg}`) },
    now: () => new Date('2026-01-01T00:10:00Z'),
  });
  return { ctl, ds, daemonSets, nodes, pods, revisions, calls, events };
}

const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] };

describe('DaemonSetController', () => {
  it('creates one pod per node, pinned to it, records a revision and status, and does not repeat creates before it sees them', async () => {
    const t = setup(['n1', 'n2', 'n3']);
    await t.ctl.reconcile('ns/agent');
    const podCreates = t.calls.filter((c) => c.startsWith('create pods'));
    assert.equal(podCreates.length, 3);
    assert.equal(t.events.filter((e) => e.startsWith('Normal SuccessfulCreate Created pod: agent-')).length, 3);
    const [rev] = t.revisions.list();
    assert.equal(rev.revision, 1);
    assert.equal(rev.metadata.ownerReferences[0].uid, 'ds-uid');
    assert.equal(rev.metadata.annotations['kubernetes.io/change-cause'], 'first');
    assert.deepEqual(rev.data.spec.template.$patch, 'replace');
    const hash = rev.metadata.labels['controller-revision-hash'];
    assert.equal(rev.metadata.name, `agent-${hash}`);
    const status = t.daemonSets.get('ns/agent').status;
    assert.deepEqual(status, { desiredNumberScheduled: 3, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, numberUnavailable: 3, observedGeneration: 1 });
    // The informer has not delivered the pods yet: expectations hold the controller back.
    t.calls.length = 0;
    await t.ctl.reconcile('ns/agent');
    assert.deepEqual(t.calls.filter((c) => c.startsWith('create pods')), []);
  });

  it('rolls out a new template one node at a time and keeps history', async () => {
    const t = setup(['n1', 'n2', 'n3']);
    await t.ctl.reconcile('ns/agent');
    const oldHash = t.revisions.list()[0].metadata.labels['controller-revision-hash'];
    for (const [i, node] of ['n1', 'n2', 'n3'].entries()) {
      const p = {
        metadata: { name: `agent-${i}`, namespace: 'ns', uid: `p${i}`, creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'agent', 'controller-revision-hash': oldHash }, ownerReferences: [{ kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true }] },
        spec: { nodeName: node }, status: ready,
      };
      t.pods.put(p);
      t.ctl.observePodAdded(p);
    }
    const cur = t.daemonSets.get('ns/agent');
    t.daemonSets.put({ ...cur, metadata: { ...cur.metadata, generation: 2 }, spec: { ...cur.spec, template: { ...cur.spec.template, spec: { containers: [{ name: 'c', image: 'v2' }] } } } });
    t.calls.length = 0;
    await t.ctl.reconcile('ns/agent');
    assert.equal(t.calls.filter((c) => c.startsWith('delete pods')).length, 1);
    assert.equal(t.calls.filter((c) => c.startsWith('create pods')).length, 0);
    const revs = t.revisions.list().sort((a, b) => a.revision - b.revision);
    assert.deepEqual(revs.map((r) => r.revision), [1, 2]);
    assert.equal(revs[1].data.spec.template.spec.containers[0].image, 'v2');
    const status = t.daemonSets.get('ns/agent').status;
    assert.equal(status.updatedNumberScheduled, undefined);
    assert.equal(status.numberReady, 3);
    assert.equal(status.observedGeneration, 2);
  });

  it('with OnDelete leaves old pods alone', async () => {
    const t = setup(['n1'], { updateStrategy: { type: 'OnDelete' } });
    t.pods.put({ metadata: { name: 'old', namespace: 'ns', uid: 'p', labels: { app: 'agent', 'controller-revision-hash': 'stale' }, ownerReferences: [{ kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true }] }, spec: { nodeName: 'n1' }, status: ready });
    await t.ctl.reconcile('ns/agent');
    assert.deepEqual(t.calls.filter((c) => c.includes(' pods ')), []);
  });

  it('tells which DaemonSets a node change concerns', () => {
    const t = setup([], { template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { role: 'edge' }, containers: [] } } });
    const plain = { metadata: { name: 'n', labels: {} }, spec: {} };
    const edge = { metadata: { name: 'n', labels: { role: 'edge' } }, spec: {} };
    assert.deepEqual(t.ctl.affectedByNode(plain, edge), ['ns/agent']);
    assert.deepEqual(t.ctl.affectedByNode(plain, { ...plain, status: { conditions: [] } }), []);
    assert.deepEqual(t.ctl.affectedByNode(undefined, edge), ['ns/agent']);
  });
});
