// The hooks of autoscaling/v2.
import type { KindHooks } from '../../hooks.ts';
import { defaultHPAv2 } from './defaults.ts';
import { validateHPA } from './validation.ts';

export const autoscalingV2: Record<string, KindHooks> = {
  HorizontalPodAutoscaler: { defaults: defaultHPAv2, validate: validateHPA, hasStatus: true },
};
