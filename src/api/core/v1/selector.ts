// metav1.LabelSelector: validation (ValidateLabelSelector) and matching,
// shared by every workload kind that selects its pods.
import type { FieldError } from './errors.ts';
import { required, invalid, forbidden, check, qualifiedName, labelValue, isObj, list } from './checks.ts';
import { validateLabels } from './meta-validation.ts';

export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  if (!isObj(sel)) return [];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  list(sel.matchExpressions).forEach((e: any, i: number) => {
    const ep = `${path}.matchExpressions[${i}]`;
    if (!isObj(e)) return;
    const values = list(e.values);
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (values.length === 0) errs.push(required(`${ep}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(`${ep}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(invalid(`${ep}.operator`, e.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...check(`${ep}.key`, String(e.key ?? ''), qualifiedName));
    values.forEach((v, j) => errs.push(...check(`${ep}.values[${j}]`, String(v), labelValue)));
  });
  return errs;
}

export function selectorIsEmpty(sel: unknown): boolean {
  if (!isObj(sel)) return true;
  const ml = isObj(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0;
  return ml === 0 && list(sel.matchExpressions).length === 0;
}

export function selectorMatches(sel: unknown, labels: unknown): boolean {
  if (!isObj(sel)) return false;
  const l: Record<string, string> = isObj(labels) ? labels : {};
  for (const [k, v] of Object.entries(isObj(sel.matchLabels) ? sel.matchLabels : {})) if (l[k] !== v) return false;
  for (const e of list(sel.matchExpressions)) {
    const has = Object.hasOwn(l, e?.key);
    const values = list(e?.values);
    switch (e?.operator) {
      case 'In': if (!has || !values.includes(l[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(l[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/**
 * The checks every selector-based workload shares: a non-empty, valid
 * selector that the pod template's labels satisfy.
 */
export function validateSelectorAndTemplate(spec: any, kind: string, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  const sel = spec?.selector;
  if (sel == null) {
    errs.push(required(`${path}.selector`));
  } else {
    errs.push(...validateLabelSelector(sel, `${path}.selector`));
    if (selectorIsEmpty(sel)) errs.push(invalid(`${path}.selector`, sel, `empty selector is invalid for ${kind}`));
  }
  const labels = spec?.template?.metadata?.labels ?? {};
  if (sel != null && !selectorIsEmpty(sel) && !selectorMatches(sel, labels)) {
    errs.push(invalid(`${path}.template.metadata.labels`, labels, '`selector` does not match template `labels`'));
  }
  return errs;
}
