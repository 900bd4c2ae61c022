// What the autoscaler may actually do with a recommendation, as upstream
// decides it: without `behavior`, the highest recommendation of the
// downscale stabilization window and a scale-up of at most max(2x, 4);
// with `behavior`, the stabilization windows of both directions and the
// Pods/Percent rate policies over their periods (selectPolicy Max, Min or
// Disabled). Recommendations and scale events are kept per HPA, in memory,
// on the controller's clock.

export interface Condition {
  reason: string;
  message: string;
}

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: ScalingPolicy[];
}

interface Recommendation {
  at: number;
  replicas: number;
}

interface ScaleEvent {
  at: number;
  change: number;
  outdated: boolean;
}

export const DEFAULT_SCALE_UP: Required<ScalingRules> = {
  stabilizationWindowSeconds: 0, selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
};
export const DEFAULT_SCALE_DOWN: Required<ScalingRules> = { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

const STABILIZED_UP = { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' };
const STABILIZED_DOWN = { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
export const READY_FOR_NEW_SCALE = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN_RANGE = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_FEW = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const TOO_MANY = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const UP_LIMIT = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const DOWN_LIMIT = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };

export interface Normalized {
  replicas: number;
  /** AbleToScale (True) after stabilization. */
  able: Condition;
  /** ScalingLimited: true when the limits changed the stabilized recommendation. */
  limited: boolean;
  limit: Condition;
}

export interface NormalizeInput {
  key: string;
  current: number;
  desired: number;
  min: number;
  max: number;
  behavior?: { scaleUp?: ScalingRules; scaleDown?: ScalingRules } | null;
}

export class Normalizer {
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly upEvents = new Map<string, ScaleEvent[]>();
  private readonly downEvents = new Map<string, ScaleEvent[]>();
  private readonly downscaleWindowMs: number;

  constructor(downscaleWindowMs = 300_000) {
    this.downscaleWindowMs = downscaleWindowMs;
  }

  /** The current size counts as a recommendation the first time an HPA is seen. */
  recordInitial(key: string, current: number, now: number): void {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ at: now, replicas: current }]);
  }

  forget(key: string): void {
    this.recommendations.delete(key);
    this.upEvents.delete(key);
    this.downEvents.delete(key);
  }

  normalize(input: NormalizeInput, now: number): Normalized {
    return input.behavior ? this.withBehavior(input, now) : this.plain(input, now);
  }

  private record(key: string, rec: Recommendation, isOld: (r: Recommendation) => boolean): void {
    const list = this.recommendations.get(key) ?? [];
    let old = -1;
    list.forEach((r, i) => { if (isOld(r)) old = i; });
    if (old >= 0) list[old] = rec;
    else list.push(rec);
    this.recommendations.set(key, list);
  }

  private plain(a: NormalizeInput, now: number): Normalized {
    const cutoff = now - this.downscaleWindowMs;
    let stabilized = a.desired;
    for (const r of this.recommendations.get(a.key) ?? []) if (r.at >= cutoff && r.replicas > stabilized) stabilized = r.replicas;
    this.record(a.key, { at: now, replicas: a.desired }, (r) => r.at < cutoff);
    const able = stabilized !== a.desired ? STABILIZED_DOWN : READY_FOR_NEW_SCALE;
    // A guard against bogus usage reports: at most double (or 4) per step.
    const upLimit = Math.max(2 * a.current, 4);
    const [maxAllowed, maxWhy] = a.max > upLimit ? [upLimit, UP_LIMIT] : [a.max, TOO_MANY];
    let replicas = stabilized;
    let limit = WITHIN_RANGE;
    if (stabilized < a.min) [replicas, limit] = [a.min, TOO_FEW];
    else if (stabilized > maxAllowed) [replicas, limit] = [maxAllowed, maxWhy];
    return { replicas, able, limited: replicas !== stabilized, limit };
  }

  private withBehavior(a: NormalizeInput, now: number): Normalized {
    const up = { ...DEFAULT_SCALE_UP, ...defined(a.behavior?.scaleUp) };
    const down = { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: this.downscaleWindowMs / 1000, ...defined(a.behavior?.scaleDown) };
    const upCutoff = now - up.stabilizationWindowSeconds * 1000;
    const downCutoff = now - down.stabilizationWindowSeconds * 1000;
    let upRec = a.desired;
    let downRec = a.desired;
    for (const r of this.recommendations.get(a.key) ?? []) {
      if (r.at > upCutoff) upRec = Math.min(upRec, r.replicas);
      if (r.at > downCutoff) downRec = Math.max(downRec, r.replicas);
    }
    let stabilized = a.current;
    if (stabilized < upRec) stabilized = upRec;
    if (stabilized > downRec) stabilized = downRec;
    this.record(a.key, { at: now, replicas: a.desired }, (r) => r.at < upCutoff && r.at < downCutoff);
    const able = stabilized !== a.desired ? (a.desired >= a.current ? STABILIZED_UP : STABILIZED_DOWN) : READY_FOR_NEW_SCALE;

    let replicas = stabilized;
    let limit = WITHIN_RANGE;
    if (stabilized > a.current) {
      const upLimit = Math.max(a.current, this.rateLimit(a.key, a.current, up, 'up', now));
      const [maxAllowed, why] = a.max > upLimit ? [upLimit, UP_LIMIT] : [a.max, TOO_MANY];
      if (stabilized > maxAllowed) [replicas, limit] = [maxAllowed, why];
    } else if (stabilized < a.current) {
      const downLimit = Math.min(a.current, this.rateLimit(a.key, a.current, down, 'down', now));
      const [minAllowed, why] = a.min < downLimit ? [downLimit, DOWN_LIMIT] : [a.min, TOO_FEW];
      if (stabilized < minAllowed) [replicas, limit] = [minAllowed, why];
    }
    return { replicas, able, limited: replicas !== stabilized, limit };
  }

  /** The furthest the policies allow from the size at the start of each policy's period. */
  private rateLimit(key: string, current: number, rules: Required<ScalingRules>, dir: 'up' | 'down', now: number): number {
    if (rules.selectPolicy === 'Disabled') return current;
    // Up: Max picks the largest limit; down: Max picks the largest change, i.e. the smallest limit.
    const pickLargest = (rules.selectPolicy === 'Min') === (dir === 'down');
    let result = pickLargest ? -Infinity : Infinity;
    for (const p of rules.policies) {
      const cutoff = now - p.periodSeconds * 1000;
      const added = sumSince(this.upEvents.get(key), cutoff);
      const removed = sumSince(this.downEvents.get(key), cutoff);
      const start = current - added + removed;
      let proposed: number;
      if (dir === 'up') proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      else proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      result = pickLargest ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return Number.isFinite(result) ? result : current;
  }

  /** Remembers a rescale for the rate policies (only HPAs with `behavior` keep them, as upstream). */
  recordScale(key: string, behavior: NormalizeInput['behavior'], from: number, to: number, now: number): void {
    if (!behavior || from === to) return;
    const upward = to > from;
    const rules = upward ? { ...DEFAULT_SCALE_UP, ...defined(behavior.scaleUp) } : { ...DEFAULT_SCALE_DOWN, ...defined(behavior.scaleDown) };
    const longest = Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
    const map = upward ? this.upEvents : this.downEvents;
    const list = map.get(key) ?? [];
    let old = -1;
    list.forEach((e, i) => {
      if (e.at < now - longest) e.outdated = true;
      if (e.outdated) old = i;
    });
    const ev = { at: now, change: Math.abs(to - from), outdated: false };
    if (old >= 0) list[old] = ev;
    else list.push(ev);
    map.set(key, list);
  }
}

function sumSince(events: ScaleEvent[] | undefined, cutoff: number): number {
  let sum = 0;
  for (const e of events ?? []) if (e.at > cutoff) sum += e.change;
  return sum;
}

function defined(r: ScalingRules | undefined): ScalingRules {
  const out: ScalingRules = {};
  if (r?.stabilizationWindowSeconds != null) out.stabilizationWindowSeconds = r.stabilizationWindowSeconds;
  if (r?.selectPolicy != null) out.selectPolicy = r.selectPolicy;
  if (r?.policies != null) out.policies = r.policies;
  return out;
}
