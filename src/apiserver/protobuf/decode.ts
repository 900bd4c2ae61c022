// Decodes request bodies in Kubernetes' protobuf encoding ("k8s\0" + a
// runtime.Unknown envelope around the object's message) into the same
// JSON-shaped object a JSON body from the same Go client would produce.
//
// The Go object a protobuf body decodes to is the one its JSON would decode
// to, so the JSON shape follows Go's JSON rules for that struct: pointer
// fields appear when present on the wire (replicas: 0, immutable: false);
// non-pointer zero values are left out under omitempty and written out
// otherwise, since go-to-protobuf always sends them and JSON would too.
import { newBadRequest } from '../../machinery/errors.ts';
import { Reader, ProtobufWireError, WIRE_VARINT, WIRE_FIXED64, WIRE_BYTES, WIRE_FIXED32 } from './reader.ts';
import { messageFields, messageForKind, WRAPPERS } from './table.ts';
import type { FieldSpec } from './table.ts';
import { SPECIALS } from './wellknown.ts';

/** The 4-byte prefix of every Kubernetes protobuf object: "k8s\0". */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** Embedded objects (RawExtension holding protobuf) may nest; bodies may not nest without end. */
const MAX_DEPTH = 100;

const utf8 = new TextDecoder('utf-8');

const WIRE_OF: Record<string, number> = {
  string: WIRE_BYTES, bytes: WIRE_BYTES, bool: WIRE_VARINT, int32: WIRE_VARINT, int64: WIRE_VARINT,
  uint32: WIRE_VARINT, uint64: WIRE_VARINT, double: WIRE_FIXED64, float: WIRE_FIXED32,
};

const ZERO: Record<string, unknown> = { string: '', bytes: '', bool: false, int32: 0, int64: 0, uint32: 0, uint64: 0, double: 0, float: 0 };

function scalar(r: Reader, type: string): unknown {
  switch (type) {
    case 'string': return utf8.decode(r.bytes());
    case 'bytes': return Buffer.from(r.bytes()).toString('base64');
    case 'bool': return r.bool();
    case 'int32': return r.int32();
    case 'int64': return r.int64();
    case 'uint32': return r.uint32();
    case 'uint64': return r.uint64();
    case 'double': return r.double();
    case 'float': return r.float();
    default: throw new ProtobufWireError(`unsupported scalar type ${type}`);
  }
}

function isZero(v: unknown): boolean {
  if (v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

class Decoder {
  depth = 0;

  /** runtime.Unknown: typeMeta, raw, contentEncoding, contentType. */
  unknown(body: Uint8Array): Record<string, unknown> {
    if (body.length < 4 || !PROTOBUF_MAGIC.every((b, i) => body[i] === b)) {
      throw new ProtobufWireError(`provided data does not appear to be a protobuf message, expected prefix [${PROTOBUF_MAGIC.join(' ')}]`);
    }
    if (++this.depth > MAX_DEPTH) throw new ProtobufWireError(`objects nest deeper than ${MAX_DEPTH} levels`);
    let apiVersion = '';
    let kind = '';
    let raw: Uint8Array = new Uint8Array(0);
    let encoding = '';
    const r = new Reader(body.subarray(4));
    while (!r.done()) {
      const { field, wire } = r.tag();
      if (field === 1 && wire === WIRE_BYTES) {
        const tm = this.message(r.bytes(), 'apimachinery.pkg.runtime.TypeMeta') as Record<string, string>;
        apiVersion = tm.apiVersion ?? '';
        kind = tm.kind ?? '';
      } else if (field === 2 && wire === WIRE_BYTES) raw = r.bytes();
      else if (field === 3 && wire === WIRE_BYTES) encoding = utf8.decode(r.bytes());
      else r.skip(wire);
    }
    if (encoding !== '') throw new ProtobufWireError(`unsupported contentEncoding ${JSON.stringify(encoding)}`);
    if (kind === '') throw new ProtobufWireError("Object 'Kind' is missing in the protobuf body");
    const type = messageForKind(apiVersion, kind);
    if (!type) throw new ProtobufWireError(`no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`);
    const obj = this.message(raw, type) as Record<string, unknown>;
    this.depth--;
    return { apiVersion, kind, ...obj };
  }

  message(buf: Uint8Array, type: string): unknown {
    const special = SPECIALS.get(type);
    if (special) return special(buf, (nested) => this.unknown(nested));
    const table = messageFields(type);
    if (!table) throw new ProtobufWireError(`no field table for message ${type}`);
    if (++this.depth > MAX_DEPTH) throw new ProtobufWireError(`objects nest deeper than ${MAX_DEPTH} levels`);
    const out: Record<string, unknown> = {};
    const inlined: Record<string, unknown>[] = [];
    const r = new Reader(buf);
    while (!r.done()) {
      const { field, wire } = r.tag();
      const spec = table[field];
      if (!spec) {
        r.skip(wire);
        continue;
      }
      if (spec.k !== undefined) this.mapEntry(r, wire, spec, out);
      else if (spec.r) this.repeated(r, wire, spec, out);
      else {
        const v = this.value(r, wire, spec);
        if (spec.i) inlined.push(v as Record<string, unknown>);
        else if (!spec.p && ((spec.o && spec.t in ZERO) || spec.z) && isZero(v)) delete out[spec.n];
        else out[spec.n] = v;
      }
    }
    // go-to-protobuf always writes non-pointer scalars; fill them in when a hand-built body left them out.
    for (const spec of Object.values(table)) {
      if (!spec.p && !spec.o && !spec.z && !spec.r && spec.k === undefined && spec.t in ZERO && !(spec.n in out)) out[spec.n] = ZERO[spec.t];
    }
    this.depth--;
    if (WRAPPERS.has(type)) return out.items ?? [];
    return inlined.length ? Object.assign(out, ...inlined) : out;
  }

  private value(r: Reader, wire: number, spec: FieldSpec): unknown {
    const want = WIRE_OF[spec.t] ?? WIRE_BYTES;
    if (wire !== want) throw new ProtobufWireError(`wrong wireType = ${wire} for field ${spec.n || spec.t}`);
    return spec.t in WIRE_OF ? scalar(r, spec.t) : this.message(r.bytes(), spec.t);
  }

  private repeated(r: Reader, wire: number, spec: FieldSpec, out: Record<string, unknown>): void {
    const list = (out[spec.n] ??= []) as unknown[];
    const want = WIRE_OF[spec.t] ?? WIRE_BYTES;
    if (wire === WIRE_BYTES && want !== WIRE_BYTES) {
      // Packed numbers: one length-delimited run of values.
      const packed = new Reader(r.bytes());
      while (!packed.done()) list.push(scalar(packed, spec.t));
      return;
    }
    list.push(this.value(r, wire, spec));
  }

  private mapEntry(r: Reader, wire: number, spec: FieldSpec, out: Record<string, unknown>): void {
    if (wire !== WIRE_BYTES) throw new ProtobufWireError(`wrong wireType = ${wire} for field ${spec.n}`);
    const entry = new Reader(r.bytes());
    let key: unknown = ZERO[spec.k!];
    let value: unknown;
    while (!entry.done()) {
      const { field, wire: w } = entry.tag();
      if (field === 1) key = this.value(entry, w, { n: spec.n, t: spec.k! });
      else if (field === 2) value = this.value(entry, w, { n: spec.n, t: spec.t });
      else entry.skip(w);
    }
    // An absent value is the zero value of its type, as in Go.
    value ??= spec.t in ZERO ? ZERO[spec.t] : this.message(new Uint8Array(0), spec.t);
    const map = (out[spec.n] ??= {}) as Record<string, unknown>;
    map[String(key)] = value;
  }
}

/**
 * Decodes a body of Content-Type application/vnd.kubernetes.protobuf into the
 * object a JSON body would have produced, with apiVersion and kind from the
 * envelope. Malformed bodies and unknown kinds are 400 BadRequest.
 */
export function decodeProtobuf(body: Uint8Array): Record<string, unknown> {
  try {
    return new Decoder().unknown(body);
  } catch (err) {
    if (err instanceof ProtobufWireError) throw newBadRequest(`the request body is not a valid protobuf object: ${err.message}`);
    throw err;
  }
}
