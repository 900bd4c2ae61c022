import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureRegistryHost, hostsToml, removeRegistryHost } from './registry-hosts.ts';
import { renderConfig } from './daemon.ts';

describe('registry hosts', () => {
  it('marks a plain-HTTP registry, or names its CA', () => {
    assert.equal(hostsToml({ host: '127.0.0.1:5000', plainHttp: true }),
      'server = "http://127.0.0.1:5000"\n\n[host."http://127.0.0.1:5000"]\n  capabilities = ["pull", "resolve"]\n');
    assert.match(hostsToml({ host: 'reg.local', caFile: '/etc/reg-ca.pem' }), /^server = "https:\/\/reg\.local"\n[\s\S]*\n {2}ca = "\/etc\/reg-ca\.pem"\n$/);
  });

  it('writes hosts.toml where the rendered containerd config looks for it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-rh-'));
    try {
      const file = configureRegistryHost(dir, { host: '127.0.0.1:5000', plainHttp: true });
      assert.equal(file, join(dir, 'certs.d', '127.0.0.1:5000', 'hosts.toml'));
      assert.match(readFileSync(file, 'utf8'), /^server = "http:\/\/127\.0\.0\.1:5000"/);
      assert.ok(renderConfig({ dir }).includes(`config_path = "${join(dir, 'certs.d')}"`));
      removeRegistryHost(dir, '127.0.0.1:5000');
      assert.equal(existsSync(file), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
