// The join token in k3s's secure format, K10<sha256 of the CA bundle>::server:<password>,
// and the pod CIDR arithmetic of joins. The hash lets an agent trust the
// server's CA before it has any other way to; the password authenticates it.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';

export const TOKEN_PREFIX = 'K10';

export interface JoinToken {
  /** Hex sha256 of the CA bundle the server serves at /cacerts; empty for k3s's short (password-only) form. */
  caHash: string;
  username: string;
  password: string;
}

export function caHash(caPem: string): string {
  return createHash('sha256').update(caPem).digest('hex');
}

export function formatToken(t: JoinToken): string {
  return `${TOKEN_PREFIX}${t.caHash}::${t.username}:${t.password}`;
}

/**
 * Parses a token as k3s does: K10<hash>::<user>:<password>, or a bare
 * password (the short form, whose CA the agent cannot check). Throws with
 * what is wrong.
 */
export function parseToken(raw: string): JoinToken {
  const token = raw.trim();
  if (token === '') throw new Error('the token is empty');
  if (!token.startsWith(TOKEN_PREFIX)) {
    if (/\s/.test(token)) throw new Error('the token contains white space');
    return { caHash: '', username: 'node', password: token };
  }
  const body = token.slice(TOKEN_PREFIX.length);
  const sep = body.indexOf('::');
  if (sep < 0) throw new Error(`a token starting with ${TOKEN_PREFIX} must look like ${TOKEN_PREFIX}<sha256 hex>::server:<password>`);
  const hash = body.slice(0, sep);
  if (!/^[0-9a-f]{64}$/i.test(hash)) throw new Error(`the CA hash after ${TOKEN_PREFIX} must be 64 hex digits (sha256), not "${hash}"`);
  const creds = body.slice(sep + 2);
  const colon = creds.indexOf(':');
  if (colon <= 0 || colon === creds.length - 1) throw new Error(`the part after "::" must be <user>:<password>, such as server:<password>`);
  return { caHash: hash.toLowerCase(), username: creds.slice(0, colon), password: creds.slice(colon + 1) };
}

/**
 * The server's token, kept across restarts in `path` (0600). The password
 * survives; the hash is rewritten if the CA changed.
 */
export function ensureJoinToken(path: string, caPem: string): JoinToken {
  let password = '';
  if (existsSync(path)) {
    try {
      password = parseToken(readFileSync(path, 'utf8')).password;
    } catch (err) {
      throw new Error(`the join token in ${path} is malformed (${(err as Error).message}); fix it or remove the file to make a new one`);
    }
  }
  if (!password) password = randomBytes(16).toString('hex');
  const token: JoinToken = { caHash: caHash(caPem), username: 'server', password };
  const text = `${formatToken(token)}\n`;
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}

interface V4Range {
  base: number;
  bits: number;
}

function parseV4Range(cidr: string): V4Range {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : NaN;
  if (!m || octets.some((o) => o > 255) || !(bits >= 8 && bits <= 24)) throw new Error(`the cluster CIDR must be an IPv4 range of /8 to /24, such as 10.42.0.0/16, not "${cidr}"`);
  const addr = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  return { base: (addr & ((~0 << (32 - bits)) >>> 0)) >>> 0, bits };
}

function slash24(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.0/24`;
}

/** Whether a /24 lies inside the cluster CIDR. */
export function inClusterCIDR(clusterCIDR: string, podCIDR: string): boolean {
  const r = parseV4Range(clusterCIDR);
  const m = /^(\d+)\.(\d+)\.(\d+)\.0\/24$/.exec(podCIDR);
  if (!m) return false;
  const n = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8)) >>> 0;
  return ((n & ((~0 << (32 - r.bits)) >>> 0)) >>> 0) === r.base;
}

/** The lowest /24 of the cluster CIDR that is not in `taken`. */
export function nextFreeSlash24(clusterCIDR: string, taken: Iterable<string>): string {
  const r = parseV4Range(clusterCIDR);
  const used = new Set(taken);
  const count = 2 ** (24 - r.bits);
  for (let i = 0; i < count; i++) {
    const c = slash24((r.base + i * 256) >>> 0);
    if (!used.has(c)) return c;
  }
  throw new Error(`the cluster CIDR ${clusterCIDR} has no free /24 left (${count} in use)`);
}
