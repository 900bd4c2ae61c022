// Compact JWS (RS256 / ES256) with node:crypto: the format of service
// account tokens. Verification tries every trusted public key, so that a
// rotated signing key can keep old tokens valid while they last.
import { createHash, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function jsonPart(part: string): any {
  const text = Buffer.from(part, 'base64url').toString('utf8');
  const v = JSON.parse(text);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
  return v;
}

function algOf(key: KeyObject): 'RS256' | 'ES256' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`service account keys must be RSA or EC P-256, not ${key.asymmetricKeyType}`);
}

/** Upstream's key id: the unpadded base64url SHA-256 of the public key's DER (PKIX) form. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

export function signJwt(claims: object, privateKey: KeyObject, kid?: string): string {
  const alg = algOf(privateKey);
  const header: JwtHeader = { alg, ...(kid ? { kid } : {}) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  // JWS wants ES256 signatures as raw r||s, not DER.
  const sig = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
  return `${input}.${b64url(sig)}`;
}

/** Whether the token looks like a JWS at all (three base64url parts), before any crypto. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/** The header and claims if one of the keys signed the token; null for anything else. */
export function verifyJwt(token: string, publicKeys: KeyObject[]): { header: JwtHeader; claims: any } | null {
  if (!looksLikeJwt(token)) return null;
  const [h, c, s] = token.split('.') as [string, string, string];
  let header: JwtHeader;
  let claims: any;
  try {
    header = jsonPart(h);
    claims = jsonPart(c);
  } catch {
    return null;
  }
  const sig = Buffer.from(s, 'base64url');
  for (const key of publicKeys) {
    let alg: string;
    try {
      alg = algOf(key);
    } catch {
      continue;
    }
    if (header.alg !== alg) continue;
    const ok = verify('sha256', Buffer.from(`${h}.${c}`), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key, sig);
    if (ok) return { header, claims };
  }
  return null;
}
