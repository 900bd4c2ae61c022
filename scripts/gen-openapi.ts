// Generates src/api/openapi/definitions.json: the OpenAPI (Swagger 2.0 style)
// definitions of every built-in kind k8ts serves, keyed by upstream's names
// (io.k8s.api.apps.v1.Deployment, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta).
//
// Regenerate (from the repository root, Node 24, no npm needed):
//   node scripts/gen-openapi.ts
//
// Sources: the kubernetes-types .d.ts files (shapes, required fields and the
// doc comments that `kubectl explain` prints), read with the TypeScript
// compiler API; the models of @kubernetes/client-node only for numeric and
// string formats (int32/int64/double/byte), which the .d.ts files lose. The
// patch strategies that kubectl's strategic merge patch needs are carried in
// neither, so ./gen-openapi-patch.ts holds them as a hand table.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as clientNode from '@kubernetes/client-node';
import { RESOURCES } from '../src/api/resources.ts';
import { applyListExtensions } from './gen-openapi-patch.ts';

type Schema = Record<string, any>;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = join(ROOT, 'node_modules/kubernetes-types');
const OUT = join(ROOT, 'src/api/openapi/definitions.json');
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Upstream's Go package (definition name prefix) for a kubernetes-types file. */
function packageOf(rel: string): string {
  const p = rel.replace(/\.d\.ts$/, '');
  if (p === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  if (p === 'version') return 'io.k8s.apimachinery.pkg.version';
  if (p === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (p === 'meta/v1') return 'io.k8s.apimachinery.pkg.apis.meta.v1';
  if (p.startsWith('apiextensions/')) return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${p.split('/')[1]}`;
  return `io.k8s.api.${p.replace('/', '.')}`;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(full));
    else if (e.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function docOf(node: ts.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const text = docs.map((d) => ts.getTextOfJSDocComment(d.comment) ?? '').join('\n').trim();
  return text || undefined;
}

/** Formats from the client-node models, by (class name, property). */
const FORMATS = new Map<string, Map<string, string>>();
for (const [name, value] of Object.entries(clientNode)) {
  const map = (value as any)?.attributeTypeMap as { name: string; baseName: string; format: string }[] | undefined;
  if (!Array.isArray(map)) continue;
  FORMATS.set(name, new Map(map.filter((a) => a.format).map((a) => [a.baseName, a.format])));
}
const cap = (s: string): string => s[0].toUpperCase() + s.slice(1);
function formatsFor(rel: string, name: string): Map<string, string> | undefined {
  const parts = rel.replace(/\.d\.ts$/, '').split('/');
  const ver = parts.length === 2 ? cap(parts[1]) : 'V1';
  return FORMATS.get(`${cap(parts[0])}${ver}${name}`) ?? FORMATS.get(`${ver}${name}`);
}

const defs: Record<string, Schema> = {};
const unknownNumbers: string[] = [];

for (const file of listFiles(TYPES)) {
  const rel = relative(TYPES, file);
  const pkg = packageOf(rel);
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const scope = new Map<string, string>();
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && st.importClause?.namedBindings && ts.isNamedImports(st.importClause.namedBindings)) {
      const target = join(dirname(rel), (st.moduleSpecifier as ts.StringLiteral).text) + '.d.ts';
      for (const el of st.importClause.namedBindings.elements) scope.set(el.name.text, `${packageOf(target)}.${el.name.text}`);
    } else if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name) {
      scope.set(st.name.text, `${pkg}.${st.name.text}`);
    }
  }

  const toSchema = (t: ts.TypeNode, where: string, format: string | undefined): Schema => {
    if (t.kind === ts.SyntaxKind.StringKeyword) return format === 'byte' ? { type: 'string', format } : { type: 'string' };
    if (t.kind === ts.SyntaxKind.BooleanKeyword) return { type: 'boolean' };
    if (t.kind === ts.SyntaxKind.NumberKeyword) {
      if (format === 'double') return { type: 'number', format };
      if (format !== 'int32' && format !== 'int64') unknownNumbers.push(where);
      return { type: 'integer', format: format === 'int64' ? 'int64' : 'int32' };
    }
    if (ts.isLiteralTypeNode(t)) return { type: 'string' };
    if (ts.isUnionTypeNode(t)) {
      const kinds = t.types.map((x) => x.kind).sort();
      if (kinds.join() === [ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.StringKeyword].sort().join()) return { $ref: `#/definitions/${INT_OR_STRING}` };
      throw new Error(`${where}: unsupported union ${t.getText()}`);
    }
    if (ts.isArrayTypeNode(t)) return { type: 'array', items: toSchema(t.elementType, where, format) };
    if (ts.isTypeLiteralNode(t)) {
      const index = t.members.find(ts.isIndexSignatureDeclaration);
      if (!index || t.members.length !== 1) throw new Error(`${where}: unsupported type literal`);
      return { type: 'object', additionalProperties: toSchema(index.type, where, format) };
    }
    if (ts.isTypeReferenceNode(t)) {
      const name = t.typeName.getText();
      if (name === 'Array' && t.typeArguments?.length === 1) return { type: 'array', items: toSchema(t.typeArguments[0], where, format) };
      const full = scope.get(name);
      if (!full) throw new Error(`${where}: unknown type ${name}`);
      return { $ref: `#/definitions/${full}` };
    }
    throw new Error(`${where}: unsupported type ${ts.SyntaxKind[t.kind]}`);
  };

  for (const st of sf.statements) {
    if (ts.isTypeAliasDeclaration(st)) {
      const name = `${pkg}.${st.name.text}`;
      if (st.name.text === 'Time' || st.name.text === 'MicroTime') defs[name] = { description: docOf(st), type: 'string', format: 'date-time' };
      else if (st.type.kind === ts.SyntaxKind.StringKeyword) defs[name] = { description: docOf(st), type: 'string' };
      continue; // the apiextensions JSONSchemaProps unions are not served
    }
    if (!ts.isInterfaceDeclaration(st)) continue;
    const name = `${pkg}.${st.name.text}`;
    const formats = formatsFor(rel, st.name.text);
    const schema: Schema = { description: docOf(st), type: 'object' };
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    let apiVersion: string | undefined;
    let kind: string | undefined;
    for (const m of st.members) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const prop = m.name.getText().replace(/^"|"$/g, '');
      const where = `${name}.${prop}`;
      const s = toSchema(m.type, where, formats?.get(prop));
      const description = docOf(m);
      properties[prop] = description ? { description, ...s } : s;
      if (!m.questionToken) required.push(prop);
      if (ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal)) {
        if (prop === 'apiVersion') apiVersion = m.type.literal.text;
        if (prop === 'kind') kind = m.type.literal.text;
      }
    }
    if (Object.keys(properties).length === 0) schema['x-kubernetes-preserve-unknown-fields'] = true;
    else schema.properties = properties;
    if (required.length) schema.required = required.sort();
    if (apiVersion && kind) {
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
      schema['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
    }
    defs[name] = schema;
  }
}

defs[INT_OR_STRING] = {
  description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
  type: 'string',
  format: 'int-or-string',
  'x-kubernetes-int-or-string': true,
};

applyListExtensions(defs);

// Keep only what the served kinds reach, so the committed file stays small.
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const roots = new Set<string>([
  `${META}.Status`, `${META}.DeleteOptions`, `${META}.WatchEvent`, `${META}.APIResourceList`, `${META}.APIGroupList`,
  `${META}.APIGroup`, `${META}.APIVersions`, `${META}.Patch`, 'io.k8s.apimachinery.pkg.version.Info',
  'io.k8s.api.autoscaling.v1.Scale', 'io.k8s.api.policy.v1.Eviction', 'io.k8s.api.authentication.v1.TokenRequest',
]);
for (const r of RESOURCES) {
  const pkg = r.group === '' ? `io.k8s.api.core.${r.version}` : `io.k8s.api.${r.group.split('.')[0]}.${r.version}`;
  roots.add(`${pkg}.${r.kind}`);
  if (!r.virtual) roots.add(`${pkg}.${r.kind}List`);
}
const keep = new Set<string>();
const visit = (name: string): void => {
  if (keep.has(name)) return;
  if (!defs[name]) throw new Error(`missing definition ${name}`);
  keep.add(name);
  JSON.stringify(defs[name], (k, v) => {
    if (k === '$ref') visit(String(v).replace('#/definitions/', ''));
    return v;
  });
};
for (const r of roots) visit(r);

const out: Record<string, Schema> = {};
for (const name of [...keep].sort()) out[name] = defs[name];
writeFileSync(OUT, JSON.stringify(out) + '\n');
const kept = [...keep].length;
console.log(`wrote ${relative(ROOT, OUT)}: ${kept} definitions, ${readFileSync(OUT).length} bytes`);
const missing = unknownNumbers.filter((w) => keep.has(w.slice(0, w.lastIndexOf('.'))));
if (missing.length) console.log(`numbers without a known format (int32 assumed): ${missing.join(', ')}`);
