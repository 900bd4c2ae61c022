// The Swagger 2.0 document served at /openapi/v2 (JSON only: clients that
// ask for protobuf alone get 406 from the HTTP layer). Built once, then
// served from memory with a content hash as ETag.
import { createHash } from 'node:crypto';
import { DEFINITIONS } from '../../api/openapi/definitions.ts';
import { KUBE_MAJOR, KUBE_MINOR } from '../../version.ts';
import type { Operation, Param } from './operations.ts';
import { allPaths } from './operations.ts';

export interface ServedDocument {
  body: Buffer;
  /** Upper-case hex SHA-512 of the body, as kube-apiserver computes it (unquoted). */
  etag: string;
}

const RESPONSE_TEXT: Record<string, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted' };

export function paramV2(p: Param): Record<string, unknown> {
  return { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in, ...(p.required ? { required: true } : {}) };
}

function operationV2(o: Operation): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  if (o.body) parameters.push({ name: 'body', in: 'body', required: true, schema: { $ref: `#/definitions/${o.body}` } });
  parameters.push(...o.query.map(paramV2));
  const responses: Record<string, unknown> = {};
  for (const [code, def] of Object.entries(o.responses)) responses[code] = { description: RESPONSE_TEXT[code], schema: { $ref: `#/definitions/${def}` } };
  responses['401'] = { description: 'Unauthorized' };
  return {
    description: o.description,
    consumes: o.consumes,
    produces: o.produces,
    schemes: ['https'],
    tags: [o.tag],
    operationId: o.operationId,
    parameters,
    responses,
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

/** The document as a plain object (tests and other builders read it). */
export function buildV2(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const item of allPaths()) {
    const entry: Record<string, unknown> = {};
    for (const o of item.ops) entry[o.method] = operationV2(o);
    entry.parameters = item.params.map(paramV2);
    paths[item.path] = entry;
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: `v${KUBE_MAJOR}.${KUBE_MINOR}.0` },
    paths,
    definitions: DEFINITIONS,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

export function serve(doc: unknown): ServedDocument {
  const body = Buffer.from(JSON.stringify(doc));
  return { body, etag: createHash('sha512').update(body).digest('hex').toUpperCase() };
}

let cached: ServedDocument | undefined;

/** The /openapi/v2 document, built on first use. */
export function openapiV2(): ServedDocument {
  cached ??= serve(buildV2());
  return cached;
}
