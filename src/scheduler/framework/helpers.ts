// Small shared pieces of upstream's plugin helpers.
import type { NodeScore } from './types.ts';
import { MAX_NODE_SCORE } from './types.ts';

/** Scales scores to [0, max] by the highest one; reverse flips them (fewer is better). */
export function defaultNormalizeScore(scores: NodeScore[], reverse: boolean, max = MAX_NODE_SCORE): void {
  let top = 0;
  for (const s of scores) if (s.score > top) top = s.score;
  if (top === 0) {
    if (reverse) for (const s of scores) s.score = max;
    return;
  }
  for (const s of scores) {
    let v = Math.trunc((max * s.score) / top);
    if (reverse) v = max - v;
    s.score = v;
  }
}
