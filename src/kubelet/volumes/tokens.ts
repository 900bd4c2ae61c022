// The kubelet's service account tokens for projected volumes: requested
// through TokenRequest bound to the pod, cached per pod and source, and
// requested again once 80% of a token's lifetime (or 24 h) has passed, as
// upstream's token manager does. A failed refresh keeps serving a token that
// has not expired yet.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import { resourcePath } from '../../client/rest.ts';

const SERVICE_ACCOUNTS = RESOURCES.find((r) => r.group === '' && r.resource === 'serviceaccounts')!;
const MAX_TTL_MS = 24 * 3600 * 1000;

export interface TokenSource {
  audience?: string;
  expirationSeconds?: number;
}

interface Entry {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/** Whether a token issued at iat and expiring at exp should be requested anew at now (all ms). */
export function requiresRefresh(e: { issuedAt: number; expiresAt: number }, now: number): boolean {
  if (now >= e.expiresAt) return true;
  if (now >= e.issuedAt + MAX_TTL_MS) return true;
  return now >= e.issuedAt + 0.8 * (e.expiresAt - e.issuedAt);
}

export type RequestToken = (pod: any, source: TokenSource) => Promise<{ token: string; expirationTimestamp: string; expirationSeconds: number }>;

/** TokenRequest for the pod's service account, bound to the pod. */
export function tokenRequester(client: Client): RequestToken {
  return async (pod, source) => {
    const ns = pod.metadata.namespace;
    const body = {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      spec: {
        audiences: source.audience ? [source.audience] : [],
        expirationSeconds: source.expirationSeconds ?? 3600,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
      },
    };
    const tr = await client.request('POST', resourcePath(SERVICE_ACCOUNTS, ns, pod.spec.serviceAccountName || 'default', 'token'), body);
    return { token: tr.status.token, expirationTimestamp: tr.status.expirationTimestamp, expirationSeconds: tr.spec.expirationSeconds };
  };
}

export class PodTokens {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  async get(pod: any, source: TokenSource, request: RequestToken): Promise<string> {
    const uid = pod.metadata.uid;
    const key = `${uid}/${pod.spec.serviceAccountName ?? ''}/${source.audience ?? ''}/${source.expirationSeconds ?? ''}`;
    const cached = this.entries.get(key);
    const now = this.now();
    if (cached && !requiresRefresh(cached, now)) return cached.token;
    try {
      const r = await request(pod, source);
      const expiresAt = Date.parse(r.expirationTimestamp);
      // The issue time follows from the status, so that a skewed clock here does not matter.
      this.entries.set(key, { token: r.token, expiresAt, issuedAt: expiresAt - r.expirationSeconds * 1000 });
      return r.token;
    } catch (err) {
      if (cached && now < cached.expiresAt) return cached.token;
      throw new Error(`failed to fetch token: ${(err as Error).message}`);
    }
  }

  forget(podUid: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(`${podUid}/`)) this.entries.delete(k);
  }
}

/** The node's one cache: pod workers build their object sources anew on every sync. */
export const podTokens = new PodTokens();
