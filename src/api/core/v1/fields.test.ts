import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hooksFor } from '../../hooks.ts';

function fields(group: string, kind: string, obj: any): Record<string, string> | undefined {
  return hooksFor(group, 'v1', kind).selectableFields?.(obj);
}

test('Pod selectable fields', () => {
  const pod = {
    spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default', hostNetwork: true },
    status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.5' }] },
  };
  assert.deepEqual(fields('', 'Pod', pod), {
    'spec.nodeName': 'n1', 'spec.restartPolicy': 'Always', 'spec.schedulerName': 'default-scheduler',
    'spec.serviceAccountName': 'default', 'spec.hostNetwork': 'true', 'status.phase': 'Running', 'status.podIP': '10.0.0.5',
    'status.nominatedNodeName': '',
  });
  assert.equal(fields('', 'Pod', {})!['spec.hostNetwork'], 'false');
});

test('Event selectable fields, core and events.k8s.io shapes', () => {
  const want = {
    'involvedObject.kind': 'Pod', 'involvedObject.namespace': 'default', 'involvedObject.name': 'p', 'involvedObject.uid': 'u',
    'involvedObject.apiVersion': 'v1', 'involvedObject.resourceVersion': '7', 'involvedObject.fieldPath': '',
    reason: 'Scheduled', reportingComponent: 'default-scheduler', source: 'default-scheduler', type: 'Normal',
  };
  const ref = { kind: 'Pod', namespace: 'default', name: 'p', uid: 'u', apiVersion: 'v1', resourceVersion: '7' };
  assert.deepEqual(fields('', 'Event', {
    involvedObject: ref, reason: 'Scheduled', reportingComponent: 'default-scheduler', source: { component: 'default-scheduler' }, type: 'Normal',
  }), want);
  assert.deepEqual(fields('events.k8s.io', 'Event', {
    regarding: ref, reason: 'Scheduled', reportingController: 'default-scheduler', deprecatedSource: { component: 'default-scheduler' }, type: 'Normal',
  }), want);
});

test('other kinds', () => {
  assert.deepEqual(fields('', 'Secret', { type: 'Opaque' }), { type: 'Opaque' });
  assert.deepEqual(fields('', 'Node', { spec: { unschedulable: true } }), { 'spec.unschedulable': 'true' });
  assert.deepEqual(fields('', 'Namespace', { metadata: { name: 'a' }, status: { phase: 'Active' } }), { 'status.phase': 'Active', name: 'a' });
  assert.deepEqual(fields('', 'ReplicationController', { status: { replicas: 2 } }), { 'status.replicas': '2' });
  assert.deepEqual(fields('apps', 'ReplicaSet', {}), { 'status.replicas': '0' });
  assert.deepEqual(fields('batch', 'Job', { status: { succeeded: 1 } }), { 'status.successful': '1' });
  assert.deepEqual(fields('', 'Service', { spec: { clusterIP: '10.43.0.1', type: 'ClusterIP' } }), { 'spec.clusterIP': '10.43.0.1', 'spec.type': 'ClusterIP' });
  assert.deepEqual(fields('', 'PersistentVolume', { metadata: { name: 'pv' } }), { name: 'pv' });
  assert.equal(fields('', 'ConfigMap', {}), undefined);
});
