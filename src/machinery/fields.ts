// Field selectors (`a=b,c!=d,e==f`) with apimachinery's escaping (`\,`,
// `\=`, `\\`), matched against the flat field set an object exposes.

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements(): FieldRequirement[];
  matches(fields: Record<string, string>): boolean;
  toString(): string;
}

function unescape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') {
      const next = s[i + 1];
      if (next === '\\' || next === ',' || next === '=') {
        out += next;
        i++;
        continue;
      }
      throw new Error(`invalid field selector: invalid escape sequence: \\${next ?? ''}`);
    }
    out += s[i];
  }
  return out;
}

/** Splits on a separator not preceded by an escaping backslash. */
function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      parts.push(cur);
      cur = '';
    } else cur += s[i];
  }
  parts.push(cur);
  return parts;
}

export function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
}

export function parseFieldSelector(text: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const part of splitUnescaped(text, ',')) {
    if (part.trim() === '') continue;
    const m = /^([^!=]+)(!=|==|=)(.*)$/s.exec(part);
    if (!m) throw new Error(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = m[1].trim();
    if (field === '') throw new Error(`invalid selector: '${text}'; can't understand '${part}'`);
    reqs.push({ field, operator: m[2] === '!=' ? '!=' : '=', value: unescape(m[3]) });
  }
  return {
    requirements: () => reqs,
    matches: (fields) => reqs.every((r) => (r.operator === '=' ? fields[r.field] === r.value : fields[r.field] !== r.value)),
    toString: () => reqs.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(','),
  };
}
