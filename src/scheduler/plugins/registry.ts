// The in-tree plugin registry: name → factory(args, handle).
import type { Registry } from '../framework/types.ts';
import { prioritySort, NAME as PRIORITY_SORT } from './prioritysort/index.ts';
import { schedulingGates, NAME as SCHEDULING_GATES } from './schedulinggates/index.ts';
import { nodeName, NAME as NODE_NAME } from './nodename/index.ts';
import { nodeUnschedulable, NAME as NODE_UNSCHEDULABLE } from './nodeunschedulable/index.ts';
import { nodePorts, NAME as NODE_PORTS } from './nodeports/index.ts';
import { taintToleration, NAME as TAINT_TOLERATION } from './tainttoleration/index.ts';
import { nodeAffinity, NAME as NODE_AFFINITY } from './nodeaffinity/index.ts';
import { nodeResourcesFit, nodeResourcesBalancedAllocation, FIT_NAME, BALANCED_NAME } from './noderesources/index.ts';
import { imageLocality, NAME as IMAGE_LOCALITY } from './imagelocality/index.ts';
import { interPodAffinity, NAME as INTER_POD_AFFINITY } from './interpodaffinity/index.ts';
import { podTopologySpread, NAME as POD_TOPOLOGY_SPREAD } from './podtopologyspread/index.ts';
import { volumeBinding, NAME as VOLUME_BINDING } from './volumebinding/index.ts';
import { defaultPreemption, NAME as DEFAULT_PREEMPTION } from './defaultpreemption/index.ts';
import { defaultBinder, NAME as DEFAULT_BINDER } from './defaultbinder/index.ts';

export function inTreeRegistry(): Registry {
  return {
    [PRIORITY_SORT]: () => prioritySort(),
    [SCHEDULING_GATES]: () => schedulingGates(),
    [NODE_NAME]: () => nodeName(),
    [NODE_UNSCHEDULABLE]: () => nodeUnschedulable(),
    [NODE_PORTS]: () => nodePorts(),
    [TAINT_TOLERATION]: () => taintToleration(),
    [NODE_AFFINITY]: (args) => nodeAffinity(args),
    [FIT_NAME]: (args) => nodeResourcesFit(args),
    [BALANCED_NAME]: (args) => nodeResourcesBalancedAllocation(args),
    [IMAGE_LOCALITY]: (args, h) => imageLocality(args, h),
    [INTER_POD_AFFINITY]: (args, h) => interPodAffinity(args, h),
    [POD_TOPOLOGY_SPREAD]: (args, h) => podTopologySpread(args, h),
    [VOLUME_BINDING]: (args, h) => volumeBinding(args, h),
    [DEFAULT_PREEMPTION]: (args, h) => defaultPreemption(args, h),
    [DEFAULT_BINDER]: (args, h) => defaultBinder(args, h),
  };
}
