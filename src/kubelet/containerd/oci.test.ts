import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { busyboxLayer, imageLayout, tar } from './oci.ts';

describe('OCI image layout', () => {
  it('tar output is read by GNU tar (files, modes, symlinks)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-oci-'));
    try {
      writeFileSync(join(dir, 'a.tar'), tar([{ path: 'd', type: 'dir' }, { path: 'd/f', type: 'file', mode: 0o755, data: Buffer.from('x'.repeat(600)) }, { path: 'd/l', type: 'symlink', target: 'f' }]));
      execFileSync('tar', ['-C', dir, '-xf', join(dir, 'a.tar')]);
      assert.equal(readFileSync(join(dir, 'd/f'), 'utf8').length, 600);
      assert.equal(readlinkSync(join(dir, 'd/l')), 'f');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('index, manifest, config and layer digests match their blobs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-oci-'));
    try {
      const layer = busyboxLayer(Buffer.from('#!fake busybox'));
      writeFileSync(join(dir, 'img.tar'), imageLayout(layer, [{ name: 'k8ts.local/a:1', cmd: ['sh'] }, { name: 'k8ts.local/b:2', entrypoint: ['/bin/sleep', 'infinity'] }]));
      execFileSync('tar', ['-C', dir, '-xf', join(dir, 'img.tar')]);
      const blob = (d: string) => readFileSync(join(dir, 'blobs/sha256', d.slice(7)));
      const verify = (d: string) => assert.equal(`sha256:${createHash('sha256').update(blob(d)).digest('hex')}`, d);
      const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
      assert.deepEqual(index.manifests.map((m: any) => m.annotations['io.containerd.image.name']), ['k8ts.local/a:1', 'k8ts.local/b:2']);
      for (const m of index.manifests) {
        verify(m.digest);
        const manifest = JSON.parse(blob(m.digest).toString());
        verify(manifest.config.digest);
        verify(manifest.layers[0].digest);
        const config = JSON.parse(blob(manifest.config.digest).toString());
        assert.deepEqual(config.rootfs.diff_ids, [manifest.layers[0].digest]);
      }
      const b = JSON.parse(blob(JSON.parse(blob(index.manifests[1].digest).toString()).config.digest).toString());
      assert.deepEqual(b.config.Entrypoint, ['/bin/sleep', 'infinity']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
