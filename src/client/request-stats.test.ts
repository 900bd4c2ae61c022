import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRequest } from './request-stats.ts';

test('describeRequest names the verb and resource of an API path', () => {
  const cases: [string, string, string][] = [
    ['POST', '/api/v1/namespaces/ns/pods', 'create pods'],
    ['GET', '/api/v1/namespaces/ns/pods?labelSelector=a%3Db', 'list pods'],
    ['GET', '/api/v1/pods', 'list pods'],
    ['GET', '/api/v1/namespaces/ns/pods/p1', 'get pods'],
    ['GET', '/api/v1/namespaces', 'list namespaces'],
    ['GET', '/api/v1/namespaces/kube-system', 'get namespaces'],
    ['PATCH', '/api/v1/namespaces/ns/pods/p1/status', 'patch pods/status'],
    ['PUT', '/apis/apps/v1/namespaces/ns/replicasets/rs/status', 'update replicasets/status'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', 'update leases'],
    ['DELETE', '/apis/apps/v1/namespaces/ns/deployments/d', 'delete deployments'],
    ['GET', '/api/v1/nodes?watch=1&resourceVersion=5', 'watch nodes'],
    ['PUT', '/api/v1/nodes/n1/status', 'update nodes/status'],
  ];
  for (const [method, path, want] of cases) assert.equal(describeRequest(method, path), want, `${method} ${path}`);
});
