// Child process for src/storage/sqlite/crash.test.ts: writes as fast as it can
// with 16 concurrent writers and prints one line per acknowledged write,
// "<key> <revision> <value>", until the parent kills it. Stdout on a pipe is
// synchronous on Linux, so a printed line was acknowledged before the kill.
import { createSqliteBackend } from '../../src/storage/sqlite/index.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crash-child.ts <dataDir>');
const backend = await createSqliteBackend({ dataDir, compactInterval: 0 });
const writers = 16;

async function writer(id: number): Promise<never> {
  for (let n = 0; ; n++) {
    const key = `/crash/${process.pid}/w${id}/k${n % 50}`;
    const value = `w${id}-n${n}`;
    const existing = n >= 50 ? (await backend.get(key)).kv : null;
    const kv = existing ? await backend.update(key, value, existing.modRevision) : await backend.create(key, value);
    process.stdout.write(`${key} ${kv.modRevision} ${value}\n`);
  }
}

await Promise.all(Array.from({ length: writers }, (_, i) => writer(i)));
