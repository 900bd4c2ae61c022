// Projects a set of files into a volume directory so that readers never see
// a half-written state, the way upstream's AtomicWriter does: the files go
// into a fresh `..<timestamp>` directory, the `..data` symlink is swapped to
// it with one rename, and each top-level name is a symlink through `..data`.
// Unchanged payloads are left alone, so a periodic re-sync costs a compare.
// Every file operation is asynchronous: on a busy disk each one can wait
// milliseconds for the journal, and a burst of pods would otherwise stall the
// kubelet's one thread (and every other pod's CRI calls) behind them.
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface FileProjection {
  data: Buffer;
  mode: number;
}

export const DATA_DIR = '..data';
const DATA_TMP = '..data_tmp';

/** Upstream's path rules for payload keys: relative, no `..` element, not starting with `..`. */
export function validatePayloadPath(p: string): string | undefined {
  if (!p) return 'invalid path: must not be empty';
  if (p.startsWith('/')) return `invalid path: must be relative path: ${p}`;
  if (p.split('/').includes('..')) return `invalid path: must not contain '..': ${p}`;
  if (p.startsWith('..')) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.`;
}

/** Whether the files under `..data` are exactly the payload (content and mode). */
async function sameAsCurrent(dir: string, payload: Map<string, FileProjection>): Promise<boolean> {
  const data = join(dir, DATA_DIR);
  const present: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await readdir(join(data, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else present.push(r);
    }
  };
  try {
    await walk('');
    if (present.length !== payload.size) return false;
    for (const [p, f] of payload) {
      const file = join(data, p);
      if (((await stat(file)).mode & 0o7777) !== f.mode) return false;
      if (!(await readFile(file)).equals(f.data)) return false;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // no ..data yet, or a file missing from it
    throw err;
  }
  return true;
}

const readlinkOrUndefined = (path: string): Promise<string | undefined> => readlink(path).catch((err) => {
  if (err.code === 'ENOENT' || err.code === 'EINVAL') return undefined; // absent, or not a symlink
  throw err;
});

/** Writes the payload into dir atomically; resolves to whether anything changed. */
export async function writeAtomic(dir: string, payload: Map<string, FileProjection>, now: Date = new Date()): Promise<boolean> {
  for (const p of payload.keys()) {
    const bad = validatePayloadPath(p);
    if (bad) throw new Error(bad);
  }
  await mkdir(dir, { recursive: true });
  if (await sameAsCurrent(dir, payload)) return false;
  const previous = await readlinkOrUndefined(join(dir, DATA_DIR));
  const tsDir = await mkdtemp(join(dir, stamp(now)));
  await chmod(tsDir, 0o755);
  for (const [p, f] of payload) {
    const file = join(tsDir, p);
    if (p.includes('/')) await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, f.data, { mode: f.mode });
    // The create mode is filtered by the umask: set it exactly.
    await chmod(file, f.mode);
  }
  const tsName = tsDir.slice(dir.length + 1);
  await rm(join(dir, DATA_TMP), { force: true });
  await symlink(tsName, join(dir, DATA_TMP));
  await rename(join(dir, DATA_TMP), join(dir, DATA_DIR));
  const wanted = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const name of wanted) {
    const link = join(dir, name);
    const target = `${DATA_DIR}/${name}`;
    const current = await readlinkOrUndefined(link);
    if (current === target) continue;
    await rm(link, { recursive: true, force: true });
    await symlink(target, link);
  }
  for (const name of await readdir(dir)) {
    if (name.startsWith('..') || wanted.has(name)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
  }
  if (previous && previous !== tsName) await rm(join(dir, previous), { recursive: true, force: true });
  return true;
}
