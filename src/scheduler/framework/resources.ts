// Pod resource requests as the scheduler counts them (upstream's
// resourcehelper.PodRequests): app containers plus the sidecars that keep
// running, or the largest init step if bigger, plus pod overhead.
import { milliValue, value } from './quantity.ts';

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  /** Extended resources, hugepages and anything else, by name. */
  scalar: Record<string, number>;
}

export const DEFAULT_MILLI_CPU_REQUEST = 100; // 0.1 core
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024; // 200 MB

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: {} };
}

export function resourceFromList(list: Record<string, string | number> | undefined): Resource {
  const r = emptyResource();
  for (const [name, q] of Object.entries(list ?? {})) {
    if (name === 'cpu') r.milliCPU = milliValue(q);
    else if (name === 'memory') r.memory = value(q);
    else if (name === 'ephemeral-storage') r.ephemeralStorage = value(q);
    else if (name === 'pods') r.allowedPodNumber = value(q);
    else r.scalar[name] = value(q);
  }
  return r;
}

export function addTo(dst: Resource, src: Resource, sign = 1): void {
  dst.milliCPU += sign * src.milliCPU;
  dst.memory += sign * src.memory;
  dst.ephemeralStorage += sign * src.ephemeralStorage;
  // for…in: this runs for every pod added to or removed from a node (and for every preemption dry-run step).
  for (const k in src.scalar) dst.scalar[k] = (dst.scalar[k] ?? 0) + sign * src.scalar[k];
}

function maxInto(dst: Resource, src: Resource): void {
  dst.milliCPU = Math.max(dst.milliCPU, src.milliCPU);
  dst.memory = Math.max(dst.memory, src.memory);
  dst.ephemeralStorage = Math.max(dst.ephemeralStorage, src.ephemeralStorage);
  for (const [k, v] of Object.entries(src.scalar)) dst.scalar[k] = Math.max(dst.scalar[k] ?? 0, v);
}

export function cloneResource(r: Resource): Resource {
  return { ...r, scalar: { ...r.scalar } };
}

function containerRequests(c: any, nonZero: boolean): Resource {
  const r = resourceFromList(c.resources?.requests);
  if (nonZero) {
    const req = c.resources?.requests ?? {};
    if (req.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (req.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * The pod's effective requests. With nonZero, containers that request no
 * cpu or memory count the defaults (100m, 200MB), as scoring does so that
 * best-effort pods still spread.
 */
export function podRequests(pod: any, nonZero = false): Resource {
  const spec = pod.spec ?? {};
  const apps = emptyResource();
  for (const c of spec.containers ?? []) addTo(apps, containerRequests(c, nonZero));
  const sidecars = emptyResource();
  const initMax = emptyResource();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      // A sidecar keeps running: it adds to every later step and to the app containers.
      addTo(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      const step = cloneResource(r);
      addTo(step, sidecars);
      maxInto(initMax, step);
    }
  }
  addTo(apps, sidecars);
  maxInto(apps, initMax);
  if (spec.overhead) addTo(apps, resourceFromList(spec.overhead));
  return apps;
}
