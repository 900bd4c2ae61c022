// StatefulSets on hollow nodes, driven by the real kubectl: ordered start
// proven by a watcher, stable identity, partitioned rolling update,
// rollout status/history/undo, same-name replacement of a deleted pod,
// ordered scale-down, and PVCs from volumeClaimTemplates with the
// whenDeleted retention policy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { adminClient } from '../support/http.ts';
import { until } from '../support/wait.ts';

const web = (image: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 3
  serviceName: nginx
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: ${image}}]}
`;

const db = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  podManagementPolicy: Parallel
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Retain}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: registry.local/db:1}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

const isReady = (p: any) => (p.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True');

describe('StatefulSet controller', { timeout: 180_000 }, () => {
  let c: TestCluster;
  let hollow: ChildProcess;
  let http: ReturnType<typeof adminClient>;
  const json = async (args: string[]) => JSON.parse(await c.k([...args, '-o', 'json']));
  const pod = (name: string) => json(['get', 'pod', name]);

  before(async () => {
    c = await startCluster();
    http = adminClient(c.kubeconfig);
    hollow = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '3'], { stdio: 'ignore', env: { ...process.env, K8TS_LOG: 'quiet' } });
    await until('3 Ready hollow nodes', 30_000, async () =>
      (await c.k(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => /\sReady\s/.test(l)).length === 3);
  });
  after(async () => {
    hollow?.kill('SIGTERM');
    http?.close();
    await destroyCluster(c);
  });

  it('starts pods strictly in order 0, 1, 2, each only after the previous one is Ready', async () => {
    // Per watch event, in arrival order: when each pod was first seen, and first seen Ready.
    let seq = 0;
    const added = new Map<string, number>();
    const readyAt = new Map<string, number>();
    const close = await http.watch('/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dweb', (ev) => {
      const name = ev.object.metadata.name;
      seq++;
      if (!added.has(name)) added.set(name, seq);
      if (isReady(ev.object) && !readyAt.has(name)) readyAt.set(name, seq);
    });
    try {
      await c.k(['apply', '-f', '-'], { input: web('registry.local/web:1') });
      assert.match(await c.k(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete: 3 new pods have been updated/);
      await until('the watcher to see web-2 Ready', 10_000, async () => readyAt.has('web-2'));
    } finally {
      close();
    }
    assert.deepEqual([...added.keys()], ['web-0', 'web-1', 'web-2']);
    for (const n of [1, 2]) {
      assert.ok(added.get(`web-${n}`)! > readyAt.get(`web-${n - 1}`)!, `web-${n} was created (event ${added.get(`web-${n}`)}) before web-${n - 1} was Ready (event ${readyAt.get(`web-${n - 1}`)})`);
    }
    const p = await pod('web-1');
    assert.equal(p.spec.hostname, 'web-1');
    assert.equal(p.spec.subdomain, 'nginx');
    assert.equal(p.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-1');
    assert.equal(p.metadata.labels['apps.kubernetes.io/pod-index'], '1');
    const sts = await json(['get', 'sts', 'web']);
    assert.equal(p.metadata.labels['controller-revision-hash'], sts.status.updateRevision);
    assert.equal(sts.status.currentRevision, sts.status.updateRevision);
    assert.deepEqual([sts.status.replicas, sts.status.readyReplicas, sts.status.currentReplicas, sts.status.updatedReplicas, sts.status.availableReplicas], [3, 3, 3, 3, 3]);
    assert.equal(sts.status.observedGeneration, sts.metadata.generation);
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=web,reason=SuccessfulCreate', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /create Pod web-0 in StatefulSet web successful/);
  });

  it('updates only ordinals at or above the partition, then the rest, and rolls back with rollout undo', async () => {
    const before = await json(['get', 'sts', 'web']);
    const rev1 = before.status.currentRevision;
    await c.k(['patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}']);
    await c.k(['set', 'image', 'statefulset/web', 'c=registry.local/web:2']);
    assert.match(await c.k(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete: 1 new pods have been updated/);
    const images = async () => Promise.all([0, 1, 2].map(async (i) => (await pod(`web-${i}`)).spec.containers[0].image));
    const hashes = async () => Promise.all([0, 1, 2].map(async (i) => (await pod(`web-${i}`)).metadata.labels['controller-revision-hash']));
    assert.deepEqual(await images(), ['registry.local/web:1', 'registry.local/web:1', 'registry.local/web:2']);
    const mid = await json(['get', 'sts', 'web']);
    const rev2 = mid.status.updateRevision;
    assert.notEqual(rev2, rev1);
    assert.equal(mid.status.currentRevision, rev1);
    assert.deepEqual(await hashes(), [rev1, rev1, rev2]);

    await c.k(['patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}']);
    assert.match(await c.k(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete: 3 new pods have been updated/);
    assert.deepEqual(await images(), ['registry.local/web:2', 'registry.local/web:2', 'registry.local/web:2']);
    await until('currentRevision to become the update revision', 10_000, async () => (await json(['get', 'sts', 'web'])).status.currentRevision === rev2);

    const history = await c.k(['rollout', 'history', 'statefulset/web']);
    assert.match(history, /^REVISION\s+CHANGE-CAUSE/m);
    assert.match(history, /^1\s+/m);
    assert.match(history, /^2\s+/m);
    assert.match(await c.k(['rollout', 'undo', 'statefulset/web']), /statefulset.apps\/web rolled back/);
    assert.match(await c.k(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete: 3 new pods have been updated/);
    assert.equal((await json(['get', 'sts', 'web'])).spec.template.spec.containers[0].image, 'registry.local/web:1');
    assert.deepEqual(await images(), ['registry.local/web:1', 'registry.local/web:1', 'registry.local/web:1']);
    assert.deepEqual(await hashes(), [rev1, rev1, rev1], 'the rollback reuses the first revision');
    // kubectl compares the revision's patch byte for byte with its own encoding of the set.
    assert.match(await c.k(['rollout', 'undo', 'statefulset/web', '--to-revision=3']), /skipped rollback \(current template already matches revision 3\)/);
    const revs = (await json(['get', 'controllerrevisions', '-l', 'app=web'])).items;
    assert.deepEqual(revs.map((r: any) => `${r.metadata.name}:${r.revision}`).sort(), [`${rev1}:3`, `${rev2}:2`].sort());
  });

  it('brings back a deleted pod with the same name', async () => {
    const old = await pod('web-1');
    await c.k(['delete', 'pod', 'web-1', '--wait=false']);
    const back = await until('web-1 to come back Ready', 30_000, async () => {
      const p = await pod('web-1').catch(() => undefined);
      return p && p.metadata.uid !== old.metadata.uid && isReady(p) ? p : undefined;
    });
    assert.equal(back.spec.hostname, 'web-1');
    assert.equal(back.metadata.labels['controller-revision-hash'], old.metadata.labels['controller-revision-hash']);
  });

  it('scales down from the highest ordinal, one pod at a time', async () => {
    // Per pod: the watch event at which its delete began, and at which it was gone.
    let seq = 0;
    const terminating = new Map<string, number>();
    const gone = new Map<string, number>();
    const close = await http.watch('/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dweb', (ev) => {
      const name = ev.object.metadata.name;
      seq++;
      if (ev.object.metadata.deletionTimestamp && !terminating.has(name)) terminating.set(name, seq);
      if (ev.type === 'DELETED') gone.set(name, seq);
    });
    try {
      await c.k(['scale', 'statefulset/web', '--replicas=1']);
      await until('web-1 and web-2 to be gone', 30_000, async () => gone.has('web-1') && gone.has('web-2'));
    } finally {
      close();
    }
    assert.ok(terminating.get('web-1')! > gone.get('web-2')!, `web-1 began terminating (event ${terminating.get('web-1')}) before web-2 was gone (event ${gone.get('web-2')})`);
    assert.equal(terminating.has('web-0'), false);
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=web,reason=SuccessfulDelete', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /delete Pod web-2 in StatefulSet web successful/);
  });

  it('creates PVCs from volumeClaimTemplates and deletes them with the set (whenDeleted: Delete)', async () => {
    await c.k(['apply', '-f', '-'], { input: db });
    const names = async () => (await json(['get', 'pvc', '-l', 'app=db'])).items.map((x: any) => x.metadata.name).sort().join(' ');
    await until('PVCs data-db-0 and data-db-1', 30_000, async () => (await names()) === 'data-db-0 data-db-1');
    const p = await until('pod db-1', 30_000, async () => pod('db-1').catch(() => undefined));
    assert.deepEqual(p.spec.volumes.find((v: any) => v.name === 'data'), { name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } });
    const sts = await json(['get', 'sts', 'db']);
    await until('the set to own its claims', 30_000, async () => (await json(['get', 'pvc', 'data-db-0'])).metadata.ownerReferences?.[0]?.uid === sts.metadata.uid);
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=db,reason=SuccessfulCreate', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /create Claim data-db-0 Pod db-0 in StatefulSet db success/);
    await c.k(['delete', 'statefulset', 'db']);
    await until('the claims to be collected', 30_000, async () => (await names()) === '');
  });
});
