// Continue tokens in the format of the upstream apiserver: unpadded base64url
// of {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<next key minus prefix>"},
// so a token pins the revision of the first page and pages stay consistent.
import { StorageError } from './backend.ts';
import type { Revision } from './backend.ts';

const VERSION = 'meta.k8s.io/v1';
const INVALID = 'continue key is not valid';

/** Encodes a token that resumes a list of prefix at nextKey, read at revision. */
export function encodeContinue(nextKey: string, prefix: string, revision: Revision): string {
  if (!nextKey.startsWith(prefix) || nextKey.length === prefix.length) {
    throw new Error(`unable to encode next field: the key ${JSON.stringify(nextKey)} and key prefix ${JSON.stringify(prefix)} do not match`);
  }
  const json = JSON.stringify({ v: VERSION, rv: revision, start: nextKey.slice(prefix.length) });
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** The key after which a list resumes: the last returned key plus the smallest suffix. */
export function nextKeyAfter(lastKey: string): string {
  return lastKey + '\x00';
}

function invalid(detail: string): StorageError {
  return new StorageError('InvalidContinue', detail ? `${INVALID}: ${detail}` : INVALID);
}

/** Decodes and validates a token for prefix; throws StorageError 'InvalidContinue'. */
export function decodeContinue(token: string, prefix: string): { startKey: string; revision: Revision } {
  // Buffer's decoder skips characters it does not know, so check the alphabet first.
  if (token.length === 0 || !/^[A-Za-z0-9_-]*$/.test(token) || token.length % 4 === 1) {
    throw invalid('illegal base64 data');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (err) {
    throw invalid((err as Error).message);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('not a JSON object');
  const { v, rv, start } = parsed as Record<string, unknown>;
  if (v !== VERSION) {
    throw invalid(`server does not recognize this encoded version ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv <= 0) {
    throw invalid(`incorrect encoded start resourceVersion (version ${VERSION})`);
  }
  if (typeof start !== 'string' || start.length === 0) {
    throw invalid(`encoded start key empty (version ${VERSION})`);
  }
  // A client must not be able to widen the range beyond the prefix it listed.
  const segments = start.split('/');
  if (segments.some((s) => s === '..' || s === '.') || (start.startsWith('/') && (prefix === '' || prefix.endsWith('/')))) {
    throw invalid(`start key ${JSON.stringify(start)} escapes the listed prefix`);
  }
  return { startKey: prefix + start, revision: rv };
}
