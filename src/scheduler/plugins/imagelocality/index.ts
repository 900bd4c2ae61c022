// ImageLocality: favours nodes that already hold the pod's images, scaled
// by how widely each image is spread (so one node does not attract all).
import type { Handle, Plugin } from '../../framework/types.ts';
import type { CycleState, StateData } from '../../framework/cycle-state.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { MAX_NODE_SCORE } from '../../framework/types.ts';

export const NAME = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;
const SCORE_KEY = `PreScore${NAME}`;

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

/** What depends only on the pod and the cluster size, worked out once per cycle in PreScore. */
class ScoreState implements StateData {
  images: string[];
  total: number;
  max: number;
  noImages: number;
  constructor(images: string[], total: number) {
    this.images = images;
    this.total = total;
    this.max = MAX_CONTAINER_THRESHOLD * images.length;
    this.noImages = this.scale(0);
  }

  scale(sum: number): number {
    const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), this.max);
    return this.max === MIN_THRESHOLD ? 0 : Math.trunc((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (this.max - MIN_THRESHOLD));
  }

  // Read-only once written: a copy may share it.
  clone(): ScoreState {
    return this;
  }
}

export function imageLocality(_args: unknown, handle: Handle): Plugin {
  const prepare = (state: CycleState, pod: PodInfo) => {
    const s = new ScoreState(imagesOf(pod.pod), handle.snapshot.nodes().length);
    state.write(SCORE_KEY, s);
    return s;
  };
  return {
    name: NAME,
    events: () => [{ resource: 'Node', actions: ['Add', 'Update'] }],
    preScore(state, pod) {
      prepare(state, pod);
      return null;
    },
    score(state, pod, node) {
      // A profile may enable Score without PreScore: then the first node fills the state.
      const s = state.read<ScoreState>(SCORE_KEY) ?? prepare(state, pod);
      if (node.images.size === 0) return s.noImages;
      let sum = 0;
      for (const name of s.images) {
        const st = node.images.get(name);
        if (st && s.total > 0) sum += Math.trunc(st.size * (st.numNodes / s.total));
      }
      return s.scale(sum);
    },
  };
}
