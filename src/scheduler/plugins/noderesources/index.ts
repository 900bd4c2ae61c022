export { nodeResourcesFit, insufficientResources, NAME as FIT_NAME } from './fit.ts';
export type { FitArgs } from './fit.ts';
export { nodeResourcesBalancedAllocation, NAME as BALANCED_NAME } from './balanced.ts';
