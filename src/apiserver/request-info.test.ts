import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.ts';

describe('parseRequestInfo', () => {
  const cases: [string, string, string, Partial<ReturnType<typeof parseRequestInfo>>][] = [
    ['GET', '/api/v1/namespaces/ns1/pods', '', { isResourceRequest: true, verb: 'list', namespace: 'ns1', resource: 'pods', name: '' }],
    ['GET', '/api/v1/namespaces/ns1/pods/p1', '', { verb: 'get', namespace: 'ns1', resource: 'pods', name: 'p1' }],
    ['GET', '/api/v1/namespaces/ns1/pods', 'watch=true', { verb: 'watch', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/ns1/pods', 'watch=false', { verb: 'list' }],
    ['GET', '/api/v1/watch/namespaces/ns1/pods', '', { verb: 'watch', namespace: 'ns1', resource: 'pods' }],
    ['GET', '/apis/apps/v1/namespaces/a/deployments/d/scale', '', { apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', name: 'd', subresource: 'scale', verb: 'get' }],
    ['PATCH', '/api/v1/namespaces/a/pods/p/status', '', { verb: 'patch', subresource: 'status' }],
    ['DELETE', '/api/v1/namespaces/a/configmaps', '', { verb: 'deletecollection', resource: 'configmaps' }],
    ['DELETE', '/api/v1/namespaces/a/configmaps/c', '', { verb: 'delete', name: 'c' }],
    ['POST', '/api/v1/namespaces/a/pods/p/binding', '', { verb: 'create', subresource: 'binding', name: 'p' }],
    ['GET', '/api/v1/namespaces', '', { verb: 'list', resource: 'namespaces', namespace: '' }],
    ['GET', '/api/v1/namespaces/a', '', { verb: 'get', resource: 'namespaces', name: 'a', namespace: '' }],
    ['PUT', '/api/v1/namespaces/a/finalize', '', { verb: 'update', resource: 'namespaces', name: 'a', subresource: 'finalize' }],
    ['PUT', '/api/v1/namespaces/a/status', '', { verb: 'update', resource: 'namespaces', name: 'a', subresource: 'status' }],
    ['GET', '/api/v1/nodes/n1', '', { verb: 'get', resource: 'nodes', name: 'n1' }],
    ['GET', '/apis/apps/v1', '', { isResourceRequest: false }],
    ['GET', '/healthz', '', { isResourceRequest: false, verb: 'get' }],
    ['GET', '/api', '', { isResourceRequest: false }],
  ];
  for (const [method, path, q, want] of cases) {
    it(`${method} ${path}${q ? '?' + q : ''}`, () => {
      const got = parseRequestInfo(method, path, new URLSearchParams(q));
      for (const [k, v] of Object.entries(want)) assert.deepEqual((got as any)[k], v, k);
    });
  }
});
