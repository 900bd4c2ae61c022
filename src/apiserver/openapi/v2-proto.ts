// The /openapi/v2 document in protobuf (gnostic's openapi_v2.Document), the
// only form kubectl's v2 client accepts: it asks for
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf and, refused,
// tries a legacy path instead of JSON. kubectl needs v2 for client-side
// validation (files of kind List, create-only kinds such as
// SelfSubjectAccessReview under the default --validate=strict) and
// `explain --output plaintext-openapiv2`. Only what those read is encoded:
// info, paths with operations, parameters and vendor extensions, definitions.
import { createHash } from 'node:crypto';
import type { Schema } from '../../api/openapi/definitions.ts';
import type { ServedDocument } from './v2.ts';
import { buildV2 } from './v2.ts';

type Json = Record<string, any>;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** Collects the fields of one message. */
class Msg {
  private readonly parts: Buffer[] = [];

  bytes(field: number, b: Buffer): this {
    this.parts.push(Buffer.from([...varint((field << 3) | 2), ...varint(b.length)]), b);
    return this;
  }

  str(field: number, s: string | undefined): this {
    return s === undefined || s === '' ? this : this.bytes(field, Buffer.from(s, 'utf8'));
  }

  strs(field: number, list: string[] | undefined): this {
    for (const s of list ?? []) this.bytes(field, Buffer.from(s, 'utf8'));
    return this;
  }

  bool(field: number, b: boolean | undefined): this {
    if (b) this.parts.push(Buffer.from([...varint(field << 3), 1]));
    return this;
  }

  msg(field: number, m: Msg | undefined): this {
    return m ? this.bytes(field, m.done()) : this;
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** NamedAny entries for the x-* keys of an object; the value travels as YAML (JSON is YAML). */
function extensions(m: Msg, field: number, o: Json): Msg {
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('x-')) m.msg(field, new Msg().str(1, k).msg(2, new Msg().str(2, JSON.stringify(v) + '\n')));
  }
  return m;
}

function schema(s: Schema): Msg {
  const m = new Msg().str(1, s.$ref).str(2, s.format).str(4, s.description).strs(19, s.required);
  if (typeof s.additionalProperties === 'object') m.msg(21, new Msg().msg(1, schema(s.additionalProperties)));
  else if (s.additionalProperties === true) m.msg(21, new Msg().bool(2, true));
  if (s.type) m.msg(22, new Msg().str(1, s.type));
  if (s.items) m.msg(23, new Msg().msg(1, schema(s.items)));
  if (s.properties) {
    const props = new Msg();
    for (const [name, p] of Object.entries(s.properties)) props.msg(1, new Msg().str(1, name).msg(2, schema(p)));
    m.msg(25, props);
  }
  return extensions(m, 31, s);
}

function parameter(p: Json): Msg {
  if (p.in === 'body') {
    return new Msg().msg(1, new Msg().msg(1, new Msg().str(1, p.description).str(2, p.name).str(3, p.in).bool(4, p.required).msg(5, schema(p.schema))));
  }
  // Query and path sub-schemas number their fields differently after `name`.
  const sub = p.in === 'path'
    ? new Msg().bool(1, p.required).str(2, p.in).str(3, p.description).str(4, p.name).str(5, p.type).bool(19, p.uniqueItems)
    : new Msg().bool(1, p.required).str(2, p.in).str(3, p.description).str(4, p.name).str(6, p.type).bool(20, p.uniqueItems);
  return new Msg().msg(1, new Msg().msg(2, new Msg().msg(p.in === 'path' ? 4 : 3, sub)));
}

function operation(o: Json): Msg {
  const m = new Msg().strs(1, o.tags).str(3, o.description).str(5, o.operationId).strs(6, o.produces).strs(7, o.consumes);
  for (const p of o.parameters ?? []) m.msg(8, parameter(p));
  m.strs(10, o.schemes);
  return extensions(m, 13, o);
}

const METHOD_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

/** Encodes a Swagger 2.0 document object (as buildV2 returns) to gnostic protobuf. */
export function encodeV2(doc: Json): Buffer {
  const paths = new Msg();
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    const pi = new Msg();
    for (const [method, field] of Object.entries(METHOD_FIELDS)) if (item[method]) pi.msg(field, operation(item[method]));
    for (const p of item.parameters ?? []) pi.msg(9, parameter(p));
    paths.msg(2, new Msg().str(1, path).msg(2, pi));
  }
  const defs = new Msg();
  for (const [name, s] of Object.entries<Schema>(doc.definitions)) defs.msg(1, new Msg().str(1, name).msg(2, schema(s)));
  return new Msg().str(1, doc.swagger).msg(2, new Msg().str(1, doc.info.title).str(2, doc.info.version)).msg(8, paths).msg(9, defs).done();
}

let cached: ServedDocument | undefined;

/** What kubectl asks for in Accept. */
export const PROTOBUF_V2_TYPE = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** What the response says it is: Go's mime parser refuses the '@' of the request form. */
export const PROTOBUF_V2_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** The /openapi/v2 document as protobuf, built on first use (ETag: hash of these bytes). */
export function openapiV2Protobuf(): ServedDocument {
  if (!cached) {
    const body = encodeV2(buildV2());
    cached = { body, etag: createHash('sha512').update(body).digest('hex').toUpperCase() };
  }
  return cached;
}
