// Drives the real kubectl (1.33 and 1.30) against a tiny server that serves
// only discovery and these OpenAPI documents, to prove that what kubectl
// reads from them works: explain, --validate=strict, and apply's three-way
// strategic merge patch built from the v3 patch metadata.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from './test-server.ts';

const BIN = '/usr/lib/google-cloud-sdk/bin';
const KUBECTLS = ['kubectl.1.33', 'kubectl.1.30'].map((b) => join(BIN, b));
const home = mkdtempSync(join(tmpdir(), 'k8ts-openapi-'));
const deployPath = '/apis/apps/v1/namespaces/default/deployments/web';

const manifest = (image: string): Record<string, unknown> => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
});
const live = { ...manifest('nginx:1'), metadata: { name: 'web', namespace: 'default', resourceVersion: '7',
  annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(manifest('nginx:1')) } } };
const srv = await startTestServer({ [deployPath]: live });
after(() => {
  srv.server.close();
  rmSync(home, { recursive: true, force: true });
});

function kubectl(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, ['--server', srv.url, ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const EXPECTED = `GROUP:      apps
KIND:       Deployment
VERSION:    v1

FIELD: strategy <DeploymentStrategy>


DESCRIPTION:
    The deployment strategy to use to replace existing pods with new ones.
    DeploymentStrategy describes how to replace existing pods with new ones.
    
FIELDS:
  rollingUpdate	<RollingUpdateDeployment>
    Rolling update config params. Present only if DeploymentStrategyType =
    RollingUpdate.

  type	<string>
    Type of deployment. Can be "Recreate" or "RollingUpdate". Default is
    RollingUpdate.

`;

for (const bin of KUBECTLS) {
  const name = bin.split('/').pop();
  const skip = existsSync(bin) ? false : `${bin} is not installed`;

  test(`${name} explain deployment.spec.strategy reads the v3 document`, { skip }, async () => {
    const r = await kubectl(bin, ['explain', 'deployment.spec.strategy']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trimEnd(), EXPECTED.trimEnd());
    assert.ok(srv.requests.some((q) => q.path === '/openapi/v3/apis/apps/v1' && q.query.get('hash')), 'fetched by hash from the index');
  });

  test(`${name} explain follows IntOrString, maps and arrays`, { skip }, async () => {
    const r = await kubectl(bin, ['explain', 'deploy.spec.strategy.rollingUpdate']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /maxSurge\t<IntOrString>/);
    const c = await kubectl(bin, ['explain', 'pods.spec.containers.resources']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /limits\t<map\[string\]Quantity>/);
    const missing = await kubectl(bin, ['explain', 'deployment.spec.nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /field "nope" does not exist/);
  });

  test(`${name} create --validate=strict leaves validation to the server`, { skip }, async () => {
    const file = join(home, `create-${name}.json`);
    writeFileSync(file, JSON.stringify({ ...manifest('nginx:1'), metadata: { name: 'other', namespace: 'default' } }));
    const before = srv.requests.length;
    const r = await kubectl(bin, ['create', '--validate=strict', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    const post = srv.requests.slice(before).find((q) => q.method === 'POST');
    assert.ok(post, 'kubectl posted the object');
    assert.equal(post.path, '/apis/apps/v1/namespaces/default/deployments');
    assert.equal(post.query.get('fieldValidation'), 'Strict');
  });

  test(`${name} apply builds its three-way strategic merge patch from the v3 patch metadata`, { skip }, async () => {
    const file = join(home, `apply-${name}.json`);
    writeFileSync(file, JSON.stringify(manifest('nginx:2')));
    const before = srv.requests.length;
    const r = await kubectl(bin, ['apply', '--validate=strict', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /warning|falling back/i);
    const patch = srv.requests.slice(before).find((q) => q.method === 'PATCH');
    assert.ok(patch, 'kubectl patched the object');
    assert.equal(patch.path, deployPath);
    assert.equal(patch.query.get('fieldValidation'), 'Strict');
    assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
    const body = JSON.parse(patch.body);
    // A merge by container name (not a list replace) proves kubectl saw x-kubernetes-patch-merge-key.
    assert.deepEqual(body.spec.template.spec['$setElementOrder/containers'], [{ name: 'web' }]);
    assert.deepEqual(body.spec.template.spec.containers, [{ image: 'nginx:2', name: 'web' }]);
  });
}

const LIST = (extra: Record<string, unknown>): string => JSON.stringify({ apiVersion: 'v1', kind: 'List',
  items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default', ...extra }, data: { k: 'v' } }] });

for (const bin of KUBECTLS) {
  const name = bin.split('/').pop();
  const skip = existsSync(bin) ? false : `${bin} is not installed`;

  test(`${name} validates a List on the client through the protobuf v2 document`, { skip }, async () => {
    const good = join(home, `list-${name}.json`);
    writeFileSync(good, LIST({}));
    const ok = await kubectl(bin, ['create', '-f', good, '-o', 'name']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), 'configmap/a');
    const bad = join(home, `badlist-${name}.json`);
    writeFileSync(bad, LIST({ bogus: 1 }));
    const r = await kubectl(bin, ['create', '-f', bad]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "bogus" in io\.k8s\.apimachinery\.pkg\.apis\.meta\.v1\.ObjectMeta/);
  });

  test(`${name} explain --output plaintext-openapiv2`, { skip }, async () => {
    const r = await kubectl(bin, ['explain', 'deployment.spec.strategy', '--output', 'plaintext-openapiv2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /RESOURCE: strategy <Object>/);
    assert.match(r.stdout, /DeploymentStrategy describes how to replace existing pods with new ones\./);
  });
}
