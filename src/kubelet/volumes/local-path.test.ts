import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage, localStorageDir, orphanedVolumeDirs } from './local-path.ts';

describe('local-path storage on the node', () => {
  let root = '';
  before(() => { root = mkdtempSync(join(tmpdir(), 'lp-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keeps volumes under <data-dir>/storage', () => {
    assert.equal(localStorageDir('/var/lib/k8ts/agent/kubelet'), '/var/lib/k8ts/storage');
    assert.equal(localStorageDir('/srv/kubelet'), '/srv/kubelet/storage');
  });

  it('finds directories no PV names and no pod uses', () => {
    const entries = ['pvc-a_ns_x', 'pvc-b_ns_y', 'pvc-c_ns_z', 'notes', 'pvc-bad'];
    const pvs = [{ spec: { hostPath: { path: '/s/pvc-a_ns_x' } } }, { spec: { local: { path: '/s/pvc-x_ns_q/' } } }];
    assert.deepEqual(orphanedVolumeDirs('/s', entries, pvs, new Set(['/s/pvc-c_ns_z'])), ['/s/pvc-b_ns_y']);
  });

  it('annotates its Node and sweeps orphans away', async () => {
    const rootDir = join(root, 'agent/kubelet');
    const storage = join(root, 'storage');
    for (const d of ['pvc-a_ns_x', 'pvc-b_ns_y']) mkdirSync(join(storage, d), { recursive: true });
    const patches: any[] = [];
    const client: any = {
      patch: async (_r: any, _ns: string, name: string, body: any) => { patches.push({ name, body }); },
      list: async () => ({ items: [{ spec: { hostPath: { path: join(storage, 'pvc-a_ns_x') } } }] }),
    };
    const ls = new LocalStorage({ client, nodeName: 'n1', rootDir, sweepMs: 3_600_000 });
    await ls.start();
    ls.stop();
    assert.deepEqual(patches, [{ name: 'n1', body: { metadata: { annotations: { 'k8ts.io/local-path-storage-dir': storage } } } }]);
    assert.deepEqual(await ls.sweep(), [join(storage, 'pvc-b_ns_y')]);
    assert.ok(existsSync(join(storage, 'pvc-a_ns_x')));
    assert.ok(!existsSync(join(storage, 'pvc-b_ns_y')));
  });
});
