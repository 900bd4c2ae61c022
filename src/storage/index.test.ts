import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createBackend, isStorageError } from './index.ts';

describe('createBackend', () => {
  it('opens the embedded SQLite store for a data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-storage-'));
    try {
      const b = await createBackend({ dataDir: dir });
      assert.equal(b.name, 'sqlite');
      await b.create('/x', 'y');
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a configuration with neither dataDir nor endpoints, and an empty endpoint list', async () => {
    await assert.rejects(createBackend({} as never), (err) => isStorageError(err, 'Unavailable') && /dataDir.*endpoints/.test((err as Error).message));
    await assert.rejects(createBackend({ endpoints: [] }), (err) => isStorageError(err, 'Unavailable'));
  });
});
