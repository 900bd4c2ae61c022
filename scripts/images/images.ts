// The test images, built offline from Debian's busybox-static (see
// src/kubelet/containerd/oci.ts), written as OCI archives, imported into a
// containerd with ctr, or pushed to a registry with skopeo.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_IMAGES, defaultImages, singleImage } from '../../src/kubelet/containerd/oci.ts';
import type { ImageSpec } from '../../src/kubelet/containerd/oci.ts';

const run = promisify(execFile);

/** Every image the project builds: the sandbox (pause) image and busybox (sh, httpd, nc, wget, nslookup, tar, …). */
export const IMAGES: ImageSpec[] = DEFAULT_IMAGES;

/** Writes all-images.tar (for `ctr images import`) and one OCI archive per image (for skopeo); returns their paths by image name. */
export function writeImageArchives(dir: string): { all: string; each: Map<string, string> } {
  mkdirSync(dir, { recursive: true });
  const all = join(dir, 'all-images.tar');
  writeFileSync(all, defaultImages());
  const each = new Map<string, string>();
  for (const spec of IMAGES) {
    const file = join(dir, `${spec.name.replace(/[^a-zA-Z0-9.-]+/g, '_')}.tar`);
    writeFileSync(file, singleImage(spec));
    each.set(spec.name, file);
  }
  return { all, each };
}

/** The reference an image gets in a registry: its repository path without the k8ts.local host, e.g. 127.0.0.1:5000/busybox:1. */
export function registryRef(registry: string, image: string): string {
  return `${registry}/${image.replace(/^k8ts\.local\//, '')}`;
}

export interface PushOptions {
  /** host:port of the registry */
  registry: string;
  /** user:password */
  creds?: string;
  /** false for a plain-HTTP or self-signed registry */
  tlsVerify?: boolean;
}

/** Copies one OCI archive to registry/ref with skopeo. */
export async function pushArchive(archive: string, ref: string, o: PushOptions): Promise<void> {
  await run('skopeo', ['copy', '--quiet', '--insecure-policy', `--dest-tls-verify=${o.tlsVerify ?? true}`,
    ...(o.creds ? ['--dest-creds', o.creds] : []), `oci-archive:${archive}`, `docker://${ref}`], { timeout: 120_000 });
}

/** Pushes every image to the registry; returns the references pushed. */
export async function pushImages(dir: string, o: PushOptions): Promise<string[]> {
  const { each } = writeImageArchives(dir);
  const refs: string[] = [];
  for (const [name, archive] of each) {
    const ref = registryRef(o.registry, name);
    await pushArchive(archive, ref, o);
    refs.push(ref);
  }
  return refs;
}

/** Imports every image into the containerd at address (namespace k8s.io, as the CRI plugin sees it). */
export async function importImages(dir: string, address: string): Promise<void> {
  const { all } = writeImageArchives(dir);
  await run('ctr', ['--address', address, '--namespace', 'k8s.io', 'images', 'import', all], { timeout: 120_000 });
}
