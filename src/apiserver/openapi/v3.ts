// OpenAPI v3: the /openapi/v3 index and one document per group-version
// (/openapi/v3/apis/apps/v1), as kube-apiserver splits them. kubectl reads
// these for `explain` (it finds the kind through the GVK on the resource's
// paths, then the schema carrying that GVK in components.schemas) and for
// --validate=strict (the fieldValidation parameter on the kind's PATCH).
import type { Schema } from '../../api/openapi/definitions.ts';
import { DEFINITIONS, REF_PREFIX, refName } from '../../api/openapi/definitions.ts';
import type { Operation, Param } from './operations.ts';
import { allPaths } from './operations.ts';
import type { ServedDocument } from './v2.ts';
import { serve } from './v2.ts';

const COMPONENTS = '#/components/schemas/';
const RESPONSE_TEXT: Record<string, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted' };

/** v3 replaces some v2 encodings: these two have no single type. */
const V3_OVERRIDES: Record<string, (s: Schema) => Schema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': (s) => ({ description: s.description, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true } as Schema),
  'io.k8s.apimachinery.pkg.api.resource.Quantity': (s) => ({ description: s.description, oneOf: [{ type: 'string' }, { type: 'number' }] } as Schema),
};

/** Rewrites refs to components, and wraps a ref that has siblings in allOf (as upstream's v3 does). */
function toV3(s: Schema): Schema {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref') continue;
    if (k === 'items' || k === 'additionalProperties') out[k] = typeof v === 'object' ? toV3(v as Schema) : v;
    else if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, toV3(ps)]));
    else out[k] = v;
  }
  if (s.$ref) {
    const ref = { $ref: COMPONENTS + refName(s.$ref) };
    if (Object.keys(out).length === 0) return ref;
    out.allOf = [ref];
  }
  return out as Schema;
}

let v3Schemas: Map<string, Schema> | undefined;

function schemaV3(name: string): Schema {
  v3Schemas ??= new Map();
  let s = v3Schemas.get(name);
  if (!s) {
    const src = DEFINITIONS[name];
    s = V3_OVERRIDES[name]?.(src) ?? toV3(src);
    v3Schemas.set(name, s);
  }
  return s;
}

/** The definition names `name` reaches through refs, itself included. */
function closure(names: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...names];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    JSON.stringify(DEFINITIONS[n], (k, v) => {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) stack.push(refName(v));
      return v;
    });
  }
  return seen;
}

function paramV3(p: Param): Record<string, unknown> {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

function content(types: string[], def: string): Record<string, unknown> {
  return Object.fromEntries(types.map((t) => [t, { schema: { $ref: COMPONENTS + def } }]));
}

function operationV3(o: Operation): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [code, def] of Object.entries(o.responses)) responses[code] = { description: RESPONSE_TEXT[code], content: content(o.produces, def) };
  responses['401'] = { description: 'Unauthorized' };
  const op: Record<string, unknown> = { tags: [o.tag], description: o.description, operationId: o.operationId, parameters: o.query.map(paramV3) };
  if (o.body) op.requestBody = { content: content(o.consumes[0] === '*/*' ? ['*/*'] : o.consumes, o.body), required: true };
  op.responses = responses;
  op['x-kubernetes-action'] = o.action;
  op['x-kubernetes-group-version-kind'] = o.gvk;
  return op;
}

/** One group-version's document as a plain object, or undefined for an unknown one. */
export function buildV3GroupVersion(gv: string): Record<string, unknown> | undefined {
  const items = allPaths().filter((p) => p.gv === gv);
  if (items.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const used = new Set<string>();
  for (const item of items) {
    const entry: Record<string, unknown> = {};
    for (const o of item.ops) {
      entry[o.method] = operationV3(o);
      if (o.body) used.add(o.body);
      for (const def of Object.values(o.responses)) used.add(def);
    }
    entry.parameters = item.params.map(paramV3);
    paths[item.path] = entry;
  }
  const schemas: Record<string, Schema> = {};
  for (const name of [...closure(used)].sort()) schemas[name] = schemaV3(name);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } },
    security: [{ BearerToken: [] }],
  };
}

let docs: Map<string, ServedDocument> | undefined;

function allDocs(): Map<string, ServedDocument> {
  if (!docs) {
    docs = new Map();
    for (const gv of new Set(allPaths().map((p) => p.gv))) docs.set(gv, serve(buildV3GroupVersion(gv)));
  }
  return docs;
}

/** The /openapi/v3 index: each group-version's URL carries its content hash. */
export function openapiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gv, doc] of allDocs()) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${doc.etag}` };
  return { paths };
}

/** The document for `api/v1` or `apis/<group>/<version>` (a leading slash or a `?hash=` tail is ignored). */
export function openapiV3GroupVersion(gv: string): ServedDocument | null {
  const key = gv.replace(/^\/+/, '').replace(/\?.*$/, '').replace(/\/+$/, '');
  return allDocs().get(key) ?? null;
}
