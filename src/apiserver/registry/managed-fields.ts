// Field ownership (metadata.managedFields). An object is seen as a set of
// leaf paths; each manager owns some of them. Paths use the FieldsV1
// element syntax: "f:name" for a field, "k:{...}" for an item of a list
// keyed by a merge key, "v:<json>" for an item of a set-like list.

/** Lists whose items are identified by these keys (upstream's list-map keys). */
const LIST_KEYS: Record<string, string[]> = {
  containers: ['name'], initContainers: ['name'], ephemeralContainers: ['name'], volumes: ['name'], env: ['name'],
  volumeMounts: ['mountPath'], volumeDevices: ['devicePath'], imagePullSecrets: ['name'], hostAliases: ['ip'],
  conditions: ['type'], ownerReferences: ['uid'], resourceClaims: ['name'], topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
  addresses: ['type'], resizePolicy: ['resourceName'],
};
/** Lists of scalars that merge as sets. */
const SET_LISTS = new Set(['finalizers']);

function listKeys(field: string, items: any[], parentPath: string[]): string[] | undefined {
  if (field === 'ports') {
    // Container ports are keyed by containerPort+protocol, Service ports by port+protocol.
    if (items.every((i) => i && typeof i === 'object' && 'containerPort' in i)) return ['containerPort', 'protocol'];
    if (parentPath.includes('f:spec') && items.every((i) => i && typeof i === 'object' && 'port' in i)) return ['port', 'protocol'];
    return undefined;
  }
  const keys = LIST_KEYS[field];
  if (!keys) return undefined;
  return items.every((i) => i && typeof i === 'object' && keys.some((k) => k in i)) ? keys : undefined;
}

/** The "k:{...}" element naming an item of a keyed list by its key fields. */
function itemElement(item: any, keys: string[]): string {
  const id: Record<string, unknown> = {};
  for (const k of keys) if (item[k] !== undefined) id[k] = item[k];
  return `k:${JSON.stringify(id)}`;
}

export type Path = string[];
export type FieldSet = Map<string, Path>;

const SEP = '\u0000';
export const pathKey = (p: Path): string => p.join(SEP);

/** Every leaf path of obj (below its top level), ignoring metadata the server owns. */
export function leaves(obj: any): FieldSet {
  const out: FieldSet = new Map();
  walk(obj, [], out, true);
  return out;
}

const SERVER_OWNED_META = new Set(['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'name', 'namespace']);

function walk(value: any, path: Path, out: FieldSet, top = false): void {
  if (Array.isArray(value)) {
    const field = path[path.length - 1]?.slice(2) ?? '';
    if (SET_LISTS.has(field) && value.every((v) => typeof v !== 'object')) {
      for (const v of value) add(out, [...path, `v:${JSON.stringify(v)}`]);
      return;
    }
    const keys = value.length > 0 ? listKeys(field, value, path) : undefined;
    if (!keys) return add(out, path);
    for (const item of value) {
      const itemPath = [...path, itemElement(item, keys)];
      add(out, [...itemPath, '.']);
      walk(item, itemPath, out);
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0 && !top) return add(out, path);
    for (const k of keys) {
      if (skipped(path, top, k)) continue;
      walk(value[k], [...path, `f:${k}`], out);
    }
    return;
  }
  add(out, path);
}

/**
 * The leaves (as leaves() lists them) that differ between old and next, each
 * with its path in next, or undefined when next no longer has it. Subtrees
 * that are equal hold the same leaves with the same values, so they are
 * skipped without listing them: most writes change a few fields of a large
 * object.
 */
export function changedLeaves(old: any, next: any, equal: (a: unknown, b: unknown) => boolean): Map<string, Path | undefined> {
  const before: FieldSet = new Map();
  const after: FieldSet = new Map();
  diff(old, next, [], true, before, after, equal);
  const changed = new Map<string, Path | undefined>();
  for (const [k, p] of after) if (!before.has(k) || !equal(valueAt(old, p), valueAt(next, p))) changed.set(k, p);
  for (const k of before.keys()) if (!after.has(k)) changed.set(k, undefined);
  return changed;
}

/** Fields no manager owns: the top-level type and status, and metadata the server sets. */
function skipped(path: Path, top: boolean, k: string): boolean {
  if (top && (k === 'apiVersion' || k === 'kind' || k === 'status')) return true;
  return path.length === 1 && path[0] === 'f:metadata' && SERVER_OWNED_META.has(k);
}

function diff(o: any, n: any, path: Path, top: boolean, before: FieldSet, after: FieldSet, equal: (a: unknown, b: unknown) => boolean): void {
  if (o === n) return;
  if (o !== null && n !== null && typeof o === 'object' && typeof n === 'object' && !Array.isArray(o) && !Array.isArray(n)) {
    const ok = Object.keys(o);
    const nk = Object.keys(n);
    // walk() makes an empty object (below the top) a leaf of its own: compare those whole.
    if (top || (ok.length > 0 && nk.length > 0)) {
      for (const k of ok) {
        if (skipped(path, top, k)) continue;
        if (Object.hasOwn(n, k)) diff(o[k], n[k], [...path, `f:${k}`], false, before, after, equal);
        else walk(o[k], [...path, `f:${k}`], before);
      }
      for (const k of nk) if (!Object.hasOwn(o, k) && !skipped(path, top, k)) walk(n[k], [...path, `f:${k}`], after);
      return;
    }
  }
  if (equal(o, n)) return;
  walk(o, path, before, top);
  walk(n, path, after, top);
}

function add(out: FieldSet, path: Path): void {
  if (path.length > 0) out.set(pathKey(path), path);
}

// Every write compares each leaf before and after by its path, and list
// items' paths repeat from write to write: parse each k:/v: element once.
// (The parsed values are only read.)
const parsedElements = new Map<string, any>();
function parseElement(el: string): any {
  let v = parsedElements.get(el);
  if (v === undefined) {
    v = JSON.parse(el.slice(2));
    if (parsedElements.size >= 10_000) parsedElements.clear();
    parsedElements.set(el, v);
  }
  return v;
}

/** The value at a path (undefined when absent). */
export function valueAt(obj: any, path: Path): any {
  let cur = obj;
  for (const el of path) {
    if (el === '.') return cur;
    if (cur === undefined || cur === null) return undefined;
    if (el.startsWith('f:')) cur = cur[el.slice(2)];
    else if (el.startsWith('k:')) {
      const id = parseElement(el);
      cur = Array.isArray(cur) ? cur.find((i) => Object.entries(id).every(([k, v]) => i?.[k] === v)) : undefined;
    } else if (el.startsWith('v:')) {
      const v = parseElement(el);
      cur = Array.isArray(cur) && cur.includes(v) ? v : undefined;
    }
  }
  return cur;
}

/**
 * toFieldsV1(leaves(obj)), built in one walk without the set of joined paths
 * between: what the manager of a create owns. Profiles of creates showed
 * the set and its conversion.
 */
export function fieldsV1Of(obj: any): Record<string, any> {
  const root: Record<string, any> = {};
  build(obj, [], root, true);
  return sortTree(root);
}

/** As walk(), into a tree; says whether value gave any leaf (a node left empty would read as one). */
function build(value: any, path: Path, node: Record<string, any>, top = false): boolean {
  if (Array.isArray(value)) {
    const field = path[path.length - 1]?.slice(2) ?? '';
    if (SET_LISTS.has(field) && value.every((v) => typeof v !== 'object')) {
      for (const v of value) node[`v:${JSON.stringify(v)}`] ??= {};
      return value.length > 0;
    }
    const keys = value.length > 0 ? listKeys(field, value, path) : undefined;
    if (!keys) return true;
    for (const item of value) {
      const el = itemElement(item, keys);
      const child = (node[el] ??= {});
      child['.'] ??= {};
      path.push(el);
      build(item, path, child);
      path.pop();
    }
    return true;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0 && !top) return true;
    let any = false;
    for (const k of keys) {
      if (skipped(path, top, k)) continue;
      const el = `f:${k}`;
      const child: Record<string, any> = (node[el] = {});
      path.push(el);
      if (build(value[k], path, child)) any = true;
      else delete node[el];
      path.pop();
    }
    return any;
  }
  return true;
}

/** Converts a field set to the FieldsV1 tree stored in managedFields. */
export function toFieldsV1(set: FieldSet): Record<string, any> {
  const root: Record<string, any> = {};
  for (const path of set.values()) {
    let node = root;
    for (const el of path) node = node[el] ??= {};
  }
  return sortTree(root);
}

function sortTree(node: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const k of Object.keys(node).sort()) out[k] = sortTree(node[k]);
  return out;
}

/**
 * Whether tree is exactly what toFieldsV1 builds: nested plain objects with
 * sorted keys (and no NUL in them, which pathKey joins with). Then
 * toFieldsV1(fromFieldsV1(tree)) equals tree.
 */
export function isNormalFieldsV1(tree: unknown): boolean {
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree) || Object.getPrototypeOf(tree) !== Object.prototype) return false;
  const node = tree as Record<string, unknown>;
  const keys = Object.keys(node);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if ((i > 0 && !(keys[i - 1] < k)) || k.includes(SEP) || !isNormalFieldsV1(node[k])) return false;
  }
  return true;
}

/** Whether fromFieldsV1(tree) holds key, for a tree isNormalFieldsV1 accepts. */
export function hasLeaf(tree: Record<string, any>, key: string): boolean {
  let node = tree;
  for (const el of key.split(SEP)) {
    if (!Object.hasOwn(node, el)) return false;
    node = node[el];
  }
  return node !== tree && Object.keys(node).length === 0;
}

export function fromFieldsV1(tree: Record<string, any> | undefined): FieldSet {
  const out: FieldSet = new Map();
  const visit = (node: Record<string, any>, path: Path): void => {
    const keys = Object.keys(node);
    if (keys.length === 0) return add(out, path);
    for (const k of keys) visit(node[k], [...path, k]);
  };
  if (tree) visit(tree, []);
  return out;
}

/** Renders a path as upstream prints it in conflict messages: .spec.containers[name="app"].image */
export function formatPath(path: Path): string {
  let s = '';
  for (const el of path) {
    if (el === '.') continue;
    if (el.startsWith('f:')) s += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) {
      const id = JSON.parse(el.slice(2));
      s += `[${Object.entries(id).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } else if (el.startsWith('v:')) s += `[=${el.slice(2)}]`;
  }
  return s;
}
