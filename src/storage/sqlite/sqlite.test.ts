import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformance } from '../conformance.ts';
import { createSqliteBackend } from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-'));
let n = 0;

runConformance('sqlite', {
  newBackend: () => createSqliteBackend({ dataDir: join(root, String(n++)) }),
  cleanup: async () => rmSync(root, { recursive: true, force: true }),
});
