// The hooks of rbac.authorization.k8s.io/v1: names are path segments, as upstream's ValidateRBACName.
import type { KindHooks } from '../../hooks.ts';
import { defaultBinding } from './defaults.ts';

export const rbacV1: Record<string, KindHooks> = {
  Role: { nameValidation: 'pathSegment' },
  ClusterRole: { nameValidation: 'pathSegment' },
  RoleBinding: { defaults: defaultBinding, nameValidation: 'pathSegment' },
  ClusterRoleBinding: { defaults: defaultBinding, nameValidation: 'pathSegment' },
};
