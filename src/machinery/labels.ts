// Label selectors with apimachinery's semantics: the string syntax
// (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`,
// `a<5`) and LabelSelector objects, matching, and the canonical string form
// (requirements sorted by key).

export type Operator = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export interface Selector {
  requirements: Requirement[];
  matches(labels: Record<string, string>): boolean;
  toString(): string;
  empty(): boolean;
}

export class SelectorParseError extends Error {}

function matchOne(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'in': case '=': case '==': return has && r.values.includes(v);
    case 'notin': case '!=': return !has || !r.values.includes(v);
    case 'exists': return has;
    case '!': return !has;
    case 'gt': case 'lt': {
      if (!has || !/^-?\d+$/.test(v)) return false;
      const n = Number(v);
      const bound = Number(r.values[0]);
      return r.operator === 'gt' ? n > bound : n < bound;
    }
  }
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'exists': return r.key;
    case '!': return `!${r.key}`;
    case 'in': return `${r.key} in (${[...r.values].sort().join(',')})`;
    case 'notin': return `${r.key} notin (${[...r.values].sort().join(',')})`;
    case 'gt': return `${r.key}>${r.values[0]}`;
    case 'lt': return `${r.key}<${r.values[0]}`;
    default: return `${r.key}${r.operator}${r.values[0]}`;
  }
}

export function makeSelector(requirements: Requirement[]): Selector {
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    matches: (labels) => sorted.every((r) => matchOne(r, labels ?? {})),
    toString: () => sorted.map(requirementString).join(','),
    empty: () => sorted.length === 0,
  };
}

export const everything = (): Selector => makeSelector([]);

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(k: string): void {
  const name = k.includes('/') ? k.slice(k.indexOf('/') + 1) : k;
  if (!KEY.test(k) || name.length > 63 || (k.includes('/') && k.indexOf('/') > 253)) throw new SelectorParseError(`invalid label key "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
}

function checkValue(v: string): void {
  if (v.length > 63 || !VALUE.test(v)) throw new SelectorParseError(`invalid label value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function parseSelector(text: string): Selector {
  const reqs: Requirement[] = [];
  if (text.trim() === '') return makeSelector([]);
  for (const raw of splitTop(text)) {
    const part = raw.trim();
    if (part === '') throw new SelectorParseError(`found '', expected: identifier`);
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part))) {
      const values = m[3].split(',').map((v) => v.trim());
      checkKey(m[1]);
      values.forEach(checkValue);
      reqs.push({ key: m[1], operator: m[2] as Operator, values });
    } else if ((m = /^!\s*(\S+)$/.exec(part))) {
      checkKey(m[1]);
      reqs.push({ key: m[1], operator: '!', values: [] });
    } else if ((m = /^([^=!<>\s]+)\s*(==|!=|=|<|>)\s*(.*)$/.exec(part))) {
      const [, key, op, value] = m;
      checkKey(key);
      if (op === '<' || op === '>') {
        if (!/^-?\d+$/.test(value.trim())) throw new SelectorParseError(`for 'Gt', 'Lt' operators, the value must be an integer`);
        reqs.push({ key, operator: op === '>' ? 'gt' : 'lt', values: [value.trim()] });
      } else {
        checkValue(value.trim());
        reqs.push({ key, operator: op as Operator, values: [value.trim()] });
      }
    } else if (/^\S+$/.test(part)) {
      checkKey(part);
      reqs.push({ key: part, operator: 'exists', values: [] });
    } else {
      throw new SelectorParseError(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }
  return makeSelector(reqs);
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A LabelSelector object as a Selector; invalid operators or values throw. */
export function fromLabelSelector(ls: LabelSelector | null | undefined): Selector {
  if (!ls) return makeSelector([]);
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push({ key: k, operator: '=', values: [v] });
  for (const e of ls.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': case 'NotIn':
        if (values.length === 0) throw new SelectorParseError(`for 'in', 'notin' operators, values set can't be empty`);
        reqs.push({ key: e.key, operator: e.operator === 'In' ? 'in' : 'notin', values });
        break;
      case 'Exists': case 'DoesNotExist':
        if (values.length > 0) throw new SelectorParseError(`values set must be empty for exists and does not exist`);
        reqs.push({ key: e.key, operator: e.operator === 'Exists' ? 'exists' : '!', values: [] });
        break;
      default:
        throw new SelectorParseError(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return makeSelector(reqs);
}

/** upstream's FormatLabelSelector: the canonical string, or `<none>` for an empty selector. */
export function formatLabelSelector(ls: LabelSelector | null | undefined): string {
  const s = fromLabelSelector(ls).toString();
  return s === '' ? '<none>' : s;
}
