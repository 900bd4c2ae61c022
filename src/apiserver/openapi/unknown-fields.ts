// Finds the fields of a request object that its kind's schema does not
// declare, for fieldValidation=Strict (an error) and Warn (warnings). Paths
// are in upstream's form: `.spec.template.spec.containers[0].imagee` (the
// caller drops the leading dot when it writes `unknown field "..."`).
import type { GroupVersionKind, Schema } from '../../api/openapi/definitions.ts';
import { DEFINITIONS, definitionNameFor, refName } from '../../api/openapi/definitions.ts';

/** A definition reduced to what the walk needs, built once per definition. */
interface Shape {
  /** Declared fields; undefined when the definition is not a struct. */
  props?: Map<string, Schema>;
  /** Anything goes below here (RawExtension, FieldsV1, opaque JSON). */
  open: boolean;
  schema: Schema;
}

const shapes = new Map<string, Shape>();

function shapeOf(name: string): Shape | undefined {
  let s = shapes.get(name);
  if (!s) {
    const schema = DEFINITIONS[name];
    if (!schema) return undefined;
    const open = schema['x-kubernetes-preserve-unknown-fields'] === true || schema['x-kubernetes-int-or-string'] === true;
    s = { schema, open, props: schema.properties ? new Map(Object.entries(schema.properties)) : undefined };
    shapes.set(name, s);
  }
  return s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Shapes by $ref, so that a visit does not cut the definition name out of the ref again.
const byRef = new Map<string, Shape | null>();
function shapeOfRef(ref: string): Shape | undefined {
  let s = byRef.get(ref);
  if (s === undefined) byRef.set(ref, (s = shapeOf(refName(ref)) ?? null));
  return s ?? undefined;
}

// The path is kept as segments and joined only for an unknown field: every
// write walks its whole object, and building each field's path string showed
// in profiles.
function walk(schema: Schema, value: unknown, path: string[], out: string[], depth: number): void {
  // Decoding already bounds nesting; this only guards against a cyclic schema.
  if (depth > 200 || value === null || typeof value !== 'object') return;
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (schema.$ref) {
    const shape = shapeOfRef(schema.$ref);
    if (!shape || shape.open) return;
    if (shape.props) return walkStruct(shape.props, value, path, out, depth);
    return walk(shape.schema, value, path, out, depth + 1);
  }
  if (schema.properties) return walkStruct(new Map(Object.entries(schema.properties)), value, path, out, depth);
  if (schema.type === 'array' && schema.items && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(`[${i}]`);
      walk(schema.items, value[i], path, out, depth + 1);
      path.pop();
    }
    return;
  }
  if (typeof schema.additionalProperties === 'object' && isPlainObject(value)) {
    for (const k of Object.keys(value)) {
      path.push(`.${k}`);
      walk(schema.additionalProperties, value[k], path, out, depth + 1);
      path.pop();
    }
  }
}

function walkStruct(props: Map<string, Schema>, value: object, path: string[], out: string[], depth: number): void {
  if (!isPlainObject(value)) return; // a type mismatch is validation's business, not an unknown field
  for (const k of Object.keys(value)) {
    const p = props.get(k);
    if (!p) {
      out.push(`${path.join('')}.${k}`);
      continue;
    }
    const v = value[k];
    // Scalars have nothing below them to check.
    if (v === null || typeof v !== 'object') continue;
    path.push(`.${k}`);
    walk(p, v, path, out, depth + 1);
    path.pop();
  }
}

/**
 * The unknown fields of `obj` against the schema of `gvk`, in document order,
 * e.g. ['.spec.replicass']. An unknown kind yields none: there is nothing to
 * check against.
 */
export function findUnknownFields(gvk: GroupVersionKind, obj: unknown): string[] {
  const name = definitionNameFor(gvk);
  if (!name) return [];
  const out: string[] = [];
  walk({ $ref: `#/definitions/${name}` }, obj, [], out, 0);
  return out;
}
