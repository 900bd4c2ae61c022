import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  hpaV1ToV2, hpaV2ToV1, convertHPA, ConversionError,
  BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION, METRICS_ANNOTATION,
} from './convert.ts';

const REF = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const COND = [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'SucceededRescale', message: 'm' }];
const CPU = (n: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });
const MEMORY = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } };
const BEHAVIOR = {
  scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] },
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
};

/** A v2 HPA using every kind of metric, behavior, current metrics and conditions. */
function fullV2(): any {
  return {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', resourceVersion: '7', annotations: { keep: 'me' } },
    spec: {
      scaleTargetRef: REF, minReplicas: 2, maxReplicas: 9, behavior: BEHAVIOR,
      metrics: [
        MEMORY,
        { type: 'ContainerResource', containerResource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 }, container: 'app' } },
        { type: 'Pods', pods: { metric: { name: 'qps', selector: { matchLabels: { a: 'b' } } }, target: { type: 'AverageValue', averageValue: '10' } } },
        { type: 'Object', object: { describedObject: { kind: 'Service', name: 's', apiVersion: 'v1' }, metric: { name: 'rps' }, target: { type: 'Value', value: '100' } } },
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
        CPU(65),
      ],
    },
    status: {
      currentReplicas: 3, desiredReplicas: 4, lastScaleTime: '2026-01-01T00:00:00Z', conditions: COND,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '800Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', current: { averageValue: '120m', averageUtilization: 70 } } },
        { type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '12' } } },
      ],
    },
  };
}

describe('autoscaling/v1 <-> v2 HorizontalPodAutoscaler conversion', () => {
  it('converts a plain v1 HPA to v2 and back unchanged', () => {
    const v1 = {
      apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', annotations: { [CONDITIONS_ANNOTATION]: JSON.stringify(COND), keep: 'me' } },
      spec: { scaleTargetRef: REF, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
      status: { lastScaleTime: '2026-01-01T00:00:00Z', currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 70 },
    };
    const v2 = hpaV1ToV2(v1);
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec, { scaleTargetRef: REF, minReplicas: 1, maxReplicas: 5, metrics: [CPU(50)] });
    assert.deepEqual(v2.status, {
      lastScaleTime: '2026-01-01T00:00:00Z', currentReplicas: 2, desiredReplicas: 3, conditions: COND,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70 } } }],
    });
    assert.deepEqual(v2.metadata.annotations, { keep: 'me' });
    const back = hpaV2ToV1(v2);
    // v1 now also carries the current metrics in their annotation (as upstream), the rest is as it was.
    assert.deepEqual(JSON.parse(back.metadata.annotations[CURRENT_METRICS_ANNOTATION]), [{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 70, currentAverageValue: '0' } }]);
    delete back.metadata.annotations[CURRENT_METRICS_ANNOTATION];
    assert.deepEqual(back, v1);
  });

  it('carries what v1 has no field for in upstream annotations', () => {
    const v1 = hpaV2ToV1(fullV2());
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.deepEqual(v1.spec, { scaleTargetRef: REF, minReplicas: 2, maxReplicas: 9, targetCPUUtilizationPercentage: 65 });
    assert.deepEqual(v1.status, { lastScaleTime: '2026-01-01T00:00:00Z', currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 70 });
    const a = v1.metadata.annotations;
    assert.equal(a.keep, 'me');
    assert.deepEqual(JSON.parse(a[METRICS_ANNOTATION]), [
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '1Gi' } },
      { type: 'ContainerResource', containerResource: { name: 'cpu', targetAverageUtilization: 60, container: 'app' } },
      { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10', selector: { matchLabels: { a: 'b' } } } },
      { type: 'Object', object: { target: { kind: 'Service', name: 's', apiVersion: 'v1' }, metricName: 'rps', targetValue: '100' } },
      { type: 'External', external: { metricName: 'queue', targetAverageValue: '30' } },
    ]);
    assert.ok(a[METRICS_ANNOTATION].startsWith('[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"1Gi"}},'), 'Go field order');
    assert.deepEqual(JSON.parse(a[CURRENT_METRICS_ANNOTATION])[1], { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 70, currentAverageValue: '120m' } });
    assert.deepEqual(JSON.parse(a[CONDITIONS_ANNOTATION]), COND);
    assert.deepEqual(JSON.parse(a[BEHAVIOR_ANNOTATION]), {
      ScaleUp: { StabilizationWindowSeconds: 0, SelectPolicy: 'Max', Policies: [{ Type: 'Pods', Value: 4, PeriodSeconds: 15 }], Tolerance: null },
      ScaleDown: { StabilizationWindowSeconds: 300, SelectPolicy: 'Min', Policies: [{ Type: 'Percent', Value: 10, PeriodSeconds: 60 }], Tolerance: null },
    });
  });

  it('round-trips v2 -> v1 -> v2 keeping everything (the cpu target moves after the other metrics, as upstream)', () => {
    const v2 = fullV2();
    const back = hpaV1ToV2(hpaV2ToV1(v2));
    assert.deepEqual(back, v2);
    const cpuFirst = { ...fullV2(), spec: { ...fullV2().spec, metrics: [CPU(65), MEMORY] } };
    assert.deepEqual(hpaV1ToV2(hpaV2ToV1(cpuFirst)).spec.metrics, [MEMORY, CPU(65)]);
  });

  it('round-trips v1 -> v2 -> v1 with annotations kept', () => {
    const v1 = hpaV2ToV1(fullV2());
    assert.deepEqual(hpaV2ToV1(hpaV1ToV2(v1)), v1);
  });

  it('leaves no cpu target in v1 when v2 has none, and no metrics annotation when cpu is the only metric', () => {
    const v1 = hpaV2ToV1({ ...fullV2(), spec: { scaleTargetRef: REF, maxReplicas: 3, metrics: [MEMORY] }, status: { desiredReplicas: 0 } });
    assert.equal(v1.spec.targetCPUUtilizationPercentage, undefined);
    assert.deepEqual(v1.status, { currentReplicas: 0, desiredReplicas: 0 });
    assert.deepEqual(Object.keys(v1.metadata.annotations).sort(), ['autoscaling.alpha.kubernetes.io/metrics', 'keep']);
    const only = hpaV2ToV1({ apiVersion: 'autoscaling/v2', metadata: { name: 'x' }, spec: { scaleTargetRef: REF, maxReplicas: 3, metrics: [CPU(50)] } });
    assert.equal(only.metadata.annotations, undefined);
    assert.equal(only.spec.targetCPUUtilizationPercentage, 50);
  });

  it('gives a v1 HPA without a target the default 80% cpu', () => {
    const v2 = hpaV1ToV2({ apiVersion: 'autoscaling/v1', metadata: { name: 'x' }, spec: { scaleTargetRef: REF, maxReplicas: 3 } });
    assert.deepEqual(v2.spec.metrics, [CPU(80)]);
  });

  it('reads behavior annotations with lower-case keys too (Go matches field names case-insensitively)', () => {
    const v2 = hpaV1ToV2({
      apiVersion: 'autoscaling/v1', metadata: { name: 'x', annotations: { [BEHAVIOR_ANNOTATION]: '{"scaleUp":{"stabilizationWindowSeconds":30}}' } },
      spec: { scaleTargetRef: REF, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
    });
    assert.deepEqual(v2.spec.behavior, { scaleUp: { stabilizationWindowSeconds: 30 } });
    assert.equal(v2.metadata.annotations, undefined);
  });

  it('refuses an annotation that is not JSON', () => {
    const bad = { apiVersion: 'autoscaling/v1', metadata: { name: 'x', annotations: { [METRICS_ANNOTATION]: '[{' } }, spec: { maxReplicas: 1 } };
    assert.throws(() => hpaV1ToV2(bad), ConversionError);
  });

  it('convertHPA drops round-trip annotations from v2 objects and leaves others untouched', () => {
    const withAnn = { ...fullV2(), metadata: { name: 'web', annotations: { [METRICS_ANNOTATION]: '[]', keep: 'me' } } };
    assert.deepEqual(convertHPA(withAnn, 'autoscaling/v2').metadata, { name: 'web', annotations: { keep: 'me' } });
    const plain = fullV2();
    assert.equal(convertHPA(plain, 'autoscaling/v2'), plain);
    assert.equal(convertHPA(plain, 'autoscaling/v1').apiVersion, 'autoscaling/v1');
    assert.deepEqual(plain, fullV2(), 'the input is not mutated');
  });
});
