// POST serviceaccounts/{name}/token: a TokenRequest answered with a signed
// bound token, never stored (upstream's TokenREST). `kubectl create token`.
import { RESOURCES } from '../../api/resources.ts';
import { newBadRequest, newConflict, newInvalid, newMethodNotSupported } from '../../machinery/errors.ts';
import { decodeBody, isObject, readBody } from '../codec.ts';
import type { ObjectRef } from '../serviceaccount/index.ts';
import type { RequestContext } from './context.ts';
import { respondObject } from './context.ts';

const API_VERSION = 'authentication.k8s.io/v1';
const KIND = 'TokenRequest';
/** Upstream's MinTokenAgeSec. */
export const MIN_TOKEN_SECONDS = 600;
export const DEFAULT_TOKEN_SECONDS = 3600;
/** The kubelet's default for projected tokens: upstream extends such pod tokens to a year and warns after the hour. */
const WARN_ONLY_SECONDS = 3607;
const EXTENDED_SECONDS = 365 * 24 * 3600;

const core = (resource: string) => RESOURCES.find((r) => r.group === '' && r.resource === resource)!;

function validate(spec: any): void {
  const exp = spec.expirationSeconds;
  if (typeof exp !== 'number' || !Number.isInteger(exp)) throw newBadRequest('spec.expirationSeconds must be an integer');
  const errs = [];
  if (exp < MIN_TOKEN_SECONDS) errs.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', badValue: exp, detail: 'may not specify a duration less than 10 minutes' });
  if (exp > 2 ** 32) errs.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', badValue: exp, detail: 'may not specify a duration larger than 2^32 seconds' });
  if (spec.audiences !== undefined && (!Array.isArray(spec.audiences) || spec.audiences.some((a: unknown) => typeof a !== 'string'))) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.audiences', badValue: spec.audiences, detail: 'must be a list of strings' });
  }
  if (errs.length) throw newInvalid({ group: 'authentication.k8s.io', kind: KIND }, '', errs);
}

interface Bound {
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

async function resolveBound(ctx: RequestContext, ref: any, saName: string): Promise<Bound> {
  const ns = ctx.info.namespace;
  const apiVersion = String(ref.apiVersion ?? '');
  const kind = String(ref.kind ?? '');
  const name = String(ref.name ?? '');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
  const getNode = async (n: string): Promise<ObjectRef | undefined> => {
    try {
      const node = await ctx.services.storeFor(core('nodes')).get('', n);
      return { name: n, uid: node.metadata.uid };
    } catch {
      return undefined;
    }
  };
  let out: Bound;
  let uid: string;
  if (group === '' && kind === 'Pod') {
    const pod = await ctx.services.storeFor(core('pods')).get(ns, name);
    if ((pod.spec?.serviceAccountName ?? '') !== saName) {
      throw newBadRequest(`cannot bind token for serviceaccount ${JSON.stringify(saName)} to pod running with different serviceaccount name.`);
    }
    uid = pod.metadata.uid;
    out = { pod: { name, uid }, node: pod.spec?.nodeName ? await getNode(pod.spec.nodeName) : undefined };
  } else if (group === '' && kind === 'Secret') {
    const secret = await ctx.services.storeFor(core('secrets')).get(ns, name);
    uid = secret.metadata.uid;
    out = { secret: { name, uid } };
  } else if (group === '' && kind === 'Node') {
    const node = await ctx.services.storeFor(core('nodes')).get('', name);
    uid = node.metadata.uid;
    out = { node: { name, uid } };
  } else {
    throw newBadRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
  }
  if (ref.uid && ref.uid !== uid) {
    throw newConflict({ group, resource: kind }, name,
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  return out;
}

export async function handleTokenRequest(ctx: RequestContext): Promise<void> {
  const tokens = ctx.services.serviceAccountTokens;
  if (!tokens || ctx.info.verb !== 'create') throw newMethodNotSupported(ctx.store.qualified, ctx.info.verb);
  const body = decodeBody(await readBody(ctx.req), ctx.req.headers['content-type']);
  if (!isObject(body)) throw newBadRequest('the request body must be a TokenRequest object');
  const req = body as any;
  if (req.apiVersion !== undefined && req.apiVersion !== API_VERSION) throw newBadRequest(`the API version in the data (${req.apiVersion}) does not match the expected API version (${API_VERSION})`);
  if (req.kind !== undefined && req.kind !== KIND) throw newBadRequest(`the kind in the data (${req.kind}) does not match the expected kind (${KIND})`);
  const spec = { ...(req.spec ?? {}) };
  spec.expirationSeconds ??= DEFAULT_TOKEN_SECONDS;
  validate(spec);
  if (!spec.audiences?.length) spec.audiences = [...tokens.apiAudiences];

  const ns = ctx.info.namespace;
  const sa = await ctx.store.get(ns, ctx.info.name);
  const bound = spec.boundObjectRef ? await resolveBound(ctx, spec.boundObjectRef, ctx.info.name) : {};
  const extend = !!bound.pod && spec.expirationSeconds === WARN_ONLY_SECONDS && spec.audiences.every((a: string) => tokens.apiAudiences.includes(a));
  const { token } = tokens.issue({
    namespace: ns, serviceAccount: { name: sa.metadata.name, uid: sa.metadata.uid }, audiences: spec.audiences,
    expirationSeconds: extend ? EXTENDED_SECONDS : spec.expirationSeconds, warnAfterSeconds: extend ? WARN_ONLY_SECONDS : undefined, ...bound,
  });
  // The status tells the requested lifetime even for an extended token, so that kubelets refresh on time.
  const expires = new Date(tokens.now().getTime() + spec.expirationSeconds * 1000);
  respondObject(ctx, 201, {
    kind: KIND, apiVersion: API_VERSION,
    metadata: { name: sa.metadata.name, namespace: ns, creationTimestamp: null },
    spec: { audiences: spec.audiences, expirationSeconds: spec.expirationSeconds, ...(spec.boundObjectRef ? { boundObjectRef: spec.boundObjectRef } : {}) },
    status: { token, expirationTimestamp: expires.toISOString().replace(/\.\d{3}Z$/, 'Z') },
  });
}
