// ImageLocality: favours nodes that already hold the pod's images, scaled
// by how widely each image is spread (so one node does not attract all).
import type { Handle, Plugin } from '../../framework/types.ts';
import { MAX_NODE_SCORE } from '../../framework/types.ts';

export const NAME = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** The pod's images, normalized once per pod rather than once per node scored. */
const podImages = new WeakMap<object, string[]>();

function imagesOf(pod: any): string[] {
  let names = podImages.get(pod);
  if (!names) {
    names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c: any) => normalizedImageName(c.image ?? ''));
    podImages.set(pod, names);
  }
  return names;
}

export function imageLocality(_args: unknown, handle: Handle): Plugin {
  // Score runs for every feasible node of one cycle in a row: what depends
  // only on the pod and the cluster size is worked out once, on its first node.
  let lastCycle: object | null = null;
  let lastPod: object | null = null;
  let images: string[] = [];
  let total = 0;
  let max = 0;
  const scale = (sum: number) => {
    const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), max);
    return max === MIN_THRESHOLD ? 0 : Math.trunc((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
  };
  let noImages = 0;
  return {
    name: NAME,
    events: () => [{ resource: 'Node', actions: ['Add', 'Update'] }],
    score(state, pod, node) {
      // Keyed by the cycle too: a pod retried later may see another node count.
      if (state !== lastCycle || pod.pod !== lastPod) {
        lastCycle = state;
        lastPod = pod.pod;
        images = imagesOf(pod.pod);
        total = handle.snapshot.nodes().length;
        max = MAX_CONTAINER_THRESHOLD * images.length;
        noImages = scale(0);
      }
      if (node.images.size === 0) return noImages;
      let sum = 0;
      for (const name of images) {
        const st = node.images.get(name);
        if (st && total > 0) sum += Math.trunc(st.size * (st.numNodes / total));
      }
      return scale(sum);
    },
  };
}
