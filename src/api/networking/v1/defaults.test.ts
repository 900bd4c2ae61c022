import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hooksFor } from '../../hooks.ts';

function defaulted(group: string, version: string, kind: string, obj: any): any {
  const copy = structuredClone(obj);
  hooksFor(group, version, kind).defaults?.(copy);
  return copy;
}

test('NetworkPolicy policy types and port protocols', () => {
  assert.deepEqual(defaulted('networking.k8s.io', 'v1', 'NetworkPolicy', { spec: {} }).spec, { policyTypes: ['Ingress'] });
  const np = defaulted('networking.k8s.io', 'v1', 'NetworkPolicy', { spec: { ingress: [{ ports: [{ port: 80 }] }], egress: [{}] } });
  assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(np.spec.ingress[0].ports[0].protocol, 'TCP');
  assert.deepEqual(defaulted('networking.k8s.io', 'v1', 'NetworkPolicy', { spec: { policyTypes: ['Egress'] } }).spec.policyTypes, ['Egress']);
});

test('other groups', () => {
  assert.deepEqual(defaulted('storage.k8s.io', 'v1', 'StorageClass', { provisioner: 'p' }),
    { provisioner: 'p', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
  assert.equal(defaulted('scheduling.k8s.io', 'v1', 'PriorityClass', { value: 5 }).preemptionPolicy, 'PreemptLowerPriority');
  assert.deepEqual(defaulted('discovery.k8s.io', 'v1', 'EndpointSlice', { ports: [{ port: 80 }] }).ports, [{ port: 80, name: '', protocol: 'TCP' }]);
  const rb = defaulted('rbac.authorization.k8s.io', 'v1', 'RoleBinding', {
    roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'u' }, { kind: 'ServiceAccount', name: 's', namespace: 'n' }],
  });
  assert.deepEqual(rb.roleRef, { kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' });
  assert.deepEqual(rb.subjects, [{ kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 's', namespace: 'n' }]);
  assert.deepEqual(defaulted('networking.k8s.io', 'v1', 'IngressClass', { spec: { parameters: { kind: 'K', name: 'n' } } }).spec.parameters.scope, 'Cluster');
});

test('HorizontalPodAutoscaler v2 and v1', () => {
  const hpa = defaulted('autoscaling', 'v2', 'HorizontalPodAutoscaler', { spec: { maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } });
  assert.equal(hpa.spec.minReplicas, 1);
  assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.deepEqual(hpa.spec.behavior, {
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
    scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  });
  assert.equal(defaulted('autoscaling', 'v2', 'HorizontalPodAutoscaler', { spec: {} }).spec.behavior, undefined);
  assert.deepEqual(defaulted('autoscaling', 'v1', 'HorizontalPodAutoscaler', { spec: { maxReplicas: 3 } }).spec, { maxReplicas: 3, minReplicas: 1 });
});

test('unknown kinds have no hooks', () => {
  assert.deepEqual(hooksFor('example.com', 'v1', 'Widget'), {});
  assert.deepEqual(hooksFor('', 'v1', 'Widget'), {});
});
