// Ingress validation for the common mistakes.
import type { FieldError } from '../../core/v1/errors.ts';
import { required, notSupported, isObj, list } from '../../core/v1/checks.ts';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

export function validateIngress(ing: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(ing?.spec) ? ing.spec : {};
  list(spec.rules).forEach((r: any, i: number) => {
    list(r?.http?.paths).forEach((p: any, j: number) => {
      const pp = `spec.rules[${i}].http.paths[${j}]`;
      if (!p?.pathType) errs.push(required(`${pp}.pathType`, 'pathType must be specified'));
      else if (!PATH_TYPES.includes(p.pathType)) errs.push(notSupported(`${pp}.pathType`, p.pathType, PATH_TYPES));
      if ((p?.pathType === 'Exact' || p?.pathType === 'Prefix') && !String(p?.path ?? '').startsWith('/')) {
        errs.push({ type: 'FieldValueInvalid', field: `${pp}.path`, badValue: p?.path ?? '', detail: "must be an absolute path" });
      }
      if (!isObj(p?.backend)) errs.push(required(`${pp}.backend`));
    });
  });
  return errs;
}
