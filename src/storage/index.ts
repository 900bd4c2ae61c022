// Picks the storage backend from the server's configuration: the embedded
// SQLite database under the data directory, or an external etcd cluster.
import { StorageError } from './backend.ts';
import type { Backend } from './backend.ts';
import { createSqliteBackend } from './sqlite/index.ts';
import type { SqliteConfig } from './sqlite/index.ts';

export type { Backend } from './backend.ts';
export { StorageError, isStorageError, MAX_VALUE_BYTES } from './backend.ts';
export { createMemoryBackend } from './memory/index.ts';
export { createSqliteBackend } from './sqlite/index.ts';

export interface EtcdStorageConfig {
  endpoints: string[];
  /** Client TLS for the etcd endpoints (k3s: --datastore-cafile/-certfile/-keyfile). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  [option: string]: unknown;
}

export type StorageConfig = SqliteConfig | EtcdStorageConfig;

export async function createBackend(config: StorageConfig): Promise<Backend> {
  if ('endpoints' in config && config.endpoints !== undefined) {
    if (!Array.isArray(config.endpoints) || config.endpoints.length === 0) {
      throw new StorageError('Unavailable', 'etcd storage needs at least one endpoint');
    }
    // Loaded lazily: the etcd client is only needed by servers that use it.
    const modulePath = './etcd/index.ts';
    let mod: { createEtcdBackend?: (c: EtcdStorageConfig) => Promise<Backend> | Backend };
    try {
      mod = (await import(modulePath)) as typeof mod;
    } catch (err) {
      throw new StorageError('Unsupported', `the etcd backend cannot be loaded: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (typeof mod.createEtcdBackend !== 'function') {
      throw new StorageError('Unsupported', 'the etcd backend module does not export createEtcdBackend');
    }
    return mod.createEtcdBackend(config);
  }
  if ('dataDir' in config && typeof config.dataDir === 'string') return createSqliteBackend(config as SqliteConfig);
  throw new StorageError('Unavailable', 'storage configuration needs either dataDir (embedded SQLite) or endpoints (etcd)');
}
