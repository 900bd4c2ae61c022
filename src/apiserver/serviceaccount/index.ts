// Service account tokens: issuing them (TokenRequest) with the signing key,
// verifying their signature and claims, and reading the objects they are
// bound to from the API server's watch cache (attach), which authentication
// needs synchronously.
import type { KeyObject } from 'node:crypto';
import { RESOURCES } from '../../api/resources.ts';
import type { ServerServices } from '../handlers/context.ts';
import { boundClaims, DEFAULT_ISSUER, legacyClaims, readClaims } from './claims.ts';
import type { BoundClaimsInput, ObjectRef, TokenClaims } from './claims.ts';
import { signJwt, verifyJwt } from './jwt.ts';
import type { SigningKey } from './keys.ts';

export { DEFAULT_ISSUER, serviceAccountUsername } from './claims.ts';
export type { TokenClaims, ObjectRef } from './claims.ts';
export { ensureSigningKey, signingKeyFromPem } from './keys.ts';
export type { SigningKey } from './keys.ts';

export type LookupResource = 'serviceaccounts' | 'pods' | 'secrets' | 'nodes';
/** An object as the API server has it now; undefined when it does not exist. */
export type ObjectLookup = (resource: LookupResource, namespace: string, name: string) => any | undefined;

export interface ServiceAccountTokensConfig {
  key: SigningKey;
  /** Extra keys whose tokens are still accepted (rotated-out keys). */
  verifyKeys?: KeyObject[];
  issuer?: string;
  /** The API server's own audiences (--api-audiences); default: the issuer, and "k3s" as k3s adds. */
  apiAudiences?: string[];
  now?: () => Date;
}

export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: string[];
  readonly now: () => Date;
  private readonly key: SigningKey;
  private readonly publicKeys: KeyObject[];
  private lookupFn: ObjectLookup = () => undefined;

  constructor(cfg: ServiceAccountTokensConfig) {
    this.key = cfg.key;
    this.issuer = cfg.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = cfg.apiAudiences ?? [this.issuer, 'k3s'];
    this.now = cfg.now ?? (() => new Date());
    this.publicKeys = [cfg.key.publicKey, ...(cfg.verifyKeys ?? [])];
  }

  /** Reads bound objects from the server's watch cache from now on. */
  attach(services: ServerServices): void {
    this.lookupFn = (resource, namespace, name) => {
      const info = RESOURCES.find((r) => r.group === '' && r.resource === resource)!;
      return services.cacheFor(info).objects.get(services.storeFor(info).keyFor(namespace, name));
    };
  }

  /** Tests and embedders without a server use their own lookup. */
  setLookup(fn: ObjectLookup): void {
    this.lookupFn = fn;
  }

  lookup(resource: LookupResource, namespace: string, name: string): any | undefined {
    return this.lookupFn(resource, namespace, name);
  }

  /** A signed bound token and its expiry. */
  issue(i: Omit<BoundClaimsInput, 'issuer' | 'now'>): { token: string; expirationTimestamp: Date } {
    const now = this.now();
    const claims = boundClaims({ ...i, issuer: this.issuer, now });
    return { token: signJwt(claims, this.key.privateKey, this.key.keyId), expirationTimestamp: new Date((claims.exp as number) * 1000) };
  }

  /** A token in the legacy kubernetes.io/service-account-token Secret form (no expiry). */
  issueLegacy(namespace: string, serviceAccount: ObjectRef, secretName: string): string {
    return signJwt(legacyClaims(namespace, serviceAccount, secretName), this.key.privateKey, this.key.keyId);
  }

  /** The token's claims if this cluster signed it and it is current for the API server's audiences; else the reason. */
  verify(token: string, audiences: string[] = this.apiAudiences): TokenClaims | string {
    const v = verifyJwt(token, this.publicKeys);
    if (!v) return 'invalid signature';
    return readClaims(v.claims, { issuers: [this.issuer], audiences, now: this.now() });
  }
}
