// Host-side volume plumbing: emptyDir directories (on disk or tmpfs),
// hostPath type checks with upstream's messages, tmpfs mounts and the
// teardown that unmounts and removes a pod's volume directories.
import { execFile } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parseQuantity, unitValue } from '../../machinery/quantity.ts';

const run = promisify(execFile);

/** Mount points at or under dir (deepest first), from /proc/self/mounts. */
export function mountsUnder(dir: string, mounts = readFileSync('/proc/self/mounts', 'utf8')): string[] {
  const points = mounts.split('\n').map((l) => l.split(' ')[1]).filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, ' ')).filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export async function mountTmpfs(dir: string, sizeLimit?: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (mountsUnder(dir).includes(dir)) return;
  const opts = ['mode=0777'];
  if (sizeLimit) opts.push(`size=${unitValue(parseQuantity(sizeLimit))}`);
  await run('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', dir]);
}

/** An emptyDir: a world-writable directory, on tmpfs when its medium is Memory. */
export async function setupEmptyDir(dir: string, source: any): Promise<void> {
  if (source?.medium === 'Memory') await mountTmpfs(dir, source.sizeLimit);
  else mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
}

/** Upstream's hostPath type check; creates the path for the *OrCreate types. */
export function checkHostPath(path: string, type: string | undefined): void {
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  const fail = (what: string) => new Error(`hostPath type check failed: ${path} is not a ${what}`);
  switch (type ?? '') {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st) {
        mkdirSync(path, { recursive: true, mode: 0o755 });
        return;
      }
      if (!st.isDirectory()) throw fail('directory');
      return;
    case 'Directory':
      if (!st?.isDirectory()) throw fail('directory');
      return;
    case 'FileOrCreate':
      if (!st) {
        closeSync(openSync(path, 'a', 0o644));
        return;
      }
      if (!st.isFile()) throw fail('file');
      return;
    case 'File':
      if (!st?.isFile()) throw fail('file');
      return;
    case 'Socket':
      if (!st?.isSocket()) throw fail('socket file');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw fail('character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw fail('block device');
      return;
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}

/** Unmounts whatever is mounted under the pod's directory and removes it. */
export async function teardownPodDir(podDir: string): Promise<void> {
  if (!existsSync(podDir)) return;
  for (const p of mountsUnder(podDir)) await run('umount', [p]).catch(() => run('umount', ['-l', p]));
  if (mountsUnder(podDir).length) throw new Error(`volumes of ${podDir} are still mounted`);
  // Asynchronous: removing a pod's files can take tens of milliseconds on a busy disk, time the kubelet's thread needs for other pods.
  await rm(podDir, { recursive: true, force: true });
}
