// The hooks of autoscaling/v1.
import type { KindHooks } from '../../hooks.ts';
import { defaultHPAv1 } from './defaults.ts';

export const autoscalingV1: Record<string, KindHooks> = {
  HorizontalPodAutoscaler: { defaults: defaultHPAv1, hasStatus: true },
};
