// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1): profiles,
// plugin sets per extension point, score weights and plugin args, with
// upstream's defaults when no file is given.
import { parse } from 'yaml';

export const POINTS = ['preEnqueue', 'queueSort', 'preFilter', 'filter', 'postFilter', 'preScore', 'score',
  'reserve', 'permit', 'preBind', 'bind', 'postBind'] as const;
export type Point = (typeof POINTS)[number];

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** The default plugin set (multiPoint) in upstream's order, with score weights. */
export const DEFAULT_PLUGINS: { name: string; weight?: number }[] = [
  { name: 'SchedulingGates' },
  { name: 'PrioritySort' },
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'VolumeBinding' },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption' },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder' },
];

export interface PluginSet {
  enabled?: { name: string; weight?: number }[];
  disabled?: { name: string }[];
}

export interface ProfileConfig {
  schedulerName: string;
  percentageOfNodesToScore?: number;
  /** Plugin names per extension point, in order (before checking which points each implements). */
  multiPoint: string[];
  explicit: Partial<Record<Point, string[]>>;
  disabled: Partial<Record<Point, Set<string>>>;
  weights: Record<string, number>;
  args: Record<string, any>;
}

export interface SchedulerConfig {
  profiles: ProfileConfig[];
  percentageOfNodesToScore: number;
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  parallelism: number;
}

function names(list: { name: string }[] | undefined): string[] {
  return (list ?? []).map((p) => p.name);
}

function resolveProfile(p: any): ProfileConfig {
  const plugins = p?.plugins ?? {};
  const weights: Record<string, number> = {};
  for (const d of DEFAULT_PLUGINS) if (d.weight) weights[d.name] = d.weight;
  const mp: PluginSet = plugins.multiPoint ?? {};
  const mpDisabled = new Set(names(mp.disabled));
  let multiPoint = mpDisabled.has('*') ? [] : DEFAULT_PLUGINS.map((d) => d.name).filter((n) => !mpDisabled.has(n));
  for (const e of mp.enabled ?? []) {
    if (!multiPoint.includes(e.name)) multiPoint = [...multiPoint, e.name];
    if (e.weight) weights[e.name] = e.weight;
  }
  const explicit: Partial<Record<Point, string[]>> = {};
  const disabled: Partial<Record<Point, Set<string>>> = {};
  for (const point of POINTS) {
    const set: PluginSet | undefined = plugins[point];
    if (!set) continue;
    if (set.disabled?.length) disabled[point] = new Set(names(set.disabled));
    if (set.enabled?.length) explicit[point] = names(set.enabled);
    if (point === 'score') for (const e of set.enabled ?? []) weights[e.name] = e.weight || weights[e.name] || 1;
  }
  const args: Record<string, any> = {};
  for (const pc of p?.pluginConfig ?? []) args[pc.name] = pc.args ?? {};
  const pct = p?.percentageOfNodesToScore;
  return { schedulerName: p?.schedulerName || DEFAULT_SCHEDULER_NAME, percentageOfNodesToScore: pct ?? undefined, multiPoint, explicit, disabled, weights, args };
}

/** Parses a configuration document; with no text, upstream's defaults. */
export function loadSchedulerConfig(text?: string): SchedulerConfig {
  const doc: any = text ? parse(text) : {};
  if (text) {
    if (doc?.kind !== 'KubeSchedulerConfiguration') throw new Error(`scheduler config: kind must be KubeSchedulerConfiguration, not "${doc?.kind}"`);
    if (doc.apiVersion !== 'kubescheduler.config.k8s.io/v1') throw new Error(`scheduler config: apiVersion "${doc.apiVersion}" is not supported (use kubescheduler.config.k8s.io/v1)`);
  }
  const profiles = (doc.profiles?.length ? doc.profiles : [{}]).map(resolveProfile);
  const seen = new Set<string>();
  for (const p of profiles) {
    if (seen.has(p.schedulerName)) throw new Error(`scheduler config: duplicate profile for schedulerName "${p.schedulerName}"`);
    seen.add(p.schedulerName);
  }
  const pct = doc.percentageOfNodesToScore ?? 0;
  if (pct < 0 || pct > 100) throw new Error(`scheduler config: percentageOfNodesToScore must be in [0, 100], not ${pct}`);
  return {
    profiles,
    percentageOfNodesToScore: pct,
    podInitialBackoffSeconds: doc.podInitialBackoffSeconds ?? 1,
    podMaxBackoffSeconds: doc.podMaxBackoffSeconds ?? 10,
    parallelism: doc.parallelism ?? 16,
  };
}
