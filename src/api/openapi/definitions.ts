// The OpenAPI definitions of every served kind, generated into
// definitions.json by scripts/gen-openapi.ts (regenerate with
// `node scripts/gen-openapi.ts`), and lookups by group/version/kind.
import data from './definitions.json' with { type: 'json' };

/** A Swagger 2.0 style schema: refs are `#/definitions/<name>`. */
export type Schema = {
  description?: string;
  type?: string;
  format?: string;
  $ref?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  required?: string[];
  [extension: `x-${string}`]: unknown;
};

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export const DEFINITIONS: Readonly<Record<string, Schema>> = data as unknown as Record<string, Schema>;

export const REF_PREFIX = '#/definitions/';

/** The definition name a `$ref` points at. */
export function refName(ref: string): string {
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
}

let byGvk: Map<string, string> | undefined;

const gvkKey = (g: GroupVersionKind): string => `${g.group}/${g.version}/${g.kind}`;

/** The definition name of a top-level kind, e.g. io.k8s.api.apps.v1.Deployment. */
export function definitionNameFor(gvk: GroupVersionKind): string | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const [name, schema] of Object.entries(DEFINITIONS)) {
      const list = schema['x-kubernetes-group-version-kind'] as GroupVersionKind[] | undefined;
      for (const g of list ?? []) byGvk.set(gvkKey(g), name);
    }
  }
  return byGvk.get(gvkKey(gvk));
}

/** The schema of a top-level kind, or undefined when k8ts does not know it. */
export function schemaFor(gvk: GroupVersionKind): Schema | undefined {
  const name = definitionNameFor(gvk);
  return name === undefined ? undefined : DEFINITIONS[name];
}
