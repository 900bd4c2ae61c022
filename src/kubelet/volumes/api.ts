// What volumes and env read from the API and the host: ConfigMaps and
// Secrets (absent ones as undefined), the Services a pod's link variables
// come from, and the node's allocatable for unset resource limits.
import { statfsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Allocatable } from './downward.ts';
import type { ObjectSource } from './projection.ts';
import { podTokens, tokenRequester } from './tokens.ts';

const CONFIGMAPS = RESOURCES.find((r) => r.group === '' && r.resource === 'configmaps')!;
const SECRETS = RESOURCES.find((r) => r.group === '' && r.resource === 'secrets')!;
const PVCS = RESOURCES.find((r) => r.group === '' && r.resource === 'persistentvolumeclaims')!;
const PVS = RESOURCES.find((r) => r.group === '' && r.resource === 'persistentvolumes')!;

let allocatable: Allocatable | undefined;
export function nodeAllocatable(rootDir: string): Allocatable {
  if (!allocatable) {
    let disk = 0;
    try {
      const fs = statfsSync(rootDir);
      disk = fs.blocks * fs.bsize;
    } catch { /* the root dir is not there yet: no disk figure */ }
    allocatable = { cpuMilli: cpus().length * 1000, memoryBytes: totalmem(), ephemeralStorageBytes: disk };
  }
  return allocatable;
}

/** Reads an object, undefined when it does not exist. */
async function getOrUndefined(client: Client, r: typeof CONFIGMAPS, ns: string, name: string): Promise<any | undefined> {
  try {
    return await client.get(r, ns, name);
  } catch (err) {
    if ((err as any)?.status?.code === 404) return undefined;
    throw err;
  }
}

/** ConfigMaps, Secrets and claims of one namespace (and PVs), read through the API. */
export function apiObjects(client: Client, ns: string): ObjectSource {
  return {
    configMap: (name) => getOrUndefined(client, CONFIGMAPS, ns, name),
    secret: (name) => getOrUndefined(client, SECRETS, ns, name),
    claim: (name) => getOrUndefined(client, PVCS, ns, name),
    volume: (name) => getOrUndefined(client, PVS, '', name),
    serviceAccountToken: (pod, source) => podTokens.get(pod, source, tokenRequester(client)),
  };
}

/** Where the Services for a pod's link variables come from: the kubelet's informer cache. */
export interface ServiceSource {
  list(namespace: string): any[];
  get(namespace: string, name: string): any | undefined;
}

/** The Services whose variables the pod may get: its namespace's (with enableServiceLinks) and default/kubernetes. */
export function podServiceList(services: ServiceSource, pod: any): any[] {
  const ns = pod.metadata.namespace;
  const own = pod.spec.enableServiceLinks ?? true ? services.list(ns) : [];
  const master = ns === 'default' && own.length ? undefined : services.get('default', 'kubernetes');
  return master ? [master, ...own] : own;
}
