// The hooks of scheduling.k8s.io/v1.
import type { KindHooks } from '../../hooks.ts';
import { defaultPriorityClass } from './defaults.ts';

export const schedulingV1: Record<string, KindHooks> = {
  PriorityClass: { defaults: defaultPriorityClass },
};
