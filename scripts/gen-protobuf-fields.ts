// Builds src/apiserver/protobuf/fields.json: the protobuf field table the
// apiserver uses to decode request bodies in Kubernetes' protobuf encoding.
//
// Usage: node scripts/gen-protobuf-fields.ts <dir>
// <dir> holds upstream sources laid out by Go import path:
//   <dir>/k8s.io/api/<group>/<version>/{generated.proto,*.go}
//   <dir>/k8s.io/apimachinery/pkg/{apis/meta/v1,api/resource,util/intstr,runtime}/{generated.proto,*.go}
// Fill it from kubernetes/api and kubernetes/apimachinery checkouts, e.g. for
// each package: `git show HEAD:apps/v1/generated.proto > <dir>/k8s.io/api/apps/v1/…`
// (the upstream files are inputs only; they are not kept in this repository).
// The .proto files give field numbers and wire types. The Go struct tags of
// the same package give what the .proto cannot: the JSON name (inline
// embedded structs), omitempty/omitzero, and whether the Go field is a
// pointer, which decides whether a zero value on the wire reaches the JSON.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { RESOURCES, apiVersionOf } from '../src/api/resources.ts';

interface GoField { json: string; pointer: boolean; omitempty: boolean; omitzero: boolean; embedded: boolean }
interface ProtoField { name: string; num: number; type: string; key?: string; repeated: boolean }
/** One field of the table; see src/apiserver/protobuf/table.ts for the meaning of each key. */
type Spec = { n: string; t: string; k?: string; r?: 1; p?: 1; o?: 1; z?: 1; i?: 1 };

const SCALARS = new Set(['string', 'bool', 'int32', 'int64', 'bytes', 'double', 'float', 'uint32', 'uint64']);
const PREFIX = 'k8s.io.';
/** Kinds outside resources.ts that typed clients send as bodies. */
const EXTRA_KINDS: [string, string][] = [
  ['policy/v1', 'Eviction'], ['authentication.k8s.io/v1', 'TokenRequest'], ['autoscaling/v1', 'Scale'],
];
/** Option kinds every group version registers (metav1.AddToGroupVersion). */
const META_KINDS = ['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'ListOptions', 'GetOptions', 'Status', 'WatchEvent'];

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name === 'generated.proto') out.push(p);
  }
  return out;
}

function parseProto(text: string): { pkg: string; messages: Map<string, ProtoField[]> } {
  const pkg = /^package\s+([\w.]+);/m.exec(text)?.[1];
  if (!pkg) throw new Error('proto file without package');
  const messages = new Map<string, ProtoField[]>();
  let current: ProtoField[] | undefined;
  const qualify = (t: string) => (SCALARS.has(t) ? t : t.startsWith('.') ? t.slice(1) : `${pkg}.${t}`);
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    let m: RegExpExecArray | null;
    if ((m = /^message\s+(\w+)\s*\{/.exec(line))) messages.set(m[1], (current = []));
    else if (line === '}') current = undefined;
    else if (current && (m = /^(optional|repeated)\s+(\S+)\s+(\w+)\s*=\s*(\d+)/.exec(line))) {
      current.push({ name: m[3], num: Number(m[4]), type: qualify(m[2]), repeated: m[1] === 'repeated' });
    } else if (current && (m = /^map<\s*(\w+)\s*,\s*(\S+)\s*>\s+(\w+)\s*=\s*(\d+)/.exec(line))) {
      current.push({ name: m[3], num: Number(m[4]), type: qualify(m[2]), key: m[1], repeated: false });
    }
  }
  return { pkg, messages };
}

/** Struct fields by struct name and protobuf field number, plus named slice types. */
function parseGo(dir: string): { structs: Map<string, Map<number, GoField>>; slices: Set<string>; group?: string } {
  const structs = new Map<string, Map<number, GoField>>();
  const slices = new Set<string>();
  let group: string | undefined;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.go') || name.endsWith('_test.go')) continue;
    const text = readFileSync(join(dir, name), 'utf8');
    group ??= /GroupName\s*=\s*"([^"]*)"/.exec(text)?.[1];
    for (const m of text.matchAll(/^type (\w+) \[\]/gm)) slices.add(m[1]);
    for (const m of text.matchAll(/^type (\w+) struct \{\n([\s\S]*?)^\}/gm)) {
      const fields = new Map<number, GoField>();
      for (const line of m[2].split('\n')) {
        const f = /^\s+([^`/]*?)\s*`([^`]*)`/.exec(line);
        if (!f) continue;
        const pb = /protobuf:"[a-z0-9]+,(\d+),/.exec(f[2]);
        if (!pb) continue;
        const words = f[1].split(/\s+/);
        const goType = words[words.length - 1];
        const json = (/json:"([^"]*)"/.exec(f[2])?.[1] ?? '').split(',');
        fields.set(Number(pb[1]), {
          json: json[0], pointer: goType.startsWith('*'), embedded: words.length === 1,
          omitempty: json.includes('omitempty'), omitzero: json.includes('omitzero'),
        });
      }
      structs.set(m[1], fields);
    }
  }
  return { structs, slices, group };
}

function main(): void {
  const root = process.argv[2];
  if (!root) throw new Error('usage: gen-protobuf-fields.ts <dir with k8s.io/...>');
  const messages = new Map<string, Record<number, Spec>>();
  const wrappers = new Set<string>();
  const kinds: Record<string, string> = {};
  const packages = new Map<string, string>(); // apiVersion → proto package
  for (const file of walk(resolve(root))) {
    const { pkg, messages: msgs } = parseProto(readFileSync(file, 'utf8'));
    const go = parseGo(dirname(file));
    const version = pkg.split('.').pop()!;
    if (pkg.startsWith('k8s.io.api.') && go.group !== undefined) packages.set(go.group ? `${go.group}/${version}` : version, pkg);
    for (const [name, fields] of msgs) {
      const full = `${pkg}.${name}`;
      if (go.slices.has(name)) wrappers.add(full.slice(PREFIX.length));
      const goFields = go.structs.get(name);
      const table: Record<number, Spec> = {};
      for (const f of fields) {
        const g = goFields?.get(f.num);
        if (g && g.json === '-' && !g.embedded) continue;
        const spec: Spec = { n: g ? g.json : f.name, t: SCALARS.has(f.type) ? f.type : f.type.slice(PREFIX.length) };
        if (f.key) spec.k = f.key;
        if (f.repeated) spec.r = 1;
        // Without Go type information, presence on the wire is all we know.
        if (!g || g.pointer) spec.p = 1;
        if (g?.omitempty) spec.o = 1;
        if (g?.omitzero) spec.z = 1;
        if (g && g.embedded && g.json === '') spec.i = 1;
        table[f.num] = spec;
      }
      messages.set(full.slice(PREFIX.length), table);
    }
  }
  const roots: string[] = [];
  const addKind = (apiVersion: string, kind: string) => {
    const pkg = packages.get(apiVersion);
    if (!pkg) throw new Error(`no proto package for ${apiVersion}`);
    const name = `${pkg}.${kind}`.slice(PREFIX.length);
    if (!messages.has(name)) throw new Error(`no message ${name}`);
    kinds[`${apiVersion}/${kind}`] = name;
    roots.push(name);
  };
  const skipped: string[] = [];
  for (const r of RESOURCES) {
    if (packages.has(apiVersionOf(r))) addKind(apiVersionOf(r), r.kind);
    else skipped.push(`${apiVersionOf(r)}/${r.kind}`);
  }
  for (const [v, k] of EXTRA_KINDS) addKind(v, k);
  for (const k of META_KINDS) {
    kinds[`*/${k}`] = `apimachinery.pkg.apis.meta.v1.${k}`;
    roots.push(kinds[`*/${k}`]);
  }
  roots.push('apimachinery.pkg.runtime.Unknown');
  for (const m of messages.keys()) if (m.startsWith('apimachinery.pkg.apis.meta.v1.')) roots.push(m);

  const reachable = new Set<string>();
  const visit = (name: string) => {
    if (reachable.has(name)) return;
    const table = messages.get(name);
    if (!table) throw new Error(`unknown message ${name}`);
    reachable.add(name);
    for (const f of Object.values(table)) if (!SCALARS.has(f.t)) visit(f.t);
  };
  roots.forEach(visit);

  const lines = [...reachable].sort().map((m) => `    ${JSON.stringify(m)}: ${JSON.stringify(messages.get(m))}`);
  const out = `{\n  "kinds": ${JSON.stringify(kinds, Object.keys(kinds).sort(), 0)},\n`
    + `  "wrappers": ${JSON.stringify([...wrappers].filter((w) => reachable.has(w)).sort())},\n`
    + `  "messages": {\n${lines.join(',\n')}\n  }\n}\n`;
  const target = resolve(import.meta.dirname, '../src/apiserver/protobuf/fields.json');
  writeFileSync(target, out);
  process.stdout.write(`wrote ${reachable.size} messages, ${Object.keys(kinds).length} kinds to ${target}\n`);
  if (skipped.length) process.stdout.write(`no upstream .proto for: ${skipped.join(', ')}\n`);
}

main();
