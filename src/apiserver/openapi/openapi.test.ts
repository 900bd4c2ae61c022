import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES as ALL_RESOURCES } from '../../api/resources.ts';

// CustomResourceDefinitions are stored but have no schema yet (the generator skips apiextensions' JSON-schema unions).
const RESOURCES = ALL_RESOURCES.filter((r) => r.group !== 'apiextensions.k8s.io');
import { DEFINITIONS } from '../../api/openapi/definitions.ts';
import { openapiV2, openapiV3GroupVersion, openapiV3Index, schemaFor } from './index.ts';
import { gvPath } from './operations.ts';

const v2 = JSON.parse(openapiV2().body.toString());
const gvDoc = (gv: string): any => JSON.parse(openapiV3GroupVersion(gv)!.body.toString());

/** Every $ref value inside a document. */
function refs(doc: unknown): string[] {
  const out: string[] = [];
  JSON.stringify(doc, (k, v) => {
    if (k === '$ref') out.push(v);
    return v;
  });
  return out;
}

test('every resource kind has a definition that carries its GVK', () => {
  for (const r of RESOURCES) {
    const s = schemaFor({ group: r.group, version: r.version, kind: r.kind });
    assert.ok(s, `${r.group}/${r.version} ${r.kind}`);
    assert.deepEqual((s['x-kubernetes-group-version-kind'] as unknown[])[0], { group: r.group, kind: r.kind, version: r.version });
    if (!r.virtual) assert.ok(schemaFor({ group: r.group, version: r.version, kind: `${r.kind}List` }), `${r.kind}List`);
  }
  assert.equal(schemaFor({ group: 'apps', version: 'v1', kind: 'Nope' }), undefined);
});

test('definitions carry formats and list extensions', () => {
  const meta = DEFINITIONS['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties!;
  assert.deepEqual([meta.generation.type, meta.generation.format], ['integer', 'int64']);
  assert.equal(meta.creationTimestamp.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time');
  assert.equal(DEFINITIONS['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format, 'date-time');
  const spec = DEFINITIONS['io.k8s.api.apps.v1.DeploymentSpec'].properties!;
  assert.deepEqual([spec.replicas.type, spec.replicas.format], ['integer', 'int32']);
  assert.equal(DEFINITIONS['io.k8s.api.apps.v1.RollingUpdateDeployment'].properties!.maxSurge.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  const ios = DEFINITIONS['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
  assert.deepEqual([ios.type, ios.format, ios['x-kubernetes-int-or-string']], ['string', 'int-or-string', true]);
  const pod = DEFINITIONS['io.k8s.api.core.v1.PodSpec'].properties!;
  assert.equal(pod.containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(pod.containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(pod.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  const container = DEFINITIONS['io.k8s.api.core.v1.Container'].properties!;
  assert.equal(container.env['x-kubernetes-patch-merge-key'], 'name');
  assert.deepEqual(container.ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  assert.equal(DEFINITIONS['io.k8s.api.apps.v1.DeploymentStatus'].properties!.conditions['x-kubernetes-patch-merge-key'], 'type');
  assert.equal(DEFINITIONS['io.k8s.api.core.v1.Secret'].properties!.data.additionalProperties && (DEFINITIONS['io.k8s.api.core.v1.Secret'].properties!.data.additionalProperties as any).format, 'byte');
  assert.match(DEFINITIONS['io.k8s.api.apps.v1.DeploymentStrategy'].description!, /how to replace existing pods/);
  assert.deepEqual(DEFINITIONS['io.k8s.api.apps.v1.DeploymentSpec'].required, ['selector', 'template']);
});

test('v2: Swagger 2.0 with every resource path, actions, GVKs and write parameters', () => {
  assert.equal(v2.swagger, '2.0');
  assert.equal(v2.info.title, 'Kubernetes');
  assert.match(v2.info.version, /^v1\.\d+\.0$/);
  const item = v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
  assert.equal(item.patch['x-kubernetes-action'], 'patch');
  assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  assert.deepEqual(item.patch.consumes, ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);
  for (const name of ['fieldValidation', 'dryRun', 'fieldManager', 'force']) assert.ok(item.patch.parameters.some((p: any) => p.name === name && p.in === 'query'), name);
  assert.equal(item.put.operationId, 'replaceAppsV1NamespacedDeployment');
  assert.equal(v2.paths['/api/v1/namespaces/{namespace}/pods'].get['x-kubernetes-action'], 'list');
  assert.equal(v2.paths['/api/v1/watch/namespaces/{namespace}/pods/{name}'].get['x-kubernetes-action'], 'watch');
  assert.equal(v2.paths['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces');
  assert.equal(v2.paths['/apis/rbac.authorization.k8s.io/v1/clusterroles'].delete.operationId, 'deleteCollectionRbacAuthorizationV1ClusterRole');
  assert.deepEqual(v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  assert.equal(v2.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'].post['x-kubernetes-action'], 'post');
  for (const r of RESOURCES) {
    const ns = r.namespaced ? '/namespaces/{namespace}' : '';
    const collection = v2.paths[`/${gvPath(r.group, r.version)}${ns}/${r.resource}`];
    assert.ok(collection, r.resource);
    for (const verb of r.verbs) {
      const op = verb === 'create' ? collection.post : verb === 'list' ? collection.get : undefined;
      if (op) assert.deepEqual(op['x-kubernetes-group-version-kind'], { group: r.group, kind: r.kind, version: r.version });
      if (verb === 'create') assert.ok(op.parameters.some((p: any) => p.name === 'fieldValidation'), `${r.resource} create`);
    }
  }
  for (const ref of refs(v2)) assert.ok(v2.definitions[ref.replace('#/definitions/', '')], ref);
  assert.equal(openapiV2(), openapiV2(), 'built once');
  assert.match(openapiV2().etag, /^[0-9A-F]{128}$/);
});

test('v3: the index lists every group-version with its hash, and each document resolves its refs', () => {
  const index = openapiV3Index();
  const gvs = [...new Set(RESOURCES.map((r) => gvPath(r.group, r.version)))];
  assert.deepEqual(Object.keys(index.paths).sort(), gvs.sort());
  for (const gv of gvs) {
    const doc = openapiV3GroupVersion(gv)!;
    assert.equal(index.paths[gv].serverRelativeURL, `/openapi/v3/${gv}?hash=${doc.etag}`);
    const parsed = JSON.parse(doc.body.toString());
    assert.equal(parsed.openapi, '3.0.0');
    for (const ref of refs(parsed)) {
      assert.ok(ref.startsWith('#/components/schemas/'), ref);
      assert.ok(parsed.components.schemas[ref.slice('#/components/schemas/'.length)], ref);
    }
    for (const [path, item] of Object.entries<any>(parsed.paths)) {
      for (const m of ['post', 'put', 'patch']) {
        if (!item[m]) continue;
        assert.ok(item[m].parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'), `${m} ${path}`);
      }
      if (item.patch) assert.ok(item.patch.requestBody.content['application/strategic-merge-patch+json'], path);
    }
  }
  assert.equal(openapiV3GroupVersion('apis/nope/v1'), null);
  assert.equal(openapiV3GroupVersion('/apis/apps/v1?hash=x'), openapiV3GroupVersion('apis/apps/v1'));
});

test('v3: refs with a description are wrapped in allOf; IntOrString and Quantity have no single type', () => {
  const apps = gvDoc('apis/apps/v1');
  const strategy = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy;
  assert.deepEqual(strategy.allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }]);
  assert.match(strategy.description, /deployment strategy/);
  const ios = apps.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
  assert.equal(ios.type, undefined);
  assert.deepEqual(ios.oneOf, [{ type: 'integer' }, { type: 'string' }]);
  const core = gvDoc('api/v1');
  assert.deepEqual(core.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [{ type: 'string' }, { type: 'number' }]);
  assert.equal(core.components.schemas['io.k8s.api.core.v1.PodSpec'].properties.containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post['x-kubernetes-group-version-kind'].kind, 'Eviction');
  assert.ok(!('io.k8s.api.apps.v1.Deployment' in core.components.schemas), 'a document holds only what its paths reach');
});
