import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeploymentController } from './index.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';

/** A cache that stays as it was (the watch has not delivered our writes yet), over a list of objects. */
function staleCache(objs: any[]): Informer {
  return {
    get: (key: string) => objs.find((o) => `${o.metadata.namespace}/${o.metadata.name}` === key),
    list: () => objs,
    byIndex: (_i: string, ns: string) => objs.filter((o) => o.metadata.namespace === ns),
  } as unknown as Informer;
}

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
const deployment = () => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { namespace: 'ns', name: 'web', uid: 'd1', resourceVersion: '10', generation: 1 },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
});
/** The Deployment's ReplicaSet for the current template, already at its replicas, at revision 1. */
const currentRS = {
  metadata: {
    namespace: 'ns', name: 'web-abc', uid: 'rs1', creationTimestamp: '2026-01-01T00:00:00Z',
    annotations: { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }],
  },
  spec: { replicas: 3, template: { ...template, metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } } } },
};

const revisionCases = [
  { name: 'creating the first ReplicaSet', replicaSets: [] as any[], patchedVersion: '12', want: ['create web-HASH', 'patch deployments web', 'update deployments/status at 12'] },
  { name: 'adopting the revision of the existing ReplicaSet', replicaSets: [currentRS], patchedVersion: '11', want: ['patch deployments web', 'update deployments/status at 11'] },
];
for (const c of revisionCases) {
  test(`the status write of the sync that set the revision builds on the patched Deployment, not the stale cached one: ${c.name}`, async () => {
    const d = deployment();
    let rv = 10;
    const writes: string[] = [];
    const client = {
      async create(_r: any, _ns: string, obj: any) { writes.push(`create ${obj.metadata.name}`); return { ...obj, metadata: { ...obj.metadata, uid: 'rs1', resourceVersion: String(++rv) } }; },
      async patch(r: any, _ns: string, name: string) {
        writes.push(`patch ${r.resource} ${name}`);
        if (r.resource === 'deployments') return { ...d, metadata: { ...d.metadata, resourceVersion: String(++rv) } };
        return {};
      },
      async update(r: any, _ns: string, obj: any, opts: any) {
        writes.push(`update ${r.resource}/${opts.subresource} at ${obj.metadata.resourceVersion}`);
        // The API server's precondition: only the latest version may be updated.
        if (obj.metadata.resourceVersion !== c.patchedVersion) throw Object.assign(new Error('conflict'), { status: { code: 409 } });
        return obj;
      },
    } as unknown as Client;
    const ctl = new DeploymentController({
      client, deployments: staleCache([d]), replicaSets: staleCache(c.replicaSets), pods: staleCache([]), recorder: { event() {} },
    });
    await ctl.reconcile('ns/web');
    assert.deepEqual(writes.map((w) => w.replace(/web-\w+/, 'web-HASH')), c.want);
    // A later sync with nothing patched writes at the cached version again.
    writes.length = 0;
    await ctl.reconcile('ns/web').catch(() => undefined);
    assert.ok(writes.every((w) => !w.includes(`at ${c.patchedVersion}`)), writes.join());
  });
}
