// Bad input gets upstream's status code and a Status that says what is
// wrong; never a 500, and the server keeps serving.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, destroyCluster, writeTemp } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { adminClient } from '../support/http.ts';

describe('apiserver bad input', { timeout: 120_000 }, () => {
  let c: TestCluster;
  let http: ReturnType<typeof adminClient>;
  const CM = '/api/v1/namespaces/default/configmaps';

  before(async () => {
    c = await startCluster();
    http = adminClient(c.kubeconfig);
  });
  after(async () => {
    http?.close();
    await destroyCluster(c);
  });

  const expectStatus = (r: { status: number; json(): any }, code: number, reason: string, message: RegExp) => {
    assert.equal(r.status, code, JSON.stringify(r));
    const s = r.json();
    assert.equal(s.kind, 'Status');
    assert.equal(s.status, 'Failure');
    assert.equal(s.code, code);
    assert.equal(s.reason, reason);
    assert.match(s.message, message);
  };

  it('refuses requests without credentials with 401', async () => {
    const r = await http.call('GET', '/api/v1/namespaces', undefined, {}, { anonymous: true });
    expectStatus(r, 401, 'Unauthorized', /Unauthorized/);
  });

  it('refuses malformed JSON and YAML with 400', async () => {
    expectStatus(await http.call('POST', CM, '{"apiVersion": "v1", "kind": '), 400, 'BadRequest', /JSON/);
    expectStatus(await http.call('POST', CM, 'kind: [unclosed', { 'Content-Type': 'application/yaml' }), 400, 'BadRequest', /YAML/);
  });

  it('refuses unknown fields under Strict, warns under Warn', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict' }, dta: { a: 'b' } });
    expectStatus(await http.call('POST', `${CM}?fieldValidation=Strict`, body), 400, 'BadRequest', /strict decoding error: unknown field "dta"/);
    const warn = await http.call('POST', `${CM}?fieldValidation=Warn`, body);
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers.warning), /unknown field \\?"dta\\?"/);
    const file = writeTemp('typo.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: typo\nspec:\n  replicass: 2\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: x}]}\n');
    const r = await c.kubectl(['apply', '--validate=strict', '-f', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "spec.replicass"/);
  });

  it('refuses invalid names with 422 and field causes', async () => {
    const r = await http.call('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }));
    expectStatus(r, 422, 'Invalid', /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.equal(r.json().details.causes[0].field, 'metadata.name');
    const k = await c.kubectl(['create', 'configmap', 'Bad_Name']);
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /is invalid: metadata.name: Invalid value/);
  });

  it('refuses a Localhost seccompProfile without its profile, with upstream\'s cause', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sc' }, spec: { securityContext: { seccompProfile: { type: 'Localhost' } }, containers: [{ name: 'c', image: 'x' }] } };
    const k = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(pod) });
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /Pod "sc" is invalid: spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost/);
  });

  it('refuses a wrong apiVersion or kind for the endpoint', async () => {
    expectStatus(await http.call('POST', CM, JSON.stringify({ apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'x' } })), 400, 'BadRequest', /API version/);
    expectStatus(await http.call('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } })), 400, 'BadRequest', /kind/);
  });

  it('refuses bodies over 3 MiB with 413', async () => {
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    const r = await http.call('POST', CM, big);
    assert.equal(r.status, 413);
  });

  it('refuses a stale resourceVersion with 409', async () => {
    const made = await http.call('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cas' }, data: { v: '1' } }));
    assert.equal(made.status, 201);
    const obj = made.json();
    const first = await http.call('PUT', `${CM}/cas`, JSON.stringify({ ...obj, data: { v: '2' } }));
    assert.equal(first.status, 200);
    expectStatus(await http.call('PUT', `${CM}/cas`, JSON.stringify({ ...obj, data: { v: '3' } })), 409, 'Conflict',
      /^Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again$/);
  });

  it('answers unknown resources with 404', async () => {
    expectStatus(await http.call('GET', '/api/v1/foos'), 404, 'NotFound', /the server could not find the requested resource/);
    const k = await c.kubectl(['get', 'foos']);
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /the server doesn't have a resource type "foos"/);
    expectStatus(await http.call('GET', `${CM}/missing`), 404, 'NotFound', /^configmaps "missing" not found$/);
  });

  it('refuses deeply nested and huge bodies without falling over', async () => {
    const deep = '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000);
    const r = await http.call('POST', CM, deep);
    assert.ok(r.status === 400 || r.status === 413, `status ${r.status}`);
    const manyKeys = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wide' }, data: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 'v'])) });
    const wide = await http.call('POST', CM, manyKeys);
    assert.ok(wide.status === 201 || wide.status === 413 || wide.status === 422, `status ${wide.status}`);
    expectStatus(await http.call('POST', CM, '[1,2,3]'), 400, 'BadRequest', /object/);
    expectStatus(await http.call('POST', CM, 'x', { 'Content-Type': 'application/vnd.kubernetes.protobuf' }), 400, 'BadRequest', /does not appear to be a protobuf message/);
    expectStatus(await http.call('POST', CM, 'x', { 'Content-Type': 'application/x-thrift' }), 415, 'UnsupportedMediaType', /unknown format/);
    const ok = await http.call('GET', '/readyz');
    assert.equal(ok.status, 200);
    assert.equal((await http.call('GET', `${CM}?limit=1&continue=garbage`)).status, 400);
  });
});
