// ObjectMeta validation, as upstream's ValidateObjectMeta: name or
// generateName, namespace presence, labels, annotations, owner references
// and finalizers. Field paths and messages match kube-apiserver.
import type { FieldError } from './errors.ts';
import {
  required, invalid, forbidden, tooLong, check, dns1123Label, dns1123Subdomain, dns1035Label, pathSegment, qualifiedName,
  labelValue, isObj, list, nonNegative,
} from './checks.ts';

export type NameValidation = 'dns1123Subdomain' | 'dns1123Label' | 'dns1035Label' | 'pathSegment';

const NAME_CHECKS: Record<NameValidation, (v: string) => string[]> = {
  dns1123Subdomain, dns1123Label, dns1035Label, pathSegment,
};

/** A generateName is a prefix: its trailing dash is fine, since a suffix follows. */
function checkName(kind: NameValidation, v: string, prefix: boolean): string[] {
  if (prefix && kind !== 'pathSegment' && v.endsWith('-')) v = `${v.slice(0, -1)}a`;
  return NAME_CHECKS[kind](v);
}

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

export function validateLabels(labels: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(labels)) return errs;
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...check(field, k, qualifiedName));
    errs.push(...check(field, String(v), labelValue));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(annotations)) return errs;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of qualifiedName(k.toLowerCase())) errs.push(invalid(field, k, m));
    size += k.length + String(v).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE) errs.push(tooLong(field, '', TOTAL_ANNOTATION_SIZE));
  return errs;
}

function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  for (const r of list(refs)) {
    if (!isObj(r)) continue;
    const apiVersion = String(r.apiVersion ?? '');
    const slash = apiVersion.indexOf('/');
    const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
    if (version === '') errs.push(invalid(`${field}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!r.kind) errs.push(invalid(`${field}.kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) errs.push(invalid(`${field}.name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) errs.push(invalid(`${field}.uid`, r.uid ?? '', 'uid must not be empty'));
    if (r.controller === true) controllers.push(`${r.kind}/${r.name}`);
  }
  if (controllers.length > 1) {
    errs.push(invalid(field, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`));
  }
  return errs;
}

function validateFinalizers(finalizers: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of list(finalizers)) errs.push(...check(field, String(f), qualifiedName));
  return errs;
}

export function validateObjectMeta(meta: any, namespaced: boolean, nameValidation: NameValidation = 'dns1123Subdomain'): FieldError[] {
  const errs: FieldError[] = [];
  const m = isObj(meta) ? meta : {};
  if (m.generateName) {
    for (const msg of checkName(nameValidation, String(m.generateName), true)) errs.push(invalid('metadata.generateName', m.generateName, msg));
  }
  if (!m.name) {
    errs.push(required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of checkName(nameValidation, String(m.name), false)) errs.push(invalid('metadata.name', m.name, msg));
  }
  if (namespaced) {
    if (!m.namespace) errs.push(required('metadata.namespace'));
    else errs.push(...check('metadata.namespace', String(m.namespace), dns1123Label));
  } else if (m.namespace) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...nonNegative('metadata.generation', m.generation));
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(m.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(m.finalizers, 'metadata.finalizers'));
  return errs;
}
