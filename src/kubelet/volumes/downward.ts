// The downward API's values (pure): pod fields for volume files and env,
// and container resources with a divisor, following upstream's rules
// (labels and annotations as sorted key="value" lines; CPU and memory
// rounded up after division; unset limits fall back to node allocatable).
import { milliValue, parseQuantity, unitValue } from '../../machinery/quantity.ts';

export interface Allocatable {
  /** millicores */
  cpuMilli: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join('\n');
}

/** The value of a downward API volume item's fieldRef; undefined for paths upstream does not support there. */
export function volumeFieldValue(pod: any, path: string): string | undefined {
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) return pod.metadata[sub[1]]?.[sub[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace;
    case 'metadata.uid': return pod.metadata.uid;
    case 'metadata.labels': return formatMap(pod.metadata.labels);
    case 'metadata.annotations': return formatMap(pod.metadata.annotations);
    default: return undefined;
  }
}

function findContainer(pod: any, name: string): any {
  return [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].find((c: any) => c.name === name);
}

/** A resourceFieldRef's value for the named container; throws upstream's errors. */
export function resourceFieldValue(pod: any, containerName: string, resource: string, divisor: string | undefined, alloc: Allocatable): string {
  const c = findContainer(pod, containerName);
  if (!c) throw new Error(`container ${containerName} not found`);
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const [kind, res] = resource.split('.', 2) as [string, string];
  const div = parseQuantity(divisor || '1');
  let q: string | undefined;
  if (kind === 'limits') q = limits[res];
  else if (kind === 'requests') q = requests[res] ?? limits[res];
  else throw new Error(`unsupported container resource : ${resource}`);
  if (res === 'cpu') {
    const milli = q !== undefined ? milliValue(parseQuantity(q)) : kind === 'limits' ? alloc.cpuMilli : 0;
    return String(Math.ceil(milli / milliValue(div)));
  }
  if (res === 'memory' || res === 'ephemeral-storage' || res.startsWith('hugepages-')) {
    const fallback = kind === 'limits' ? (res === 'memory' ? alloc.memoryBytes : res === 'ephemeral-storage' ? alloc.ephemeralStorageBytes : 0) : 0;
    const bytes = q !== undefined ? unitValue(parseQuantity(q)) : fallback;
    return String(Math.ceil(bytes / unitValue(div)));
  }
  throw new Error(`unsupported container resource : ${resource}`);
}
