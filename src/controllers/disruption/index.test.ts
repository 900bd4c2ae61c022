import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DisruptionController } from './index.ts';
import type { Cache } from './index.ts';

function cache(items: any[]): Cache {
  return {
    get: (k) => items.find((o) => `${o.metadata.namespace}/${o.metadata.name}` === k),
    byIndex: (_i, ns) => items.filter((o) => o.metadata.namespace === ns),
  };
}
const readyPod = (name: string) => ({ metadata: { name, namespace: 'ns', labels: { app: 'web' } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
const noOwners = { replicaSet: () => undefined, deployment: () => undefined, statefulSet: () => undefined, replicationController: () => undefined };

describe('DisruptionController', () => {
  const budget = { metadata: { name: 'b', namespace: 'ns', generation: 1, resourceVersion: '7' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };
  const now = () => new Date('2026-01-01T00:00:00Z');

  it('writes the status through the status subresource, and only when it changes', async () => {
    const writes: any[] = [];
    const client = { update: async (_r: any, _ns: string, obj: any, opts: any) => { writes.push({ obj, opts }); return obj; } };
    const pods = cache([readyPod('a'), readyPod('b')]);
    const c = new DisruptionController({ client: client as any, pdbs: cache([budget]), pods, owners: noOwners, now });
    await c.reconcile('ns/b');
    assert.equal(writes.length, 1);
    assert.deepEqual(writes[0].opts, { subresource: 'status' });
    assert.equal(writes[0].obj.metadata.resourceVersion, '7');
    assert.equal(writes[0].obj.status.disruptionsAllowed, 1);
    const again = new DisruptionController({ client: client as any, pdbs: cache([{ ...budget, status: writes[0].obj.status }]), pods, owners: noOwners, now });
    await again.reconcile('ns/b');
    assert.equal(writes.length, 1);
  });

  it('maps a pod to the budgets that select it', () => {
    const other = { ...budget, metadata: { ...budget.metadata, name: 'o' }, spec: { selector: { matchLabels: { app: 'db' } } } };
    const c = new DisruptionController({ client: {} as any, pdbs: cache([budget, other]), pods: cache([]), owners: noOwners, now });
    assert.deepEqual(c.budgetsFor(readyPod('a')), ['ns/b']);
  });

  it('ignores a budget that is gone', async () => {
    const c = new DisruptionController({ client: { update: async () => assert.fail('no write') } as any, pdbs: cache([]), pods: cache([]), owners: noOwners, now });
    assert.equal(await c.reconcile('ns/b'), undefined);
  });
});
