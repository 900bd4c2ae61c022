// Bearer tokens that are service account JWTs: a valid signature and claims
// are not enough; the service account must still exist with the same uid,
// and the object a token is bound to (pod, secret, node) too. Objects being
// deleted stay usable for upstream's 60 s grace.
import type { UserInfo } from './index.ts';
import { looksLikeJwt } from '../serviceaccount/jwt.ts';
import type { ServiceAccountTokens, TokenClaims } from '../serviceaccount/index.ts';
import { serviceAccountUsername } from '../serviceaccount/index.ts';

const DELETION_GRACE_MS = 60_000;

function live(obj: any, uid: string | undefined, now: Date): boolean {
  if (!obj) return false;
  if (uid !== undefined && obj.metadata?.uid !== uid) return false;
  const deleting = obj.metadata?.deletionTimestamp;
  return !deleting || Date.parse(deleting) + DELETION_GRACE_MS > now.getTime();
}

/** Why the claimed objects do not back the token, or '' when they do. */
function checkObjects(tokens: ServiceAccountTokens, c: TokenClaims, token: string): string {
  const now = tokens.now();
  const sa = tokens.lookup('serviceaccounts', c.namespace, c.serviceAccount.name);
  if (!live(sa, c.serviceAccount.uid, now)) return `service account ${c.namespace}/${c.serviceAccount.name} is gone or was recreated`;
  if (c.legacy) {
    const secret = tokens.lookup('secrets', c.namespace, c.legacySecretName!);
    const stored = secret?.data?.token ? Buffer.from(String(secret.data.token), 'base64').toString('utf8') : '';
    if (!live(secret, undefined, now) || stored !== token) return `token secret ${c.namespace}/${c.legacySecretName} no longer holds this token`;
    return '';
  }
  if (c.pod && !live(tokens.lookup('pods', c.namespace, c.pod.name), c.pod.uid, now)) return `pod ${c.namespace}/${c.pod.name} the token is bound to is gone`;
  if (c.secret && !live(tokens.lookup('secrets', c.namespace, c.secret.name), c.secret.uid, now)) return `secret ${c.namespace}/${c.secret.name} the token is bound to is gone`;
  // A pod's token names its node for information only; a node-bound token dies with the node.
  if (c.node && !c.pod && !live(tokens.lookup('nodes', '', c.node.name), c.node.uid, now)) return `node ${c.node.name} the token is bound to is gone`;
  return '';
}

export function userOfClaims(c: TokenClaims): UserInfo {
  const extra: Record<string, string[]> = {};
  if (c.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [c.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [c.pod.uid];
  }
  if (c.node) {
    extra['authentication.kubernetes.io/node-name'] = [c.node.name];
    extra['authentication.kubernetes.io/node-uid'] = [c.node.uid];
  }
  if (c.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
  return {
    username: serviceAccountUsername(c.namespace, c.serviceAccount.name),
    uid: c.serviceAccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${c.namespace}`],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

export type TokenAuthenticator = (token: string) => UserInfo | null;

/** Authenticates service account tokens; null for any token it did not issue or no longer honours. */
export function serviceAccountTokenAuthenticator(tokens: ServiceAccountTokens, log?: (msg: string, fields?: Record<string, unknown>) => void): TokenAuthenticator {
  return (token) => {
    if (!looksLikeJwt(token)) return null;
    const c = tokens.verify(token);
    if (typeof c === 'string') {
      if (c !== 'invalid signature') log?.('service account token rejected', { reason: c });
      return null;
    }
    const why = checkObjects(tokens, c, token);
    if (why) {
      log?.('service account token rejected', { reason: why });
      return null;
    }
    return userOfClaims(c);
  };
}
