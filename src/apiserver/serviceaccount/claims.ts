// The claims of service account tokens: bound tokens (TokenRequest) and the
// legacy Secret-based form, built and read back with upstream's field names.
import { randomUUID } from 'node:crypto';

/** k3s's --service-account-issuer, also its first --api-audiences entry. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** The clock skew jwt libraries tolerate on exp, nbf and iat (go-jose's DefaultLeeway). */
export const LEEWAY_SECONDS = 60;

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface BoundClaimsInput {
  issuer: string;
  namespace: string;
  serviceAccount: ObjectRef;
  audiences: string[];
  expirationSeconds: number;
  now: Date;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  /** Seconds after which a use of the token is reported as stale (upstream's warnafter for 3607 s kubelet tokens). */
  warnAfterSeconds?: number;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

export function boundClaims(i: BoundClaimsInput): Record<string, unknown> {
  const iat = Math.floor(i.now.getTime() / 1000);
  const k8s: Record<string, unknown> = { namespace: i.namespace };
  // A token binds to one object; a pod's token also names the pod's node.
  if (i.pod) {
    if (i.node) k8s.node = i.node;
    k8s.pod = i.pod;
  } else if (i.secret) k8s.secret = i.secret;
  else if (i.node) k8s.node = i.node;
  k8s.serviceaccount = i.serviceAccount;
  if (i.warnAfterSeconds) k8s.warnafter = iat + i.warnAfterSeconds;
  return {
    aud: i.audiences, exp: iat + i.expirationSeconds, iat, iss: i.issuer, jti: randomUUID(),
    'kubernetes.io': k8s, nbf: iat, sub: serviceAccountUsername(i.namespace, i.serviceAccount.name),
  };
}

export function legacyClaims(namespace: string, serviceAccount: ObjectRef, secretName: string): Record<string, unknown> {
  return {
    iss: LEGACY_ISSUER,
    'kubernetes.io/serviceaccount/namespace': namespace,
    'kubernetes.io/serviceaccount/secret.name': secretName,
    'kubernetes.io/serviceaccount/service-account.name': serviceAccount.name,
    'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.uid,
    sub: serviceAccountUsername(namespace, serviceAccount.name),
  };
}

/** What a verified token claims, before the objects it names are checked. */
export interface TokenClaims {
  legacy: boolean;
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  /** Legacy tokens name their Secret without its uid. */
  legacySecretName?: string;
  jti?: string;
}

function ref(v: any): ObjectRef | undefined {
  return v && typeof v.name === 'string' && typeof v.uid === 'string' ? { name: v.name, uid: v.uid } : undefined;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * Checks the time and audience claims of a signed token and reads the
 * service account claims; the reason as a string when it is not acceptable.
 */
export function readClaims(c: any, opts: { issuers: string[]; audiences: string[]; now: Date }): TokenClaims | string {
  if (c.iss === LEGACY_ISSUER) {
    const namespace = str(c['kubernetes.io/serviceaccount/namespace']);
    const name = str(c['kubernetes.io/serviceaccount/service-account.name']);
    const uid = str(c['kubernetes.io/serviceaccount/service-account.uid']);
    const secretName = str(c['kubernetes.io/serviceaccount/secret.name']);
    if (!namespace || !name || !uid || !secretName || c.sub !== serviceAccountUsername(namespace, name)) return 'invalid legacy service account claims';
    return { legacy: true, namespace, serviceAccount: { name, uid }, legacySecretName: secretName };
  }
  if (!opts.issuers.includes(c.iss)) return `token issuer ${JSON.stringify(c.iss)} is not trusted`;
  const now = opts.now.getTime() / 1000;
  if (typeof c.exp !== 'number' || now > c.exp + LEEWAY_SECONDS) return 'token is expired';
  if (typeof c.nbf === 'number' && now < c.nbf - LEEWAY_SECONDS) return 'token is not valid yet';
  if (typeof c.iat === 'number' && now < c.iat - LEEWAY_SECONDS) return 'token issued in the future';
  const aud: unknown[] = Array.isArray(c.aud) ? c.aud : typeof c.aud === 'string' ? [c.aud] : [];
  if (!aud.some((a) => opts.audiences.includes(a as string))) return `token audiences ${JSON.stringify(aud)} is invalid for the target audiences ${JSON.stringify(opts.audiences)}`;
  const k = c['kubernetes.io'];
  const serviceAccount = ref(k?.serviceaccount);
  if (!k || typeof k.namespace !== 'string' || !serviceAccount) return 'token lacks the kubernetes.io claims';
  if (c.sub !== serviceAccountUsername(k.namespace, serviceAccount.name)) return 'token subject does not match its service account';
  return {
    legacy: false, namespace: k.namespace, serviceAccount, pod: ref(k.pod), secret: ref(k.secret), node: ref(k.node),
    jti: typeof c.jti === 'string' ? c.jti : undefined,
  };
}
