// Writes the pod-level cgroup (cgroupfs layout) before the sandbox starts,
// so that the runtime puts the pod's containers under limits that cover the
// whole pod, as upstream's pod container manager does. Works on cgroup v1
// (cpu and memory hierarchies) and v2 (unified: cpu.weight, cpu.max,
// memory.max).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CPU_PERIOD_US } from './qos.ts';
import type { PodResourceConfig } from './qos.ts';

const ROOT = '/sys/fs/cgroup';

/** cgroup v2's cpu.weight for v1 shares (the conversion runc uses). */
export function sharesToWeight(shares: number): number {
  return shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** The files to write and their contents, per cgroup directory (relative to /sys/fs/cgroup). */
export function cgroupWrites(path: string, cfg: PodResourceConfig, unified: boolean): [string, string][] {
  const rel = path.replace(/^\/+/, '');
  if (unified) {
    return [
      [join(rel, 'cpu.weight'), String(sharesToWeight(cfg.cpuShares))],
      [join(rel, 'cpu.max'), `${cfg.cpuQuota ?? 'max'} ${CPU_PERIOD_US}`],
      [join(rel, 'memory.max'), cfg.memoryLimit === undefined ? 'max' : String(cfg.memoryLimit)],
    ];
  }
  return [
    [join('cpu', rel, 'cpu.shares'), String(cfg.cpuShares)],
    [join('cpu', rel, 'cpu.cfs_period_us'), String(CPU_PERIOD_US)],
    [join('cpu', rel, 'cpu.cfs_quota_us'), String(cfg.cpuQuota ?? -1)],
    [join('memory', rel, 'memory.limit_in_bytes'), String(cfg.memoryLimit ?? -1)],
  ];
}

/** Creates the pod cgroup and applies its limits; returns what could not be written (best effort, the runtime creates what is missing). */
export function applyPodCgroup(path: string, cfg: PodResourceConfig): string[] {
  const unified = existsSync(join(ROOT, 'cgroup.controllers'));
  if (unified) {
    // Children of a v2 cgroup get only the controllers their parents delegate.
    const parts = path.replace(/^\/+/, '').split('/');
    for (let i = 0; i < parts.length; i++) {
      const dir = join(ROOT, ...parts.slice(0, i));
      try {
        writeFileSync(join(dir, 'cgroup.subtree_control'), '+cpu +memory');
      } catch {
        // already delegated, or not allowed here: the writes below tell
      }
    }
  }
  const failed: string[] = [];
  for (const [file, value] of cgroupWrites(path, cfg, unified)) {
    const full = join(ROOT, file);
    try {
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, value);
    } catch (err) {
      failed.push(`${full}: ${(err as Error).message}`);
    }
  }
  return failed;
}
