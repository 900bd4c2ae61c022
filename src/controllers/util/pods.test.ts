import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { byOrphanNamespace, podsForOwner } from './pods.ts';
import { byOwnerUid } from '../../client/informer.ts';

const pod = (ns: string, name: string, refs: any[] = []) => ({ metadata: { namespace: ns, name, ownerReferences: refs } });
const ctl = (uid: string) => ({ uid, controller: true });

describe('podsForOwner', () => {
  const pods = [
    pod('a', 'mine', [ctl('rs1')]), pod('a', 'other', [ctl('rs2')]), pod('a', 'orphan'), pod('b', 'orphan-b'),
    pod('a', 'referenced', [{ uid: 'rs1' }]), pod('a', 'referenced-owned', [{ uid: 'rs1' }, ctl('rs2')]),
  ];
  const indexers: Record<string, (o: any) => string[]> = { owner: byOwnerUid, orphan: byOrphanNamespace };
  const cache = { byIndex: (index: string, value: string) => pods.filter((p) => indexers[index]!(p).includes(value)) };

  it('gives the pods that reference the owner and the orphans of its namespace, each once', () => {
    assert.deepEqual(podsForOwner(cache, 'a', 'rs1').map((p) => p.metadata.name).sort(), ['mine', 'orphan', 'referenced', 'referenced-owned']);
  });

  it('never a pod of another namespace', () => {
    assert.deepEqual(podsForOwner(cache, 'b', 'rs1').map((p) => p.metadata.name), ['orphan-b']);
  });
});
