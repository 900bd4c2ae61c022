// Builds OCI image-layout tarballs offline (no registry is reachable from
// our machines): one uncompressed layer holding a static busybox and its
// applet links, an image config, a manifest and index.json, with sha256
// digests. `ctr images import` reads the result; the io.containerd.image.name
// annotation gives the image its full reference.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface TarEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode?: number;
  data?: Buffer;
  target?: string;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  const name = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: path too long: ${name}`);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? (e.type === 'dir' ? 0o755 : 0o644), 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid root
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid root
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(0, 12), 136, 12, 'ascii'); // a fixed mtime keeps digests reproducible
  h.write('        ', 148, 8, 'ascii');
  h.write(e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0', 156, 1, 'ascii');
  if (e.target) h.write(e.target, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

/** A ustar archive of the entries, in order. */
export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === 'file' ? e.data ?? Buffer.alloc(0) : Buffer.alloc(0);
    parts.push(header(e, data.length), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function sha256(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export const BUSYBOX_APPLETS = [
  'sh', 'ash', 'sleep', 'echo', 'cat', 'ls', 'wget', 'httpd', 'nc', 'env', 'true', 'false', 'test', '[', 'touch', 'mkdir', 'rm',
  'ps', 'kill', 'date', 'hostname', 'ip', 'ifconfig', 'nslookup', 'ping', 'grep', 'sed', 'head', 'tail', 'wc', 'id', 'sync', 'printf', 'timeout',
  // kubectl cp runs tar in the container (and test -d); the rest is the everyday shell kit.
  'tar', 'cp', 'mv', 'ln', 'chmod', 'chown', 'find', 'stat', 'du', 'df', 'dd', 'xargs', 'awk', 'cut', 'sort', 'uniq', 'tr', 'tee',
  'md5sum', 'sha256sum', 'basename', 'dirname', 'readlink', 'realpath', 'mktemp', 'seq', 'yes', 'uname', 'whoami', 'pwd', 'expr',
  'base64', 'gzip', 'gunzip', 'zcat', 'free', 'top', 'uptime', 'which', 'rmdir', 'mkfifo', 'nproc', 'pidof', 'killall', 'netstat',
  'route', 'traceroute', 'telnet', 'vi', 'less', 'diff', 'usleep', 'mount', 'umount', 'od', 'hexdump', 'xxd', 'nsenter', 'setsid', 'tac',
];

/** The root filesystem layer: /bin/busybox, its applets as symlinks, and the usual empty directories. */
export function busyboxLayer(busybox: Buffer): Buffer {
  const entries: TarEntry[] = [
    { path: 'bin', type: 'dir' },
    { path: 'bin/busybox', type: 'file', mode: 0o755, data: busybox },
    ...BUSYBOX_APPLETS.map((a): TarEntry => ({ path: `bin/${a}`, type: 'symlink', target: 'busybox', mode: 0o777 })),
    { path: 'etc', type: 'dir' },
    { path: 'etc/passwd', type: 'file', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n') },
    { path: 'etc/group', type: 'file', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
    { path: 'root', type: 'dir', mode: 0o700 },
    { path: 'tmp', type: 'dir', mode: 0o1777 },
    { path: 'var', type: 'dir' },
    { path: 'var/www', type: 'dir' },
    { path: 'proc', type: 'dir' }, { path: 'sys', type: 'dir' }, { path: 'dev', type: 'dir' },
  ];
  return tar(entries);
}

export interface ImageSpec {
  /** Full reference, e.g. k8ts.local/busybox:1 */
  name: string;
  entrypoint?: string[];
  cmd?: string[];
}

export function ociArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

/** An OCI image layout (as a tar) holding each image, all sharing one layer. */
export function imageLayout(layer: Buffer, images: ImageSpec[]): Buffer {
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer): { digest: string; size: number } => {
    const digest = sha256(b);
    blobs.set(digest, b);
    return { digest, size: b.length };
  };
  const layerDesc = put(layer);
  const manifests = images.map((img) => {
    const config = Buffer.from(JSON.stringify({
      architecture: ociArch(), os: 'linux', created: '1970-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], WorkingDir: '/', Entrypoint: img.entrypoint, Cmd: img.cmd },
      rootfs: { type: 'layers', diff_ids: [layerDesc.digest] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'k8ts: busybox-static layer' }],
    }));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerDesc }],
    }));
    const tag = img.name.slice(img.name.lastIndexOf(':') + 1);
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json', ...put(manifest),
      platform: { architecture: ociArch(), os: 'linux' },
      annotations: { 'io.containerd.image.name': img.name, 'org.opencontainers.image.ref.name': tag },
    };
  });
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
  return tar([
    { path: 'oci-layout', type: 'file', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { path: 'index.json', type: 'file', data: Buffer.from(JSON.stringify(index)) },
    { path: 'blobs', type: 'dir' },
    { path: 'blobs/sha256', type: 'dir' },
    ...[...blobs].map(([d, b]): TarEntry => ({ path: `blobs/sha256/${d.slice(7)}`, type: 'file', data: b })),
  ]);
}

export const PAUSE_IMAGE = 'k8ts.local/pause:1';
export const BUSYBOX_IMAGE = 'k8ts.local/busybox:1';

/** One busybox-based image alone in its layout (what skopeo copies to a registry). */
export function singleImage(spec: ImageSpec, busyboxPath = '/bin/busybox'): Buffer {
  return imageLayout(busyboxLayer(readFileSync(busyboxPath)), [spec]);
}

/** The two images every k8ts node has: the sandbox (pause) image and busybox for workloads and tests. */
export const DEFAULT_IMAGES: ImageSpec[] = [
  { name: PAUSE_IMAGE, entrypoint: ['/bin/sleep', 'infinity'] },
  { name: BUSYBOX_IMAGE, cmd: ['sh'] },
];

export function defaultImages(busyboxPath = '/bin/busybox'): Buffer {
  return imageLayout(busyboxLayer(readFileSync(busyboxPath)), DEFAULT_IMAGES);
}
