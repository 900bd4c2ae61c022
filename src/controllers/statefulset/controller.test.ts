import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../api/resources.ts';
import { FakeApi } from './fakes.ts';
import { StatefulSetController, STATEFULSETS } from './index.ts';
import { PODS } from './podcontrol.ts';

const NOW = new Date('2026-01-01T00:00:00Z');

function setup(spec: any = {}, opts: { now?: () => Date } = {}) {
  const api = new FakeApi();
  const ctl = new StatefulSetController({
    client: api.client, sets: api.informer('statefulsets'), pods: api.informer('pods'), claims: api.informer('persistentvolumeclaims'),
    revisions: api.informer('controllerrevisions'), recorder: api.recorder, now: opts.now ?? (() => NOW),
  });
  api.put(STATEFULSETS, {
    metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: {
      replicas: 3, serviceName: 'nginx', podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'img:1' }] } },
      ...spec,
    },
  });
  const sync = async () => ctl.reconcile('default/web');
  const set = () => api.get('statefulsets', 'default', 'web');
  const pods = () => api.objects('pods').map((p) => p.metadata.name).sort();
  const pod = (name: string) => api.get('pods', 'default', name);
  /** What a kubelet reports: Running and Ready since `since`. */
  const ready = (name: string, since = NOW) => {
    const p = pod(name);
    api.put(PODS, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: since.toISOString() }] } });
  };
  const readyAll = () => { for (const n of pods()) ready(n); };
  const edit = (fn: (s: any) => void) => {
    const s = structuredClone(set());
    fn(s);
    s.metadata.generation++;
    api.put(STATEFULSETS, s);
  };
  /** Syncs, marking every pod ready, until nothing changes (bounded). */
  const settle = async () => {
    for (let i = 0; i < 30; i++) {
      const before = api.writes.length;
      readyAll();
      await sync();
      if (api.writes.length === before) return;
    }
    throw new Error('did not settle');
  };
  return { api, ctl, sync, set, pods, pod, ready, readyAll, edit, settle };
}

const image = (p: any) => p.spec.containers[0].image;

describe('StatefulSet controller', () => {
  it('creates pods one at a time in ordinal order under OrderedReady, with stable identity', async () => {
    const t = setup();
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0']);
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0'], 'no web-1 while web-0 is not Running and Ready');
    t.ready('web-0');
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1']);
    t.ready('web-1');
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1', 'web-2']);
    const p = t.pod('web-1');
    assert.equal(p.spec.hostname, 'web-1');
    assert.equal(p.spec.subdomain, 'nginx');
    assert.equal(p.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-1');
    assert.equal(p.metadata.labels['apps.kubernetes.io/pod-index'], '1');
    assert.equal(p.metadata.labels.app, 'web');
    assert.equal(p.metadata.labels['controller-revision-hash'], t.set().status.updateRevision);
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: t.set().metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(t.api.events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message), [
      'create Pod web-0 in StatefulSet web successful', 'create Pod web-1 in StatefulSet web successful', 'create Pod web-2 in StatefulSet web successful',
    ]);
  });

  it('reports status as upstream does', async () => {
    const t = setup();
    await t.settle();
    const s = t.set().status;
    const revs = t.api.objects('controllerrevisions');
    assert.equal(revs.length, 1);
    assert.equal(revs[0].revision, 1);
    assert.match(revs[0].metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.deepEqual(revs[0].data.spec.template.$patch, 'replace');
    assert.deepEqual(s, {
      observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3,
      currentRevision: revs[0].metadata.name, updateRevision: revs[0].metadata.name, collisionCount: 0, availableReplicas: 3,
    });
  });

  it('creates every pod at once under Parallel', async () => {
    const t = setup({ podManagementPolicy: 'Parallel' });
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1', 'web-2']);
  });

  it('honours spec.ordinals.start', async () => {
    const t = setup({ replicas: 2, ordinals: { start: 5 } });
    await t.settle();
    assert.deepEqual(t.pods(), ['web-5', 'web-6']);
    assert.equal(t.pod('web-5').metadata.labels['apps.kubernetes.io/pod-index'], '5');
  });

  it('scales down from the highest ordinal, one pod per sync, under OrderedReady', async () => {
    const t = setup();
    await t.settle();
    t.edit((s) => { s.spec.replicas = 1; });
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1']);
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0']);
    assert.ok(t.api.events.some((e) => e.reason === 'SuccessfulDelete' && e.message === 'delete Pod web-2 in StatefulSet web successful'));
  });

  it('makes no progress while a pod is unhealthy under OrderedReady', async () => {
    const t = setup();
    await t.settle();
    t.api.put(PODS, { ...t.pod('web-0'), status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } });
    t.edit((s) => { s.spec.replicas = 4; });
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1', 'web-2']);
    t.edit((s) => { s.spec.replicas = 2; });
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1', 'web-2'], 'no scale-down while web-0 is unready');
  });

  it('waits minReadySeconds before the next ordinal and asks to be requeued', async () => {
    let now = NOW;
    const t = setup({ minReadySeconds: 10 }, { now: () => now });
    await t.sync();
    t.ready('web-0', NOW);
    assert.deepEqual(await t.sync(), { requeueAfterMs: 10_000 });
    assert.deepEqual(t.pods(), ['web-0']);
    now = new Date(NOW.getTime() + 10_000);
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1']);
    assert.equal(t.set().status.availableReplicas, 1);
  });

  it('rolls from the highest ordinal down to the partition, then the rest when it is lowered', async () => {
    const t = setup();
    await t.settle();
    const rev1 = t.set().status.currentRevision;
    t.edit((s) => { s.spec.template.spec.containers[0].image = 'img:2'; s.spec.updateStrategy.rollingUpdate.partition = 2; });
    await t.settle();
    const rev2 = t.set().status.updateRevision;
    assert.notEqual(rev1, rev2);
    assert.deepEqual(['web-0', 'web-1', 'web-2'].map((n) => image(t.pod(n))), ['img:1', 'img:1', 'img:2']);
    assert.equal(t.pod('web-2').metadata.labels['controller-revision-hash'], rev2);
    let s = t.set().status;
    assert.equal(s.currentRevision, rev1);
    assert.equal(s.updatedReplicas, 1);
    assert.equal(s.currentReplicas, 2);
    t.edit((x) => { x.spec.updateStrategy.rollingUpdate.partition = 0; });
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-2'], 'web-1 goes first, one at a time');
    await t.settle();
    assert.deepEqual(['web-0', 'web-1', 'web-2'].map((n) => image(t.pod(n))), ['img:2', 'img:2', 'img:2']);
    s = t.set().status;
    assert.equal(s.currentRevision, rev2);
    assert.equal(s.updateRevision, rev2);
    assert.equal(s.currentReplicas, 3);
    assert.equal(t.api.objects('controllerrevisions').length, 2);
  });

  it('rolls back to an earlier revision by renumbering it, not by creating another', async () => {
    const t = setup();
    await t.settle();
    const rev1 = t.set().status.currentRevision;
    t.edit((s) => { s.spec.template.spec.containers[0].image = 'img:2'; });
    await t.settle();
    t.edit((s) => { s.spec.template.spec.containers[0].image = 'img:1'; });
    await t.settle();
    const revs = t.api.objects('controllerrevisions');
    assert.equal(revs.length, 2);
    assert.equal(revs.find((r) => r.metadata.name === rev1).revision, 3);
    assert.equal(t.set().status.currentRevision, rev1);
    assert.deepEqual(t.pods().map((n) => image(t.pod(n))), ['img:1', 'img:1', 'img:1']);
  });

  it('deletes at most maxUnavailable pods at a time', async () => {
    const t = setup({ replicas: 4, podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } } });
    await t.settle();
    t.edit((s) => { s.spec.template.spec.containers[0].image = 'img:2'; });
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1']);
  });

  it('leaves pods alone under OnDelete until they are deleted', async () => {
    const t = setup({ updateStrategy: { type: 'OnDelete' } });
    await t.settle();
    t.edit((s) => { s.spec.template.spec.containers[0].image = 'img:2'; });
    await t.settle();
    assert.deepEqual(t.pods().map((n) => image(t.pod(n))), ['img:1', 'img:1', 'img:1']);
    await t.api.client.delete(PODS, 'default', 'web-1');
    await t.settle();
    assert.deepEqual(t.pods().map((n) => image(t.pod(n))), ['img:1', 'img:2', 'img:1']);
  });

  it('replaces a failed pod and a deleted pod with pods of the same name', async () => {
    const t = setup();
    await t.settle();
    const uid = t.pod('web-1').metadata.uid;
    t.api.put(PODS, { ...t.pod('web-1'), status: { phase: 'Failed' } });
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-2']);
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1', 'web-2']);
    assert.notEqual(t.pod('web-1').metadata.uid, uid);
    await t.api.client.delete(PODS, 'default', 'web-0');
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1', 'web-2']);
  });

  it('adopts matching orphans and releases pods that stopped matching', async () => {
    const t = setup({ replicas: 1 });
    t.api.put(PODS, { metadata: { name: 'web-0', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'img:1' }] }, status: { phase: 'Pending' } });
    t.api.put(PODS, { metadata: { name: 'other-0', namespace: 'default', labels: { app: 'web' } }, spec: {}, status: { phase: 'Pending' } });
    await t.sync();
    assert.equal(t.pod('web-0').metadata.ownerReferences[0].uid, t.set().metadata.uid);
    assert.equal(t.pod('other-0').metadata.ownerReferences, undefined, 'a name that is not <set>-<ordinal> is not adopted');
    t.api.put(PODS, { ...t.pod('web-0'), metadata: { ...t.pod('web-0').metadata, labels: { app: 'else' } } });
    await t.sync();
    assert.equal(t.pod('web-0').metadata.ownerReferences, undefined);
  });

  it('keeps revisionHistoryLimit old revisions', async () => {
    const t = setup({ revisionHistoryLimit: 1 });
    await t.settle();
    for (const img of ['img:2', 'img:3', 'img:4']) {
      t.edit((s) => { s.spec.template.spec.containers[0].image = img; });
      await t.settle();
    }
    await t.sync();
    assert.deepEqual(t.api.objects('controllerrevisions').map((r) => r.revision).sort(), [3, 4]);
  });
});

describe('StatefulSet volumeClaimTemplates', () => {
  const claims = { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] };
  const PVCS = RESOURCES.find((r) => r.resource === 'persistentvolumeclaims')!;

  it('creates each claim before its pod and mounts it', async () => {
    const t = setup(claims);
    await t.sync();
    assert.deepEqual(t.api.writes.filter((w) => !w.includes('controllerrevisions')).slice(0, 2), ['create persistentvolumeclaims data-web-0', 'create pods web-0']);
    const pvc = t.api.get('persistentvolumeclaims', 'default', 'data-web-0');
    assert.deepEqual(pvc.metadata.labels, { app: 'web' });
    assert.deepEqual(pvc.spec.resources, { requests: { storage: '1Gi' } });
    assert.deepEqual(t.pod('web-0').spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }]);
    assert.ok(t.api.events.some((e) => e.message === 'create Claim data-web-0 Pod web-0 in StatefulSet web success'));
    await t.settle();
    assert.deepEqual(t.api.objects('persistentvolumeclaims').map((c) => c.metadata.name).sort(), ['data-web-0', 'data-web-1', 'data-web-2']);
    assert.equal(t.api.get('persistentvolumeclaims', 'default', 'data-web-0').metadata.ownerReferences, undefined, 'Retain/Retain: no owners');
  });

  it('whenDeleted: Delete makes the set the claims\' controller', async () => {
    const t = setup({ ...claims, replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    await t.settle();
    const refs = t.api.get('persistentvolumeclaims', 'default', 'data-web-0').metadata.ownerReferences;
    assert.deepEqual(refs, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: t.set().metadata.uid, controller: true, blockOwnerDeletion: true }]);
  });

  it('whenScaled: Delete hands a scaled-down pod\'s claim to that pod before deleting it', async () => {
    const t = setup({ ...claims, replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    await t.settle();
    assert.equal(t.api.get('persistentvolumeclaims', 'default', 'data-web-1').metadata.ownerReferences, undefined);
    const podUid = t.pod('web-1').metadata.uid;
    t.edit((s) => { s.spec.replicas = 1; });
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0']);
    const refs = t.api.get('persistentvolumeclaims', 'default', 'data-web-1').metadata.ownerReferences;
    assert.deepEqual(refs, [{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: podUid, controller: true, blockOwnerDeletion: true }]);
    // Until the collector removes it, the stale claim blocks a new web-1.
    t.edit((s) => { s.spec.replicas = 2; });
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0']);
    await t.api.client.delete(PVCS, 'default', 'data-web-1');
    await t.sync();
    assert.deepEqual(t.pods(), ['web-0', 'web-1']);
  });

  it('reports a claim that cannot be created as FailedCreate and creates no pod', async () => {
    const t = setup(claims);
    t.api.failCreate.set('persistentvolumeclaims', 'quota exceeded');
    await assert.rejects(t.sync());
    assert.deepEqual(t.pods(), []);
    assert.ok(t.api.events.some((e) => e.reason === 'FailedCreate' && e.message === 'create Claim data-web-0 for Pod web-0 in StatefulSet web failed error: quota exceeded'));
    assert.ok(t.api.events.some((e) => e.reason === 'FailedCreate' && e.message.startsWith('create Pod web-0 in StatefulSet web failed error: failed to create PVC data-web-0')));
  });
});
