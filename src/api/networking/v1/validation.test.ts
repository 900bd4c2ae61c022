import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hooksFor } from '../../hooks.ts';

function errs(group: string, version: string, kind: string, obj: any, old?: any): string[] {
  const h = hooksFor(group, version, kind);
  const o = structuredClone(obj);
  h.defaults?.(o);
  const out = old ? h.validateUpdate!(o, old) : h.validate!(o);
  return out.map((e) => `${e.field}: ${e.type}: ${e.detail}`);
}

test('HPA, Ingress, StorageClass, RBAC, EndpointSlice', () => {
  const ref = { kind: 'Deployment', name: 'd', apiVersion: 'apps/v1' };
  assert.deepEqual(errs('autoscaling', 'v2', 'HorizontalPodAutoscaler', { spec: { scaleTargetRef: ref, maxReplicas: 3 } }), []);
  assert.deepEqual(errs('autoscaling', 'v1', 'HorizontalPodAutoscaler', { spec: { scaleTargetRef: ref, minReplicas: 5, maxReplicas: 3 } }),
    ['spec.minReplicas: FieldValueInvalid: must be less than or equal to maxReplicas']);
  assert.deepEqual(errs('networking.k8s.io', 'v1', 'Ingress', { spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 's', port: { number: 80 } } } }] } }] } }),
    ['spec.rules[0].http.paths[0].pathType: FieldValueRequired: pathType must be specified']);
  const sc = { provisioner: 'p', parameters: { a: '1' }, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' };
  assert.deepEqual(errs('storage.k8s.io', 'v1', 'StorageClass', { ...sc, parameters: { a: '2' } }, sc),
    ['parameters: FieldValueForbidden: updates to parameters are forbidden.']);
  const rb = { roleRef: { kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' }, subjects: [{ kind: 'User', name: 'u' }] };
  assert.deepEqual(errs('rbac.authorization.k8s.io', 'v1', 'RoleBinding', rb), []);
  assert.deepEqual(errs('rbac.authorization.k8s.io', 'v1', 'RoleBinding', { ...rb, roleRef: { ...rb.roleRef, name: 'other' } }, rb),
    ['roleRef: FieldValueInvalid: cannot change roleRef']);
  assert.deepEqual(errs('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', rb),
    ['roleRef.kind: FieldValueNotSupported: supported values: "ClusterRole"']);
  assert.deepEqual(errs('discovery.k8s.io', 'v1', 'EndpointSlice', { addressType: 'IPv6' }, { addressType: 'IPv4' }),
    ['addressType: FieldValueInvalid: field is immutable']);
});
