import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFor } from './index.ts';
import { hpaTargets } from './autoscaling.ts';
import { accessModesString } from './volumes.ts';

const now = new Date('2026-01-01T00:10:00Z');
const meta = (n: string) => ({ name: n, creationTimestamp: '2026-01-01T00:00:00Z' });
const cells = (group: string, kind: string, o: any) => tableFor(group, kind, [o], { includeObject: 'None', now }).rows[0].cells;

test('access modes print in upstream\'s fixed order, whatever the given order', () => {
  assert.equal(accessModesString(['ReadWriteOncePod', 'ReadWriteOnce', 'ReadOnlyMany']), 'RWO,ROX,RWOP');
  assert.equal(accessModesString(undefined), '');
});

test('a claim shows capacity and modes only once bound; a deleting one is Terminating', () => {
  const pending = { metadata: meta('data'), spec: { storageClassName: 'local-path', resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' } };
  assert.deepEqual(cells('', 'PersistentVolumeClaim', pending), ['data', 'Pending', '', '', '', 'local-path', '<unset>', '10m', '<unset>']);
  const bound = { metadata: { ...meta('data'), deletionTimestamp: '2026-01-01T00:09:00Z' }, spec: { volumeName: 'pvc-1', volumeMode: 'Filesystem' },
    status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } };
  assert.deepEqual(cells('', 'PersistentVolumeClaim', bound), ['data', 'Terminating', 'pvc-1', '1Gi', 'RWO', '', '<unset>', '10m', 'Filesystem']);
});

test('a volume shows its claim as namespace/name and its class from the beta annotation too', () => {
  const pv = { metadata: { ...meta('pvc-1'), annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } },
    spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'ns', name: 'data' } },
    status: { phase: 'Bound' } };
  assert.deepEqual(cells('', 'PersistentVolume', pv), ['pvc-1', '2Gi', 'RWO', 'Delete', 'Bound', 'ns/data', 'slow', '<unset>', '', '10m', '<unset>']);
});

test('HPA targets: utilization, average value, unknown current, v1 fields, and more than two metrics', () => {
  const cpu = (u: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: u } } });
  const mem = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
  const rows: [any, string][] = [
    [{ spec: { metrics: [] } }, '<none>'],
    [{ spec: { metrics: [cpu(50)] } }, 'cpu: <unknown>/50%'],
    [{ spec: { metrics: [cpu(50), mem] }, status: { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75 } } },
      { type: 'Resource', resource: { name: 'memory', current: { averageValue: '64Mi' } } }] } }, 'cpu: 75%/50%, memory: 64Mi/100Mi'],
    [{ spec: { metrics: [cpu(50), mem, cpu(60)] } }, 'cpu: <unknown>/50%, memory: <unknown>/100Mi + 1 more...'],
    [{ spec: { targetCPUUtilizationPercentage: 80 }, status: { currentCPUUtilizationPercentage: 12 } }, 'cpu: 12%/80%'],
  ];
  for (const [hpa, want] of rows) assert.equal(hpaTargets(hpa), want);
  const hpa = { metadata: meta('web'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, metrics: [cpu(50)] }, status: { currentReplicas: 2 } };
  assert.deepEqual(cells('autoscaling', 'HorizontalPodAutoscaler', hpa), ['web', 'Deployment/web', 'cpu: <unknown>/50%', '<unset>', 5, 2, '10m']);
});
