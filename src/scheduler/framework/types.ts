// The plugin contract: one optional method per extension point, as in
// upstream's scheduling framework. A plugin runs at every point it
// implements unless the profile disables it there.
import type { CycleState } from './cycle-state.ts';
import type { MaybeStatus, Status } from './status.ts';
import type { NodeInfo } from './node-info.ts';
import type { NamespaceLabels, PodInfo } from './pod-info.ts';
import type { LabelSelector } from './selectors.ts';
import type { IndexedPod } from '../cache/pod-index.ts';

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

export interface NodeScore {
  name: string;
  score: number;
}

export type ActionType = 'Add' | 'Update' | 'Delete';

/** A cluster change that can make an unschedulable pod schedulable. */
export interface ClusterEvent {
  resource: string; // Pod, Node, PersistentVolumeClaim, …, or '*'
  actions: ActionType[];
}

export interface QueuedPodInfo {
  pi: PodInfo;
  /** When the pod was added to the queue (the PrioritySort tie-break). */
  timestamp: number;
  initialAttemptTimestamp?: number;
  attempts: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
  /** Plugins whose PreEnqueue is holding the pod (scheduling gates). */
  gatedBy?: string;
}

export interface PreFilterOutcome {
  status?: MaybeStatus;
  /** Nodes the pod can possibly fit (e.g. matchFields metadata.name); undefined means all. */
  nodeNames?: Set<string>;
}

export interface PostFilterOutcome {
  status: Status;
  nominatedNodeName?: string;
}

export interface PermitOutcome {
  status: MaybeStatus;
  timeoutMs?: number;
}

export interface Plugin {
  readonly name: string;
  events?(): ClusterEvent[];
  less?(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
  preEnqueue?(pod: any): MaybeStatus;
  preFilter?(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): PreFilterOutcome;
  /** PreFilterExtensions: keep PreFilter state right when preemption adds or removes pods. */
  addPod?(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): MaybeStatus;
  removePod?(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): MaybeStatus;
  filter?(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus;
  postFilter?(state: CycleState, pod: PodInfo, statuses: Map<string, Status>): Promise<PostFilterOutcome>;
  preScore?(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): MaybeStatus;
  score?(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  normalizeScore?(state: CycleState, pod: PodInfo, scores: NodeScore[]): void;
  /** NormalizeScore for plugins that need only the scores (aligned with the nodes scored): used instead of normalizeScore, in place. */
  normalizeScores?(state: CycleState, pod: PodInfo, scores: Float64Array): void;
  reserve?(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus;
  unreserve?(state: CycleState, pod: PodInfo, nodeName: string): void;
  permit?(state: CycleState, pod: PodInfo, nodeName: string): PermitOutcome;
  preBind?(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus>;
  bind?(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus>;
  postBind?(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** Read access to the cluster as of this scheduling cycle. */
export interface Snapshot {
  nodes(): NodeInfo[];
  get(name: string): NodeInfo | undefined;
  havePodsWithAffinity(): NodeInfo[];
  havePodsWithRequiredAntiAffinity(): NodeInfo[];
  /** A superset of the pods (bound or assumed, with their node) in the namespace that the selector matches. */
  podCandidates(namespace: string, selector: LabelSelector | null | undefined): Iterable<IndexedPod>;
  /** The lowest priority of any cached pod (undefined when there is none). */
  lowestPodPriority(): number | undefined;
  /** Namespaces that hold at least one pod. */
  podNamespaces(): Iterable<string>;
  /** Per value of a node label: how many nodes carry it. */
  topologyValues(key: string): Map<string, number>;
}

/** Informer-backed reads of other objects: resource is the plural name (persistentvolumeclaims, …). */
export interface Listers {
  get(resource: string, namespace: string, name: string): any | undefined;
  list(resource: string, namespace?: string): any[];
}

/** What a running framework offers plugins (preemption needs filters and the API). */
export interface FrameworkHandle {
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus;
  runPreFilterAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): MaybeStatus;
  runPreFilterRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): MaybeStatus;
}

export interface Handle {
  schedulerName: string;
  snapshot: Snapshot;
  nsLabels: NamespaceLabels;
  listers: Listers;
  /** The API: pods/binding, status patches, deletes. Absent in unit tests. */
  api?: SchedulerApi;
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  /** A PreEnqueue plugin no longer holds the pod (its preemption finished): the queue checks it again. */
  preemptionDone?(uid: string): void;
  framework(): FrameworkHandle;
  log(msg: string, fields?: Record<string, unknown>): void;
}

export interface SchedulerApi {
  bind(pod: any, nodeName: string): Promise<void>;
  patchPodStatus(pod: any, status: Record<string, unknown>): Promise<void>;
  deletePod(pod: any): Promise<void>;
  patch(resource: string, namespace: string, name: string, patch: unknown, subresource?: string): Promise<void>;
  event(obj: any, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export type PluginFactory = (args: any, handle: Handle) => Plugin;
export type Registry = Record<string, PluginFactory>;
