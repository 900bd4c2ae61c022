// Small shared pieces of upstream's plugin helpers.
import { MAX_NODE_SCORE } from './types.ts';

/**
 * Scales scores to [0, max] by the highest one, in place; reverse flips them
 * (fewer is better). Over the scores alone: no NodeScore objects.
 */
export function defaultNormalizeScores(scores: Float64Array, reverse: boolean, max = MAX_NODE_SCORE): void {
  let top = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > top) top = scores[i];
  if (top === 0) {
    if (reverse) scores.fill(max);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let v = Math.trunc((max * scores[i]) / top);
    if (reverse) v = max - v;
    scores[i] = v;
  }
}
