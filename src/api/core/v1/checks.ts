// Field-error constructors and the string checks upstream's validation
// uses (k8s.io/apimachinery/pkg/util/validation), with its exact messages.
import type { FieldError } from './errors.ts';

export const required = (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, badValue: '', detail });
export const invalid = (field: string, badValue: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, badValue, detail });
export const duplicate = (field: string, badValue: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, badValue, detail: '' });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, badValue: '', detail });
export const tooLong = (field: string, badValue: unknown, max: number): FieldError =>
  ({ type: 'FieldValueTooLong', field, badValue, detail: `may not be more than ${max} bytes` });
export function notSupported(field: string, badValue: unknown, supported: readonly string[]): FieldError {
  return { type: 'FieldValueNotSupported', field, badValue, detail: `supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}` };
}
export const immutable = (field: string, badValue: unknown): FieldError => invalid(field, badValue, 'field is immutable');

function maxLen(n: number): string {
  return `must be no more than ${n} characters`;
}

function regexError(msg: string, re: string, ...examples: string[]): string {
  const ex = examples.length > 0 ? ` (e.g. ${examples.map((e) => `'${e}'`).join(',  or ')}, regex used for validation is '${re}')` : ` (regex used for validation is '${re}')`;
  return msg + ex;
}

const LABEL_RE = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN_RE = `${LABEL_RE}(\\.${LABEL_RE})*`;
const DNS1035_RE = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QNAME_RE = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_RE = `(${QNAME_RE})?`;
const CONFIG_KEY_RE = '[-._a-zA-Z0-9]+';

function full(re: string): RegExp {
  return new RegExp(`^(?:${re})$`);
}
const isLabel = full(LABEL_RE);
const isSubdomain = full(SUBDOMAIN_RE);
const is1035 = full(DNS1035_RE);
const isQName = full(QNAME_RE);
const isLabelValue = full(LABEL_VALUE_RE);
const isConfigKey = full(CONFIG_KEY_RE);

export function dns1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!isLabel.test(v)) {
    errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", LABEL_RE, 'my-name', '123-abc'));
  }
  return errs;
}

export function dns1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!isSubdomain.test(v)) {
    errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", SUBDOMAIN_RE, 'example.com'));
  }
  return errs;
}

export function dns1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!is1035.test(v)) {
    errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_RE, 'my-name', 'abc-123'));
  }
  return errs;
}

export function pathSegment(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (v.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

const QNAME_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

export function qualifiedName(v: string): string[] {
  const parts = v.split('/');
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of dns1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QNAME_RE, 'MyName', 'my.name', '123-abc') +
      " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (name.length > 0 && !isQName.test(name)) errs.push(regexError(QNAME_MSG, QNAME_RE, 'MyName', 'my.name', '123-abc'));
  return errs;
}

export function labelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!isLabelValue.test(v)) {
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE_RE, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

export function configMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!isConfigKey.test(v)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY_RE, 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (v === '.') errs.push("must not be '.'");
  else if (v === '..') errs.push("must not be '..'");
  else if (v.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** RelaxedEnvironmentVariableValidation is on by default since 1.32. */
export function envVarName(v: string): string[] {
  if (v.length === 0) return [];
  return /^[\x20-\x3c\x3e-\x7e]+$/.test(v) ? [] : ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
}

export function portNumber(n: unknown): string[] {
  return Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

export function portName(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(v)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (v.length > 0 && (v.startsWith('-') || v.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** Runs a check and turns each message into an Invalid error on the field. */
export function check(field: string, value: string, fn: (v: string) => string[]): FieldError[] {
  return fn(value).map((m) => invalid(field, value, m));
}

/** upstream's ValidateNonnegativeField. */
export function nonNegative(field: string, v: unknown): FieldError[] {
  return typeof v === 'number' && v < 0 ? [invalid(field, v, 'must be greater than or equal to 0')] : [];
}

export function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function list(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

/** Structural equality of decoded JSON values; absent and undefined fields are the same. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as any)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as any)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}
