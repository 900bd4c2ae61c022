// The hooks of policy/v1 (PodDisruptionBudget has no defaults upstream).
import type { KindHooks } from '../../hooks.ts';

export const policyV1: Record<string, KindHooks> = {
  PodDisruptionBudget: { hasStatus: true },
};
