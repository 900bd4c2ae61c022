// Projects a set of files into a volume directory so that readers never see
// a half-written state, the way upstream's AtomicWriter does: the files go
// into a fresh `..<timestamp>` directory, the `..data` symlink is swapped to
// it with one rename, and each top-level name is a symlink through `..data`.
// Unchanged payloads are left alone, so a periodic re-sync costs a compare.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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
function sameAsCurrent(dir: string, payload: Map<string, FileProjection>): boolean {
  const data = join(dir, DATA_DIR);
  if (!existsSync(data)) return false;
  const present: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(data, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else present.push(r);
    }
  };
  walk('');
  if (present.length !== payload.size) return false;
  for (const [p, f] of payload) {
    const file = join(data, p);
    if (!existsSync(file)) return false;
    if ((statSync(file).mode & 0o7777) !== f.mode) return false;
    if (!readFileSync(file).equals(f.data)) return false;
  }
  return true;
}

/** Writes the payload into dir atomically; returns whether anything changed. */
export function writeAtomic(dir: string, payload: Map<string, FileProjection>, now: Date = new Date()): boolean {
  for (const p of payload.keys()) {
    const bad = validatePayloadPath(p);
    if (bad) throw new Error(bad);
  }
  mkdirSync(dir, { recursive: true });
  if (sameAsCurrent(dir, payload)) return false;
  const previous = existsSync(join(dir, DATA_DIR)) ? readlinkSync(join(dir, DATA_DIR)) : undefined;
  const tsDir = mkdtempSync(join(dir, stamp(now)));
  chmodSync(tsDir, 0o755);
  for (const [p, f] of payload) {
    const file = join(tsDir, p);
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, f.data);
    chmodSync(file, f.mode);
  }
  const tsName = tsDir.slice(dir.length + 1);
  rmSync(join(dir, DATA_TMP), { force: true });
  symlinkSync(tsName, join(dir, DATA_TMP));
  renameSync(join(dir, DATA_TMP), join(dir, DATA_DIR));
  const wanted = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const name of wanted) {
    const link = join(dir, name);
    const target = `${DATA_DIR}/${name}`;
    let current: string | undefined;
    try {
      current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : undefined;
    } catch {
      current = undefined;
    }
    if (current === target) continue;
    rmSync(link, { recursive: true, force: true });
    symlinkSync(target, link);
  }
  for (const name of readdirSync(dir)) {
    if (name.startsWith('..') || wanted.has(name)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
  if (previous && previous !== tsName) rmSync(join(dir, previous), { recursive: true, force: true });
  return true;
}
