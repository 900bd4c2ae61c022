// RoleBinding / ClusterRoleBinding validation: the roleRef is required and never changes.
import type { FieldError } from '../../core/v1/errors.ts';
import { required, invalid, notSupported, isObj, list, deepEqual } from '../../core/v1/checks.ts';

function validateBinding(b: any, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const ref = isObj(b?.roleRef) ? b.roleRef : {};
  if (ref.apiGroup !== 'rbac.authorization.k8s.io') errs.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', ['rbac.authorization.k8s.io']));
  if (!kinds.includes(ref.kind)) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(required('roleRef.name'));
  list(b?.subjects).forEach((s: any, i: number) => {
    const kindsOk = ['Group', 'ServiceAccount', 'User'];
    if (!kindsOk.includes(s?.kind)) errs.push(notSupported(`subjects[${i}].kind`, s?.kind ?? '', kindsOk));
    if (!s?.name) errs.push(required(`subjects[${i}].name`));
  });
  return errs;
}

export const validateRoleBinding = (b: any) => validateBinding(b, ['ClusterRole', 'Role']);
export const validateClusterRoleBinding = (b: any) => validateBinding(b, ['ClusterRole']);

export function roleRefImmutable(b: any, old: any): FieldError[] {
  return deepEqual(b?.roleRef, old?.roleRef) ? [] : [invalid('roleRef', b?.roleRef, 'cannot change roleRef')];
}
