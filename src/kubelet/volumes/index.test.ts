import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerMounts, setupVolumes, teardownVolumes } from './index.ts';
import { checkHostPath, mountsUnder } from './host.ts';

const alloc = { cpuMilli: 1000, memoryBytes: 2 ** 30, ephemeralStorageBytes: 0 };

describe('volumes on disk', () => {
  let root = '';
  before(() => { root = mkdtempSync(join(tmpdir(), 'vol-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('prepares emptyDir, configMap and hostPath volumes, reports a missing configMap, and builds the mounts', async () => {
    const host = join(root, 'host');
    const pod = {
      metadata: { name: 'p', namespace: 'ns', uid: 'uid1' },
      spec: { volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'gone', configMap: { name: 'gone' } },
        { name: 'data', hostPath: { path: host, type: 'DirectoryOrCreate' } },
      ] },
    };
    const src = { configMap: async (n: string) => (n === 'cfg' ? { data: { 'a.conf': 'A' } } : undefined), secret: async () => undefined };
    const { volumes, failures } = await setupVolumes(pod, root, src, alloc);
    assert.deepEqual(failures, [{ volume: 'gone', message: 'configmap "gone" not found' }]);
    const scratch = join(root, 'pods/uid1/volumes/kubernetes.io~empty-dir/scratch');
    const cfg = join(root, 'pods/uid1/volumes/kubernetes.io~configmap/cfg');
    assert.deepEqual(volumes.get('scratch'), { path: scratch, readOnly: false });
    assert.equal(statSync(scratch).mode & 0o777, 0o777);
    assert.deepEqual(volumes.get('cfg'), { path: cfg, readOnly: true });
    assert.equal(readFileSync(join(cfg, 'a.conf'), 'utf8'), 'A');
    assert.ok(statSync(host).isDirectory());

    const c = { name: 'app', volumeMounts: [
      { name: 'scratch', mountPath: '/scratch' },
      { name: 'cfg', mountPath: '/etc/a.conf', subPath: 'a.conf' },
      { name: 'data', mountPath: '/data', readOnly: true },
      { name: 'scratch', mountPath: '/logs', subPathExpr: '$(POD)/logs' },
    ] };
    const mounts = containerMounts(c, volumes, new Map([['POD', 'p']]));
    assert.deepEqual(mounts, [
      { containerPath: '/scratch', hostPath: scratch, readonly: false },
      { containerPath: '/etc/a.conf', hostPath: join(cfg, readlinkSync(join(cfg, '..data')), 'a.conf'), readonly: true },
      { containerPath: '/data', hostPath: host, readonly: true },
      { containerPath: '/logs', hostPath: join(scratch, 'p/logs'), readonly: false },
    ]);
    assert.throws(() => containerMounts({ name: 'app', volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: '../../etc' }] }, volumes, new Map()), /unable to provision SubPath/);
    assert.throws(() => containerMounts({ name: 'app', volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: '/etc' }] }, volumes, new Map()), /must not be an absolute path/);
    assert.throws(() => containerMounts({ name: 'app', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, volumes, new Map()), /cannot find volume "nope"/);

    await teardownVolumes(root, 'uid1');
    assert.equal(existsSync(join(root, 'pods/uid1')), false);
    assert.ok(existsSync(host), 'hostPath data is never removed');
  });

  it('hostPath type checks with upstream\'s messages', () => {
    const dir = join(root, 'hp');
    mkdirSync(dir);
    writeFileSync(join(dir, 'file'), 'x');
    const cases: [string, string, RegExp | null][] = [
      ['file', 'Directory', /^hostPath type check failed: .*\/file is not a directory$/],
      ['missing', 'Directory', /is not a directory$/],
      ['.', 'File', /is not a file$/],
      ['file', 'Socket', /is not a socket file$/],
      ['file', 'CharDevice', /is not a character device$/],
      ['file', 'BlockDevice', /is not a block device$/],
      ['file', 'Weird', /^Weird is an invalid volume type$/],
      ['file', 'File', null], ['.', 'Directory', null], ['missing', '', null],
      ['new-dir/sub', 'DirectoryOrCreate', null], ['new-file', 'FileOrCreate', null], ['file', 'DirectoryOrCreate', /is not a directory$/],
    ];
    for (const [p, type, want] of cases) {
      const path = join(dir, p);
      if (want) assert.throws(() => checkHostPath(path, type), (e: Error) => want.test(e.message), `${p} ${type}`);
      else checkHostPath(path, type);
    }
    assert.ok(statSync(join(dir, 'new-dir/sub')).isDirectory());
    assert.ok(statSync(join(dir, 'new-file')).isFile());
  });

  it('mountsUnder lists nested mount points deepest first', () => {
    const table = 'tmpfs /r/pods/u/volumes/a tmpfs rw 0 0\nproc /proc proc rw 0 0\ntmpfs /r/pods/u/volumes/a/b tmpfs rw 0 0\ntmpfs /r/pods/u2 tmpfs rw 0 0\n';
    assert.deepEqual(mountsUnder('/r/pods/u', table), ['/r/pods/u/volumes/a/b', '/r/pods/u/volumes/a']);
  });
});
