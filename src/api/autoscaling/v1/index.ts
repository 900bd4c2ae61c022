// The hooks of autoscaling/v1.
import type { KindHooks } from '../../hooks.ts';
import { defaultHPAv1 } from './defaults.ts';
import { validateHPA } from '../v2/validation.ts';

export const autoscalingV1: Record<string, KindHooks> = {
  HorizontalPodAutoscaler: { defaults: defaultHPAv1, validate: validateHPA, hasStatus: true },
};
