// A pod's volumes on this node: each is prepared under
// <root>/pods/<uid>/volumes/<plugin>/<name> before the containers start (API
// data volumes are re-projected on every setup, so running pods see updates;
// claims resolve to their bound PV's directory: claims.ts),
// and each container's volumeMounts become CRI mounts (subPath, readOnly).
import { realpathSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './atomic-writer.ts';
import { checkHostPath, setupEmptyDir, teardownPodDir } from './host.ts';
import { volumePayload } from './projection.ts';
import { releaseClaims, setupClaim } from './claims.ts';
import { podTokens } from './tokens.ts';
import type { ObjectSource } from './projection.ts';
import type { Allocatable } from './downward.ts';
import { expand } from '../spec.ts';

export interface CriMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
}

export interface PreparedVolume {
  path: string;
  /** API data volumes are always mounted read-only, as upstream does. */
  readOnly: boolean;
}

export interface VolumeFailure {
  volume: string;
  message: string;
}

const PLUGINS: [string, string][] = [
  ['emptyDir', 'kubernetes.io~empty-dir'], ['configMap', 'kubernetes.io~configmap'], ['secret', 'kubernetes.io~secret'],
  ['downwardAPI', 'kubernetes.io~downward-api'], ['projected', 'kubernetes.io~projected'],
];

export function podDir(rootDir: string, uid: string): string {
  return join(rootDir, 'pods', uid);
}

/** Whether the pod has volumes whose content follows API objects or pod fields (and so needs re-syncing). */
export function hasRefreshableVolumes(pod: any): boolean {
  return (pod.spec?.volumes ?? []).some((v: any) => v.configMap || v.secret || v.downwardAPI || v.projected);
}

/** Prepares every volume of the pod; failures are reported per volume with upstream's SetUp messages. */
export async function setupVolumes(pod: any, rootDir: string, src: ObjectSource, alloc: Allocatable, now: Date = new Date()):
  Promise<{ volumes: Map<string, PreparedVolume>; failures: VolumeFailure[] }> {
  const volumes = new Map<string, PreparedVolume>();
  const failures: VolumeFailure[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    try {
      if (v.hostPath) {
        checkHostPath(v.hostPath.path, v.hostPath.type);
        volumes.set(v.name, { path: v.hostPath.path, readOnly: false });
        continue;
      }
      if (v.persistentVolumeClaim) {
        volumes.set(v.name, await setupClaim(pod, v, src));
        continue;
      }
      const plugin = PLUGINS.find(([field]) => v[field]);
      if (!plugin) throw new Error('volume type is not supported by this kubelet');
      const dir = join(podDir(rootDir, pod.metadata.uid), 'volumes', plugin[1], v.name);
      if (v.emptyDir) {
        await setupEmptyDir(dir, v.emptyDir);
        volumes.set(v.name, { path: dir, readOnly: false });
        continue;
      }
      const payload = await volumePayload(pod, v, src, alloc);
      // Upstream keeps secrets on tmpfs; here they sit on disk under the root dir, because a
      // kubelet that stops leaves pods running and nothing would unmount them with the node.
      await writeAtomic(dir, payload, now);
      volumes.set(v.name, { path: dir, readOnly: true });
    } catch (err) {
      failures.push({ volume: v.name, message: (err as Error).message });
    }
  }
  return { volumes, failures };
}

/** Upstream's subPath checks: relative, no `..`, and it must resolve inside the volume. */
function subPathHost(volumePath: string, subPath: string, mountName: string, containerName: string): string {
  if (subPath.startsWith('/')) throw new Error(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..')) throw new Error(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  const joined = join(volumePath, subPath);
  if (!existsSync(joined)) {
    try {
      mkdirSync(joined, { recursive: true, mode: statSync(volumePath).mode & 0o7777 });
    } catch {
      throw new Error(`failed to create subPath directory for volumeMount "${mountName}" of container "${containerName}"`);
    }
  }
  const base = realpathSync(volumePath);
  const real = realpathSync(joined);
  if (real !== base && !real.startsWith(`${base}/`)) throw new Error(`subpath "${real}" not within volume path "${base}"`);
  return real;
}

/** The CRI mounts of one container; env is used for subPathExpr. Throws on a bad mount (CreateContainerConfigError). */
export function containerMounts(c: any, volumes: Map<string, PreparedVolume>, env: Map<string, string>): CriMount[] {
  const out: CriMount[] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    if (!v) throw new Error(`cannot find volume "${m.name}" to mount into container "${c.name}"`);
    const sub = m.subPathExpr ? expand(m.subPathExpr, env) : m.subPath;
    const hostPath = sub ? subPathHost(v.path, sub, m.name, c.name) : v.path;
    out.push({ containerPath: m.mountPath, hostPath, readonly: !!m.readOnly || v.readOnly });
  }
  return out;
}

export async function teardownVolumes(rootDir: string, uid: string): Promise<void> {
  releaseClaims(uid);
  podTokens.forget(uid);
  await teardownPodDir(podDir(rootDir, uid));
}
