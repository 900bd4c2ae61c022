// The hooks of coordination.k8s.io/v1 (Lease has no defaults upstream).
import type { KindHooks } from '../../hooks.ts';

export const coordinationV1: Record<string, KindHooks> = {
  Lease: {},
};
