// HorizontalPodAutoscalers through a real API server (memory storage,
// in-process client): stored as autoscaling/v2, served as v1 or v2 by
// conversion on every read and write.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { MemoryBackend } from '../../storage/memory/index.ts';
import { startTestApiServer } from '../../../test/support/apiserver.ts';
import type { TestApiServer } from '../../../test/support/apiserver.ts';
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import { resourcePath } from '../../client/rest.ts';
import { CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION, METRICS_ANNOTATION } from '../../api/autoscaling/convert.ts';

const hpas = (version: string) => RESOURCES.find((r) => r.group === 'autoscaling' && r.version === version && r.resource === 'horizontalpodautoscalers')!;
const V1 = hpas('v1');
const V2 = hpas('v2');
const NS = 'default';
const REF = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const MEMORY = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } };
const CPU = (n: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });

describe('autoscaling/v1 and v2 HorizontalPodAutoscalers share one stored v2 object', () => {
  let t: TestApiServer;
  let backend: MemoryBackend;
  let client: Client;

  before(async () => {
    t = await startTestApiServer();
    ({ backend, client } = t);
  });
  after(() => t?.close());

  it('stores a v1 create as v2 and serves it in both versions', async () => {
    const created = await client.create(V1, NS, { metadata: { name: 'a' }, spec: { scaleTargetRef: REF, maxReplicas: 4, targetCPUUtilizationPercentage: 50 } });
    assert.equal(created.apiVersion, 'autoscaling/v1');
    assert.deepEqual(created.spec, { scaleTargetRef: REF, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 50 });
    const stored = JSON.parse((await backend.get('/registry/horizontalpodautoscalers/default/a')).kv!.value);
    assert.equal(stored.apiVersion, 'autoscaling/v2');
    assert.deepEqual(stored.spec.metrics, [CPU(50)]);
    const v2 = await client.get(V2, NS, 'a');
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec, { scaleTargetRef: REF, minReplicas: 1, maxReplicas: 4, metrics: [CPU(50)] });
    const list: any = await client.list(V2, NS);
    assert.equal(list.apiVersion, 'autoscaling/v2');
    assert.deepEqual(list.items.find((o: any) => o.metadata.name === 'a').spec.metrics, [CPU(50)]);
  });

  it('serves a v2 HPA through v1 with upstream annotations, and a v1 write-back keeps its metrics', async () => {
    await client.create(V2, NS, { metadata: { name: 'b' }, spec: { scaleTargetRef: REF, maxReplicas: 4, metrics: [MEMORY] } });
    const v1 = await client.get(V1, NS, 'b');
    assert.equal(v1.spec.targetCPUUtilizationPercentage, undefined);
    assert.equal(v1.metadata.annotations[METRICS_ANNOTATION], '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"1Gi"}}]');
    v1.spec.maxReplicas = 6;
    const written = await client.update(V1, NS, v1);
    assert.equal(written.apiVersion, 'autoscaling/v1');
    const v2 = await client.get(V2, NS, 'b');
    assert.deepEqual([v2.spec.maxReplicas, v2.spec.metrics], [6, [MEMORY]]);
    assert.equal(v2.metadata.annotations, undefined, 'v2 never shows the round-trip annotations');
  });

  it('patches through v1 in v1 terms', async () => {
    await client.create(V2, NS, { metadata: { name: 'c' }, spec: { scaleTargetRef: REF, maxReplicas: 4, metrics: [MEMORY, CPU(70)] } });
    const patched = await client.patch(V1, NS, 'c', { spec: { targetCPUUtilizationPercentage: 40 } });
    assert.equal(patched.spec.targetCPUUtilizationPercentage, 40);
    const v2 = await client.get(V2, NS, 'c');
    assert.deepEqual(v2.spec.metrics, [MEMORY, CPU(40)]);
  });

  it('writes v2 status and shows it through v1 as upstream does', async () => {
    const v2 = await client.get(V2, NS, 'a');
    v2.status = {
      currentReplicas: 2, desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70, averageValue: '70m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'SucceededRescale', message: 'm' }],
    };
    await client.update(V2, NS, v2, { subresource: 'status' });
    const v1 = await client.get(V1, NS, 'a');
    assert.deepEqual(v1.status, { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 70 });
    assert.deepEqual(JSON.parse(v1.metadata.annotations[CURRENT_METRICS_ANNOTATION]), [{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 70, currentAverageValue: '70m' } }]);
    assert.equal(JSON.parse(v1.metadata.annotations[CONDITIONS_ANNOTATION])[0].reason, 'SucceededRescale');
    // A status write through v1 (a v1-era controller) keeps the conditions it read.
    v1.status.desiredReplicas = 4;
    await client.update(V1, NS, v1, { subresource: 'status' });
    const after = await client.get(V2, NS, 'a');
    assert.equal(after.status.desiredReplicas, 4);
    assert.equal(after.status.conditions[0].reason, 'SucceededRescale');
    assert.deepEqual(after.status.currentMetrics, v2.status.currentMetrics);
  });

  it('converts watch events to the watched version, and prints v1 tables from the stored object', async () => {
    const list = await client.list(V1, NS);
    const events: any[] = [];
    const w = client.watch(V1, NS, { resourceVersion: list.metadata.resourceVersion }, (ev) => events.push(ev));
    await client.create(V2, NS, { metadata: { name: 'd' }, spec: { scaleTargetRef: REF, maxReplicas: 2, metrics: [CPU(30)] } });
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    w.close();
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[0].object.apiVersion, 'autoscaling/v1');
    assert.equal(events[0].object.spec.targetCPUUtilizationPercentage, 30);
    const table = await client.request('GET', resourcePath(V1, NS) + '?fieldSelector=metadata.name%3Dd', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal(table.kind, 'Table');
    assert.deepEqual(table.rows.map((r: any) => r.cells[0]), ['d']);
    const withObjects = await client.request('GET', resourcePath(V1, NS) + '?fieldSelector=metadata.name%3Dd&includeObject=Object', undefined,
      { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal(withObjects.rows[0].object.apiVersion, 'autoscaling/v1');
    assert.equal(withObjects.rows[0].object.spec.targetCPUUtilizationPercentage, 30);
  });

  it('server-side applies through v1', async () => {
    const applied = (spec: object) => ({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'e' }, spec });
    const created = await client.patch(V1, NS, 'e', applied({ scaleTargetRef: REF, maxReplicas: 2, targetCPUUtilizationPercentage: 55 }), { type: 'apply', fieldManager: 'me' });
    assert.equal(created.apiVersion, 'autoscaling/v1');
    await client.patch(V2, NS, 'e', { spec: { metrics: [MEMORY, CPU(55)] } });
    const again = await client.patch(V1, NS, 'e', applied({ scaleTargetRef: REF, maxReplicas: 5, targetCPUUtilizationPercentage: 55 }), { type: 'apply', fieldManager: 'me' });
    assert.equal(again.spec.maxReplicas, 5);
    const v2 = await client.get(V2, NS, 'e');
    assert.deepEqual([v2.spec.maxReplicas, v2.spec.metrics], [5, [MEMORY, CPU(55)]]);
  });

  it('rejects a v1 object whose metrics annotation is not JSON', async () => {
    await assert.rejects(
      client.create(V1, NS, { metadata: { name: 'bad', annotations: { [METRICS_ANNOTATION]: '[{' } }, spec: { scaleTargetRef: REF, maxReplicas: 2 } }),
      (err: any) => err.status?.code === 400,
    );
  });

  it('upgrades an HPA stored as v1 before conversion existed', async () => {
    const legacy = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'old', namespace: NS, uid: 'u' },
      spec: { scaleTargetRef: REF, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 60 }, status: { currentReplicas: 0, desiredReplicas: 0 } };
    await backend.create('/registry/horizontalpodautoscalers/default/old', JSON.stringify(legacy));
    const v2 = await client.get(V2, NS, 'old');
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec.metrics, [CPU(60)]);
    v2.spec.maxReplicas = 5;
    await client.update(V2, NS, v2);
    const stored = JSON.parse((await backend.get('/registry/horizontalpodautoscalers/default/old')).kv!.value);
    assert.deepEqual([stored.apiVersion, stored.spec.maxReplicas, stored.spec.metrics], ['autoscaling/v2', 5, [CPU(60)]]);
  });
});
