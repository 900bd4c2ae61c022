import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findUnknownFields } from './unknown-fields.ts';

const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };
const POD = { group: '', version: 'v1', kind: 'Pod' };

const deployment = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown =>
  ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec, ...extra });

const cases: { name: string; gvk: typeof DEPLOY; obj: unknown; want: string[] }[] = [
  { name: 'a valid object has none', gvk: DEPLOY, want: [],
    obj: deployment({ replicas: 2, selector: { matchLabels: { a: 'b' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: '1' } }, ports: [{ containerPort: 80 }] }] } } }) },
  { name: 'a top-level unknown field', gvk: DEPLOY, obj: deployment({}, { extra: 1 }), want: ['.extra'] },
  { name: 'a misspelt spec field', gvk: DEPLOY, obj: deployment({ replicass: 3 }), want: ['.spec.replicass'] },
  { name: 'inside metadata', gvk: DEPLOY, obj: { metadata: { name: 'x', labelz: {} } }, want: ['.metadata.labelz'] },
  { name: 'in array items, with the index', gvk: DEPLOY, want: ['.spec.template.spec.containers[1].imagee', '.spec.template.spec.containers[1].ports[0].foo'],
    obj: deployment({ template: { spec: { containers: [{ name: 'a' }, { name: 'b', imagee: 'x', ports: [{ containerPort: 1, foo: 2 }] }] } } }) },
  { name: 'in document order, several', gvk: POD, obj: { zz: 1, spec: { nodeNamee: 'n', containers: [] }, aa: 2 }, want: ['.zz', '.spec.nodeNamee', '.aa'] },
  { name: 'map values (Quantity) accept any key', gvk: { group: '', version: 'v1', kind: 'Node' }, obj: { status: { capacity: { cpu: '2' } } }, want: [] },
  { name: 'labels and annotations maps accept any key', gvk: POD, obj: { metadata: { labels: { 'x/y': 'z' }, annotations: { a: 'b' } } }, want: [] },
  { name: 'IntOrString takes either form', gvk: { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' }, obj: { spec: { minAvailable: 1, maxUnavailable: '10%' } }, want: [] },
  { name: 'managedFields fieldsV1 is opaque', gvk: POD, obj: { metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': { 'f:x': {} } } }] } }, want: [] },
  { name: 'RawExtension is opaque', gvk: { group: 'apps', version: 'v1', kind: 'ControllerRevision' }, obj: { revision: 1, data: { anything: { goes: true } } }, want: [] },
  { name: 'type mismatches are not unknown fields', gvk: DEPLOY, obj: { spec: 'oops', metadata: [1] }, want: [] },
  { name: 'an unknown kind yields none', gvk: { group: 'example.com', version: 'v1', kind: 'Widget' }, obj: { foo: 1 }, want: [] },
  { name: 'the stored autoscaling/v1 version has its own schema', gvk: { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' },
    obj: { spec: { targetCPUUtilizationPercentage: 50, metrics: [] } }, want: ['.spec.metrics'] },
  { name: 'service ports and selectors', gvk: { group: '', version: 'v1', kind: 'Service' },
    obj: { spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 'http', nodeport: 1 }] } }, want: ['.spec.ports[0].nodeport'] },
];

for (const c of cases) {
  test(`findUnknownFields: ${c.name}`, () => assert.deepEqual(findUnknownFields(c.gvk, c.obj), c.want));
}

test('findUnknownFields is fast on a large object', () => {
  const containers = Array.from({ length: 200 }, (_, i) => ({ name: `c${i}`, image: 'x', env: [{ name: 'A', value: 'b' }], ports: [{ containerPort: i + 1 }] }));
  const start = performance.now();
  for (let i = 0; i < 50; i++) findUnknownFields(POD, { spec: { containers } });
  assert.ok(performance.now() - start < 1000, 'under 20 ms a walk');
});
