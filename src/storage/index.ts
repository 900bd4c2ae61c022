// Picks the storage backend from the server's configuration: the embedded
// SQLite database under the data directory, or an external etcd cluster.
import { StorageError } from './backend.ts';
import type { Backend } from './backend.ts';
import { createSqliteBackend } from './sqlite/index.ts';
import type { SqliteConfig } from './sqlite/index.ts';
import type { EtcdConfig } from './etcd/index.ts';

export type { Backend } from './backend.ts';
export { StorageError, isStorageError, MAX_VALUE_BYTES } from './backend.ts';
export { createMemoryBackend } from './memory/index.ts';
export { createSqliteBackend } from './sqlite/index.ts';

/** etcd endpoints, client TLS (PEM or *File paths) and options: see ./etcd/index.ts. */
export type EtcdStorageConfig = EtcdConfig;

export type StorageConfig = SqliteConfig | EtcdStorageConfig;

export async function createBackend(config: StorageConfig): Promise<Backend> {
  if ('endpoints' in config && config.endpoints !== undefined) {
    if (!Array.isArray(config.endpoints) || config.endpoints.length === 0) {
      throw new StorageError('Unavailable', 'etcd storage needs at least one endpoint');
    }
    // Loaded lazily: the etcd client is only needed by servers that use it.
    let mod: { createEtcdBackend: (c: EtcdConfig) => Promise<Backend> };
    try {
      mod = await import('./etcd/index.ts');
    } catch (err) {
      throw new StorageError('Unsupported', `the etcd backend cannot be loaded: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return mod.createEtcdBackend(config);
  }
  if ('dataDir' in config && typeof config.dataDir === 'string') return createSqliteBackend(config as SqliteConfig);
  throw new StorageError('Unavailable', 'storage configuration needs either dataDir (embedded SQLite) or endpoints (etcd)');
}
