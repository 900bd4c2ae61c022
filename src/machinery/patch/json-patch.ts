// JSON Patch (RFC 6902) over JSON Pointers (RFC 6901). Never mutates its
// input; a failing operation fails the whole patch.
import { PatchError, clone, isPlainObject } from './errors.ts';
import { isDeepEqual } from './equal.ts';

export type Operation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}": must be empty or start with "/"`);
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(token: string, length: number, forAdd: boolean, path: string): number {
  if (forAdd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchError(`invalid array index "${token}" in path "${path}"`);
  const i = Number(token);
  if (i > length || (!forAdd && i === length)) throw new PatchError(`array index ${i} is out of bounds in path "${path}"`, 'conflict');
  return i;
}

function parentOf(doc: any, tokens: string[], path: string): any {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false, path)];
    else if (isPlainObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new PatchError(`doc is missing path: "${path}"`, 'conflict');
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw new PatchError(`doc is missing path: "${path}"`, 'conflict');
  return cur;
}

function get(doc: any, path: string): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, path);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length, false, path)];
  if (!Object.hasOwn(parent, last)) throw new PatchError(`doc is missing path: "${path}"`, 'conflict');
  return parent[last];
}

function add(doc: any, path: string, value: unknown): any {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return clone(value);
  const parent = parentOf(doc, tokens, path);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, path), 0, clone(value));
  else parent[last] = clone(value);
  return doc;
}

function remove(doc: any, path: string): any {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const parent = parentOf(doc, tokens, path);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, false, path), 1);
  else {
    if (!Object.hasOwn(parent, last)) throw new PatchError(`unable to remove nonexistent key: ${last}: missing value`, 'conflict');
    delete parent[last];
  }
  return doc;
}

export function applyJsonPatch(original: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new PatchError('a JSON patch must be an array of operations');
  let doc: any = clone(original);
  for (const [i, raw] of patch.entries()) {
    if (!isPlainObject(raw)) throw new PatchError(`operation ${i} is not an object`);
    const op = raw as any;
    if (typeof op.path !== 'string') throw new PatchError(`operation ${i} (${op.op}) is missing "path"`);
    switch (op.op) {
      case 'add':
        if (!('value' in op)) throw new PatchError(`operation ${i} (add) is missing "value"`);
        doc = add(doc, op.path, op.value);
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        if (!('value' in op)) throw new PatchError(`operation ${i} (replace) is missing "value"`);
        get(doc, op.path);
        doc = op.path === '' ? clone(op.value) : add(remove(doc, op.path), op.path, op.value);
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw new PatchError(`operation ${i} (move) is missing "from"`);
        if (op.path.startsWith(op.from + '/')) throw new PatchError(`cannot move "${op.from}" into its own child "${op.path}"`);
        const v = get(doc, op.from);
        doc = add(remove(doc, op.from), op.path, v);
        break;
      }
      case 'copy':
        if (typeof op.from !== 'string') throw new PatchError(`operation ${i} (copy) is missing "from"`);
        doc = add(doc, op.path, get(doc, op.from));
        break;
      case 'test':
        if (!isDeepEqual(get(doc, op.path), op.value)) throw new PatchError(`testing value ${op.path} failed: test failed`, 'conflict');
        break;
      default:
        throw new PatchError(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}
