import { it } from 'node:test';
import assert from 'node:assert/strict';
import { hpaV1ToV2, hpaV2ToV1, isV1Shaped, CONDITIONS_ANNOTATION } from './convert.ts';

const REF = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const COND = [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' }];

it('converts a v1 HPA to v2 and back', () => {
  const v1 = {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', annotations: { [CONDITIONS_ANNOTATION]: JSON.stringify(COND), keep: 'me' } },
    spec: { scaleTargetRef: REF, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 70, lastScaleTime: '2026-01-01T00:00:00Z' },
  };
  assert.ok(isV1Shaped(v1));
  const v2 = hpaV1ToV2(v1);
  assert.deepEqual(v2.spec, { scaleTargetRef: REF, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] });
  assert.deepEqual(v2.status, {
    currentReplicas: 2, desiredReplicas: 3, lastScaleTime: '2026-01-01T00:00:00Z', conditions: COND,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70 } } }],
  });
  assert.deepEqual(v2.metadata.annotations, { keep: 'me' });
  assert.equal(isV1Shaped(v2), false);
  assert.deepEqual(hpaV2ToV1(v2), v1);
});

it('converts a v2 HPA to v1, keeping the cpu target and conditions', () => {
  const v2 = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' },
    spec: {
      scaleTargetRef: REF, minReplicas: 2, maxReplicas: 4, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } } },
      ],
    },
    status: { currentReplicas: 2, desiredReplicas: 2, conditions: COND, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '12m' } } }] },
  };
  const v1 = hpaV2ToV1(v2);
  assert.deepEqual(v1.spec, { scaleTargetRef: REF, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 65 });
  assert.deepEqual(v1.status, { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 12 });
  assert.equal(v1.metadata.annotations[CONDITIONS_ANNOTATION], JSON.stringify(COND));
});

it('gives a v1 HPA without a target the default 80% cpu', () => {
  const v2 = hpaV1ToV2({ apiVersion: 'autoscaling/v1', metadata: { name: 'x' }, spec: { scaleTargetRef: REF, maxReplicas: 3 } });
  assert.equal(v2.spec.metrics[0].resource.target.averageUtilization, 80);
});
