// Upstream's defaulting for rbac.authorization.k8s.io/v1 bindings.

type Obj = Record<string, any>;

const GROUP = 'rbac.authorization.k8s.io';

export function defaultBinding(b: Obj): void {
  if (typeof b.roleRef === 'object' && b.roleRef !== null) b.roleRef.apiGroup ||= GROUP;
  for (const s of Array.isArray(b.subjects) ? b.subjects : []) {
    if (typeof s !== 'object' || s === null || s.apiGroup) continue;
    // A ServiceAccount's group is the core group, "", which upstream's output omits.
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = GROUP;
  }
}
