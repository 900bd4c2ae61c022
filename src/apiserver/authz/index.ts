// Authorization. Until RBAC is enforced, members of system:masters may do
// anything, and other authenticated users may only read discovery, health
// and their own identity (what upstream's system:discovery and
// system:basic-user roles grant).
import type { UserInfo } from '../authn/index.ts';
import type { RequestInfo } from '../request-info.ts';

export interface Decision {
  allowed: boolean;
  reason: string;
}

const SELF_REVIEWS = new Set(['selfsubjectreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews']);

export interface Attributes {
  verb: string;
  isResourceRequest: boolean;
  path: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export function authorizeAttributes(user: UserInfo, a: Attributes): Decision {
  if (user.groups.includes('system:masters')) return { allowed: true, reason: 'system:masters may do anything' };
  if (!a.isResourceRequest) {
    if (a.verb === 'get' && (a.path === '/version' || a.path.startsWith('/api') || a.path.startsWith('/openapi') || a.path === '/healthz' || a.path === '/livez' || a.path === '/readyz')) {
      return { allowed: true, reason: 'discovery is open to authenticated users' };
    }
    return { allowed: false, reason: '' };
  }
  if (a.verb === 'create' && SELF_REVIEWS.has(a.resource)) return { allowed: true, reason: 'anyone may review themselves' };
  return { allowed: false, reason: '' };
}

export function authorize(user: UserInfo, info: RequestInfo): Decision {
  return authorizeAttributes(user, {
    verb: info.verb, isResourceRequest: info.isResourceRequest, path: info.path, apiGroup: info.apiGroup,
    resource: info.resource, subresource: info.subresource, namespace: info.namespace, name: info.name,
  });
}
