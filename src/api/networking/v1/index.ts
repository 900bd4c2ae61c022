// The hooks of networking.k8s.io/v1.
import type { KindHooks } from '../../hooks.ts';
import { defaultNetworkPolicy, defaultIngressClass } from './defaults.ts';
import { validateIngress } from './validation.ts';

export const networkingV1: Record<string, KindHooks> = {
  Ingress: { validate: validateIngress, hasStatus: true },
  IngressClass: { defaults: defaultIngressClass },
  NetworkPolicy: { defaults: defaultNetworkPolicy },
};
