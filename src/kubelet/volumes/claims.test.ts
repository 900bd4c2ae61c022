import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerMounts, setupVolumes, teardownVolumes } from './index.ts';
import { pathsInUse } from './claims.ts';

const alloc = { cpuMilli: 1000, memoryBytes: 2 ** 30, ephemeralStorageBytes: 0 };

describe('persistentVolumeClaim volumes', () => {
  let root = '';
  before(() => { root = mkdtempSync(join(tmpdir(), 'claims-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  const claim = (name: string, o: any = {}) => ({
    metadata: { name, namespace: 'ns', uid: `c-${name}`, ...o.metadata }, spec: { volumeName: `pv-${name}`, ...o.spec }, status: { phase: 'Bound', ...o.status },
  });
  const pv = (name: string, spec: any, o: any = {}) => ({
    metadata: { name: `pv-${name}`, annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' }, ...o.metadata },
    spec: { claimRef: { namespace: 'ns', name, uid: `c-${name}` }, ...spec },
  });

  it('mounts the bound PV\'s directory (created world-writable for local-path), with subPath and readOnly; remembers it in use until teardown', async () => {
    const dir = join(root, 'storage/pvc-1_ns_data');
    const claims: Record<string, any> = { data: claim('data') };
    const vols: Record<string, any> = { 'pv-data': pv('data', { hostPath: { path: dir, type: 'DirectoryOrCreate' } }) };
    const src = { configMap: async () => undefined, secret: async () => undefined, claim: async (n: string) => claims[n], volume: async (n: string) => vols[n] };
    const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'pod1' }, spec: { volumes: [
      { name: 'd', persistentVolumeClaim: { claimName: 'data' } }, { name: 'ro', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
    ] } };
    const { volumes, failures } = await setupVolumes(pod, root, src, alloc);
    assert.deepEqual(failures, []);
    assert.deepEqual(volumes.get('d'), { path: dir, readOnly: false });
    assert.deepEqual(volumes.get('ro'), { path: dir, readOnly: true });
    assert.equal(statSync(dir).mode & 0o777, 0o777);
    const mounts = containerMounts({ name: 'app', volumeMounts: [{ name: 'd', mountPath: '/data', subPath: 'sub' }, { name: 'ro', mountPath: '/ro' }] }, volumes, new Map());
    assert.deepEqual(mounts, [{ containerPath: '/data', hostPath: join(dir, 'sub'), readonly: false }, { containerPath: '/ro', hostPath: dir, readonly: true }]);
    assert.ok(existsSync(join(dir, 'sub')));
    assert.ok(pathsInUse().has(dir));
    await teardownVolumes(root, 'pod1');
    assert.ok(!pathsInUse().has(dir));
    assert.ok(existsSync(dir), 'the claim\'s data outlives the pod');
  });

  const failing: [string, any, any, string][] = [
    ['a missing claim', undefined, undefined, 'error processing PVC ns/data: failed to fetch PVC from API server: persistentvolumeclaims "data" not found'],
    ['an unbound claim', claim('data', { spec: { volumeName: undefined }, status: { phase: 'Pending' } }), undefined, 'error processing PVC ns/data: PVC is not bound'],
    ['a claim being deleted', claim('data', { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }), undefined,
      'error processing PVC ns/data: can\'t start pod because PVC ns/data is being deleted'],
    ['a missing PV', claim('data'), undefined, 'error processing PVC ns/data: failed to fetch PV pv-data from API server: persistentvolumes "pv-data" not found'],
    ['a PV of another claim', claim('data'), { ...pv('data', { hostPath: { path: '/x' } }), spec: { hostPath: { path: '/x' }, claimRef: { uid: 'other' } } },
      'error processing PVC ns/data: found PV object pv-data but its ClaimRef UID other does not point to PVC ns/data with UID c-data'],
    ['a local PV whose path is missing', claim('data'), pv('data', { local: { path: '/nonexistent-k8ts-path' } }), 'path "/nonexistent-k8ts-path" does not exist'],
  ];
  for (const [name, c, v, message] of failing) {
    it(`reports ${name}`, async () => {
      const src = { configMap: async () => undefined, secret: async () => undefined, claim: async () => c, volume: async () => v };
      const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'pod2' }, spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } };
      const { failures } = await setupVolumes(pod, root, src, alloc);
      assert.deepEqual(failures, [{ volume: 'd', message }]);
    });
  }
});
