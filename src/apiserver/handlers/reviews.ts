// The review resources: created, answered, never stored.
// SelfSubjectReview backs `kubectl auth whoami`; the access reviews back
// `kubectl auth can-i`.
import { apiVersionOf } from '../../api/resources.ts';
import { newBadRequest, newMethodNotSupported } from '../../machinery/errors.ts';
import { authorizeAttributes } from '../authz/index.ts';
import type { UserInfo } from '../authn/index.ts';
import type { RequestContext } from './context.ts';
import { respondObject } from './context.ts';
import { decodeObject } from './write.ts';

function userInfoOf(u: UserInfo): Record<string, unknown> {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) };
}

function accessStatus(user: UserInfo, spec: any, namespaceOverride?: string): Record<string, unknown> {
  const ra = spec?.resourceAttributes;
  const nra = spec?.nonResourceAttributes;
  if (!ra && !nra) throw newBadRequest('spec.resourceAttributes or spec.nonResourceAttributes is required');
  const decision = ra
    ? authorizeAttributes(user, {
      verb: ra.verb ?? '', isResourceRequest: true, path: '', apiGroup: ra.group ?? '', resource: ra.resource ?? '',
      subresource: ra.subresource ?? '', namespace: namespaceOverride ?? ra.namespace ?? '', name: ra.name ?? '',
    })
    : authorizeAttributes(user, {
      verb: nra.verb ?? '', isResourceRequest: false, path: nra.path ?? '', apiGroup: '', resource: '', subresource: '', namespace: '', name: '',
    });
  return decision.allowed ? { allowed: true, reason: decision.reason } : { allowed: false };
}

export async function handleReview(ctx: RequestContext): Promise<void> {
  if (ctx.info.verb !== 'create') throw newMethodNotSupported(ctx.store.qualified, ctx.info.verb);
  const body = await decodeObject(ctx);
  const base = { apiVersion: apiVersionOf(ctx.resource), kind: ctx.resource.kind, metadata: { ...(body.metadata ?? {}), creationTimestamp: null } };
  const masters = ctx.user.groups.includes('system:masters');
  switch (ctx.resource.resource) {
    case 'selfsubjectreviews':
      return respondObject(ctx, 201, { ...base, status: { userInfo: userInfoOf(ctx.user) } });
    case 'selfsubjectaccessreviews':
      return respondObject(ctx, 201, { ...base, spec: body.spec ?? {}, status: accessStatus(ctx.user, body.spec) });
    case 'localsubjectaccessreviews':
    case 'subjectaccessreviews': {
      const spec = body.spec ?? {};
      if (!spec.user && !(spec.groups ?? []).length) throw newBadRequest('spec.user or spec.groups is required');
      const subject: UserInfo = { username: spec.user ?? '', uid: spec.uid, groups: spec.groups ?? [], extra: spec.extra };
      const ns = ctx.resource.resource === 'localsubjectaccessreviews' ? ctx.info.namespace : undefined;
      return respondObject(ctx, 201, { ...base, spec, status: accessStatus(subject, spec, ns) });
    }
    case 'selfsubjectrulesreviews':
      return respondObject(ctx, 201, {
        ...base, spec: body.spec ?? {},
        status: masters
          ? { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false }
          : {
            resourceRules: [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
              { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] }],
            nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }],
            incomplete: false,
          },
      });
    case 'tokenreviews': {
      const user = ctx.services.authenticateToken?.(body.spec?.token ?? '') ?? null;
      return respondObject(ctx, 201, { ...base, spec: body.spec ?? {}, status: user ? { authenticated: true, user: userInfoOf(user) } : { authenticated: false } });
    }
    default:
      throw newMethodNotSupported(ctx.store.qualified, 'create');
  }
}
