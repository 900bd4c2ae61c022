// containerd's per-registry host configuration (hosts.toml under the
// config_path our config template sets): how a node reaches a registry that
// is not plain HTTPS with a public CA, such as a local test registry on
// 127.0.0.1 that speaks HTTP, or one with its own CA.
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface RegistryHost {
  /** host[:port] as images name it, e.g. 127.0.0.1:5000 */
  host: string;
  /** The registry speaks plain HTTP. */
  plainHttp?: boolean;
  /** PEM file of the CA that signed the registry's certificate. */
  caFile?: string;
}

/** Where containerd (started with our template and this dir) looks for hosts.toml files. */
export function registryConfigDir(containerdDir: string): string {
  return join(containerdDir, 'certs.d');
}

export function hostsToml(r: RegistryHost): string {
  const server = `${r.plainHttp ? 'http' : 'https'}://${r.host}`;
  return [
    `server = "${server}"`,
    '',
    `[host."${server}"]`,
    '  capabilities = ["pull", "resolve"]',
    ...(r.caFile ? [`  ca = "${r.caFile}"`] : []),
    '',
  ].join('\n');
}

/** Writes (or replaces) the registry's hosts.toml for the containerd under containerdDir. */
export function configureRegistryHost(containerdDir: string, r: RegistryHost): string {
  const dir = join(registryConfigDir(containerdDir), r.host);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'hosts.toml');
  writeFileSync(file, hostsToml(r));
  return file;
}

export function removeRegistryHost(containerdDir: string, host: string): void {
  rmSync(join(registryConfigDir(containerdDir), host), { recursive: true, force: true });
}
