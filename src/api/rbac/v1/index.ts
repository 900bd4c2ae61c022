// The hooks of rbac.authorization.k8s.io/v1: names are path segments, as upstream's ValidateRBACName.
import type { KindHooks } from '../../hooks.ts';
import { defaultBinding } from './defaults.ts';
import { validateRoleBinding, validateClusterRoleBinding, roleRefImmutable } from './validation.ts';

export const rbacV1: Record<string, KindHooks> = {
  Role: { nameValidation: 'pathSegment' },
  ClusterRole: { nameValidation: 'pathSegment' },
  RoleBinding: {
    defaults: defaultBinding, validate: validateRoleBinding, nameValidation: 'pathSegment',
    validateUpdate: (b, old) => [...validateRoleBinding(b), ...roleRefImmutable(b, old)],
  },
  ClusterRoleBinding: {
    defaults: defaultBinding, validate: validateClusterRoleBinding, nameValidation: 'pathSegment',
    validateUpdate: (b, old) => [...validateClusterRoleBinding(b), ...roleRefImmutable(b, old)],
  },
};
