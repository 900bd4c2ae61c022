import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HorizontalController } from './index.ts';
import { StatusError } from '../../machinery/errors.ts';

const NOW = new Date('2026-01-01T12:00:00Z');
const LONG_AGO = '2026-01-01T10:00:00Z';

function hpa(spec: any = {}): any {
  return {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', generation: 1 },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], ...spec,
    },
    status: {},
  };
}

function pod(name: string): any {
  return {
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu: '100m', memory: '100Mi' } } }] },
    status: { phase: 'Running', startTime: LONG_AGO, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: LONG_AGO }] },
  };
}

function podMetrics(name: string, cpu: string, memory = '50Mi'): any {
  return { metadata: { name, namespace: 'default' }, timestamp: NOW.toISOString(), window: '10s', containers: [{ name: 'c', usage: { cpu, memory } }] };
}

function harness(o: { hpa: any; replicas?: number; pods: any[]; metrics: any[] | Error; scaleMissing?: boolean }) {
  const puts: any[] = [];
  const statuses: any[] = [];
  const events: string[] = [];
  const client: any = {
    async request(method: string, path: string, body?: any) {
      assert.equal(path, '/apis/apps/v1/namespaces/default/deployments/web/scale');
      if (o.scaleMissing) throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: 'deployments.apps "web" not found' } as any);
      if (method === 'PUT') {
        puts.push(body);
        return body;
      }
      return { kind: 'Scale', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: o.replicas ?? 1 }, status: { replicas: o.replicas ?? 1, selector: 'app=web' } };
    },
    async update(r: any, _ns: string, obj: any) {
      statuses.push({ ...structuredClone(obj.status), writtenAs: `${obj.apiVersion} via ${r.version}` });
      return obj;
    },
  };
  const c = new HorizontalController({
    client, now: () => NOW,
    hpas: { get: (k: string) => (k === 'default/web' ? o.hpa : undefined) } as any,
    pods: { byIndex: (_i: string, ns: string) => (ns === 'default' ? o.pods : []) } as any,
    metrics: { podMetrics: async () => { if (o.metrics instanceof Error) throw o.metrics; return o.metrics; } },
    recorder: { event: (_obj: any, type: string, reason: string, message: string) => events.push(`${type} ${reason} ${message}`) },
  });
  return { c, puts, statuses, events };
}

const cond = (status: any, type: string) => status.conditions.find((x: any) => x.type === type);

describe('HorizontalController', () => {
  it('scales up above target, with upstream status, conditions and event', async () => {
    const h = harness({ hpa: hpa(), pods: [pod('a')], metrics: [podMetrics('a', '120m')] });
    assert.deepEqual(await h.c.reconcile('default/web'), { requeueAfterMs: 15_000 });
    assert.equal(h.puts.length, 1);
    assert.equal(h.puts[0].spec.replicas, 3);
    assert.deepEqual(h.events, ['Normal SuccessfulRescale New size: 3; reason: cpu resource utilization (percentage of request) above target']);
    const { writtenAs, ...st } = h.statuses.at(-1);
    assert.equal(writtenAs, 'autoscaling/v2 via v2');
    assert.equal(st.currentReplicas, 1);
    assert.equal(st.desiredReplicas, 3);
    assert.equal(st.lastScaleTime, '2026-01-01T12:00:00Z');
    assert.deepEqual(st.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 120, averageValue: '120m' } } }]);
    assert.deepEqual(st.conditions.map((x: any) => [x.type, x.status, x.reason]), [
      ['AbleToScale', 'True', 'SucceededRescale'], ['ScalingActive', 'True', 'ValidMetricFound'], ['ScalingLimited', 'False', 'DesiredWithinRange'],
    ]);
    assert.equal(cond(st, 'AbleToScale').message, 'the HPA controller was able to update the target scale to 3');
  });

  it('reports missing metrics without scaling', async () => {
    const h = harness({ hpa: hpa(), replicas: 2, pods: [pod('a'), pod('b')], metrics: [] });
    await h.c.reconcile('default/web');
    assert.equal(h.puts.length, 0);
    const why = 'failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API';
    assert.deepEqual(h.events, [
      `Warning FailedGetResourceMetric ${why}`,
      `Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: ${why}`,
    ]);
    const st = h.statuses.at(-1);
    assert.deepEqual(cond(st, 'ScalingActive'), {
      type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', lastTransitionTime: '2026-01-01T12:00:00Z',
      message: `the HPA was unable to compute the replica count: ${why}`,
    });
    assert.deepEqual(st.currentMetrics, [{ type: '' }]);
    assert.equal(st.currentReplicas, 2);
  });

  it('says when the target cannot be read', async () => {
    const h = harness({ hpa: hpa(), pods: [], metrics: [], scaleMissing: true });
    await h.c.reconcile('default/web');
    assert.deepEqual(h.events, ['Warning FailedGetScale deployments.apps "web" not found']);
    assert.deepEqual([cond(h.statuses[0], 'AbleToScale').reason, cond(h.statuses[0], 'AbleToScale').message],
      ['FailedGetScale', 'the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found']);
  });

  it('does not scale a target scaled to zero', async () => {
    const h = harness({ hpa: hpa(), replicas: 0, pods: [], metrics: [] });
    await h.c.reconcile('default/web');
    assert.equal(h.puts.length, 0);
    assert.deepEqual([cond(h.statuses[0], 'ScalingActive').status, cond(h.statuses[0], 'ScalingActive').reason], ['False', 'ScalingDisabled']);
  });

  it('brings a target back within min/max without metrics', async () => {
    const h = harness({ hpa: hpa(), replicas: 8, pods: [], metrics: [] });
    await h.c.reconcile('default/web');
    assert.equal(h.puts[0].spec.replicas, 5);
    assert.deepEqual(h.events, ['Normal SuccessfulRescale New size: 5; reason: Current number of replicas above Spec.MaxReplicas']);
  });

  it('scales on memory AverageValue', async () => {
    const spec = { metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '25Mi' } } }] };
    const h = harness({ hpa: hpa(spec), replicas: 2, pods: [pod('a'), pod('b')], metrics: [podMetrics('a', '1m', '50Mi'), podMetrics('b', '1m', '50Mi')] });
    await h.c.reconcile('default/web');
    assert.equal(h.puts[0].spec.replicas, 4);
    assert.deepEqual(h.events, ['Normal SuccessfulRescale New size: 4; reason: memory resource above target']);
    assert.deepEqual(h.statuses.at(-1).currentMetrics, [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '52428800' } } }]);
  });

  it('scales on one container\'s utilization (ContainerResource), limited to max(2x, 4) per step', async () => {
    const spec = { metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'c', target: { type: 'Utilization', averageUtilization: 50 } } }] };
    const p = pod('a');
    p.spec.containers.push({ name: 'side', resources: { requests: { cpu: '1' } } });
    const m = podMetrics('a', '220m');
    m.containers.push({ name: 'side', usage: { cpu: '0', memory: '1Mi' } });
    const h = harness({ hpa: hpa(spec), pods: [p], metrics: [m] });
    await h.c.reconcile('default/web');
    assert.equal(h.puts[0].spec.replicas, 4);
    const st = h.statuses.at(-1);
    assert.deepEqual(st.currentMetrics, [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'c', current: { averageUtilization: 220, averageValue: '220m' } } }]);
    assert.deepEqual([cond(st, 'ScalingLimited').status, cond(st, 'ScalingLimited').reason], ['True', 'ScaleUpLimit']);
  });

  it('forgets a deleted HPA', async () => {
    const h = harness({ hpa: undefined, pods: [], metrics: [] });
    assert.equal(await h.c.reconcile('default/web'), undefined);
  });
});
