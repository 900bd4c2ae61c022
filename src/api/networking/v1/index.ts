// The hooks of networking.k8s.io/v1.
import type { KindHooks } from '../../hooks.ts';
import { defaultNetworkPolicy, defaultIngressClass } from './defaults.ts';

export const networkingV1: Record<string, KindHooks> = {
  Ingress: { hasStatus: true },
  IngressClass: { defaults: defaultIngressClass },
  NetworkPolicy: { defaults: defaultNetworkPolicy },
};
