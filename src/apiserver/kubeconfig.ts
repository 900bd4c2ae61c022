// Writes a kubeconfig with embedded credentials (mode 0600), as the
// admin's and each component's.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  caPem: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
  clusterName?: string;
  userName?: string;
}

export function kubeconfigYaml(o: KubeconfigOptions): string {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const cluster = o.clusterName ?? 'default';
  const user = o.userName ?? 'default';
  return stringify({
    apiVersion: 'v1', kind: 'Config', preferences: {}, 'current-context': 'default',
    clusters: [{ name: cluster, cluster: { server: o.server, 'certificate-authority-data': b64(o.caPem) } }],
    contexts: [{ name: 'default', context: { cluster, user } }],
    users: [{
      name: user,
      user: {
        ...(o.certPem ? { 'client-certificate-data': b64(o.certPem) } : {}),
        ...(o.keyPem ? { 'client-key-data': b64(o.keyPem) } : {}),
        ...(o.token ? { token: o.token } : {}),
      },
    }],
  });
}

export async function writeKubeconfig(path: string, o: KubeconfigOptions): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, kubeconfigYaml(o), { mode: 0o600 });
}
