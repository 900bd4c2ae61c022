// What every resource handler receives, and how it renders what it returns
// (JSON, YAML or a meta.k8s.io Table, as the client negotiated).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { ResourceInfo } from '../../api/resources.ts';
import { apiVersionOf } from '../../api/resources.ts';
import type { RequestInfo } from '../request-info.ts';
import type { UserInfo } from '../authn/index.ts';
import type { ResourceStore } from '../registry/store.ts';
import type { AdmissionChain } from '../admission/index.ts';
import type { Negotiated } from '../codec.ts';
import type { ResourceCache } from '../watch-cache.ts';
import type { ServiceAccountTokens } from '../serviceaccount/index.ts';
import { writeJson } from '../codec.ts';
import { tableFor } from '../tables/index.ts';
import { converts, toRequestVersion } from '../registry/versions.ts';
import { newBadRequest } from '../../machinery/errors.ts';

export interface ServerServices {
  storeFor(info: ResourceInfo): ResourceStore;
  admission: AdmissionChain;
  now(): Date;
  /** Waits until the watch cache reflects everything storage has committed. */
  syncCache(): Promise<void>;
  /** Waits until the watch cache has seen rev; a revision from the future times out as upstream's 504. */
  waitForRevision(rev: number): Promise<void>;
  cacheFor(info: ResourceInfo): ResourceCache;
  cacheRevision(): number;
  /** For TokenReview: who a bearer token belongs to. */
  authenticateToken?(token: string): UserInfo | null;
  /** Signs TokenRequests (serviceaccounts/token); absent, that subresource is not served. */
  serviceAccountTokens?: ServiceAccountTokens;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  info: RequestInfo;
  user: UserInfo;
  resource: ResourceInfo;
  store: ResourceStore;
  output: Negotiated;
  services: ServerServices;
  /** Warnings for the Warning header (fieldValidation=Warn, deprecations). */
  warnings: string[];
}

export function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw newBadRequest(`Invalid dry run value: ${v}`);
  }
  return values.length > 0;
}

function send(ctx: RequestContext, code: number, body: unknown): void {
  const headers: Record<string, string> = {};
  if (ctx.warnings.length > 0) {
    ctx.res.setHeader('Warning', ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  }
  if (ctx.output.format === 'yaml') {
    ctx.res.writeHead(code, { 'Content-Type': 'application/yaml', 'Cache-Control': 'no-cache, private', ...headers });
    ctx.res.end(toYaml(body));
    return;
  }
  writeJson(ctx.res, code, body, headers);
}

function partialMetadata(obj: any): any {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** A Table of stored objects; the printers read the storage version, embedded objects are in the request's. */
export function tableOf(ctx: RequestContext, items: any[]): any {
  const includeObject = ctx.output.includeObject ?? 'Metadata';
  const table = tableFor(ctx.resource.group, ctx.resource.kind, items, { includeObject, now: ctx.services.now() });
  if (includeObject === 'Object' && converts(ctx.resource)) for (const row of table.rows) row.object = toRequestVersion(ctx.resource, row.object);
  return table;
}

/** Sends one object (get, create, update, patch, delete); after a write, its JSON is the store's (writtenJson). */
export function respondObject(ctx: RequestContext, code: number, obj: any): void {
  if (ctx.output.format === 'json' && !ctx.output.metadataOnly && !converts(ctx.resource)) {
    const json = ctx.store.writtenJson(obj);
    if (json !== undefined) {
      send(ctx, code, json);
      return;
    }
  }
  if (ctx.output.format === 'table') {
    const table = tableOf(ctx, [obj]);
    table.metadata = { resourceVersion: obj.metadata?.resourceVersion };
    send(ctx, code, table);
    return;
  }
  const out = toRequestVersion(ctx.resource, obj);
  send(ctx, code, ctx.output.metadataOnly ? partialMetadata(out) : out);
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Sends a collection. */
export function respondList(ctx: RequestContext, items: any[], meta: ListMeta): void {
  const listMeta: Record<string, unknown> = { resourceVersion: meta.resourceVersion };
  if (meta.continue) listMeta.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) listMeta.remainingItemCount = meta.remainingItemCount;
  if (ctx.output.format === 'table') {
    const table = tableOf(ctx, items);
    table.metadata = listMeta;
    send(ctx, 200, table);
    return;
  }
  if (converts(ctx.resource)) items = items.map((o) => toRequestVersion(ctx.resource, o));
  if (ctx.output.metadataOnly) {
    send(ctx, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, items: items.map(partialMetadata) });
    return;
  }
  send(ctx, 200, { kind: `${ctx.resource.kind}List`, apiVersion: apiVersionOf(ctx.resource), metadata: listMeta, items });
}

/** A Status of success, as delete of a stored-and-gone object returns. */
export function respondStatus(ctx: RequestContext, code: number, details: Record<string, unknown>): void {
  send(ctx, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
}
