// Label selectors (metav1.LabelSelector), node selector terms (with
// matchFields) and tolerations, with upstream's matching rules.
// TODO: use src/machinery/labels.ts for LabelSelector once it lands.
export type Labels = Record<string, string> | undefined;

export interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Requirement[];
}

export function matchRequirement(r: Requirement, labels: Labels, numeric: boolean): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const v = has ? labels![r.key] : undefined;
  switch (r.operator) {
    case 'In': return has && (r.values ?? []).includes(v!);
    case 'NotIn': return !has || !(r.values ?? []).includes(v!);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt':
    case 'Lt': {
      if (!numeric || !has || (r.values ?? []).length !== 1) return false;
      const a = Number(v);
      const b = Number(r.values![0]);
      if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default: return false;
  }
}

/** A nil selector matches nothing; an empty one matches everything. */
export function matchesSelector(sel: LabelSelector | null | undefined, labels: Labels): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels?.[k] !== v) return false;
  for (const r of sel.matchExpressions ?? []) if (!matchRequirement(r, labels, false)) return false;
  return true;
}

export function isEmptySelector(sel: LabelSelector | null | undefined): boolean {
  return !!sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

export interface NodeSelectorTerm {
  matchExpressions?: Requirement[];
  matchFields?: Requirement[];
}

/** A term with no requirements matches no node (upstream's rule). */
export function matchesNodeSelectorTerm(term: NodeSelectorTerm, node: any): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels;
  for (const r of exprs) if (!matchRequirement(r, labels, true)) return false;
  for (const r of fields) {
    // metadata.name is the only supported field.
    if (r.key !== 'metadata.name') return false;
    if (!matchRequirement(r, { 'metadata.name': node.metadata.name }, false)) return false;
  }
  return true;
}

export function matchesNodeSelectorTerms(terms: NodeSelectorTerm[] | undefined, node: any): boolean {
  return (terms ?? []).some((t) => matchesNodeSelectorTerm(t, node));
}

/** nodeSelector and required node affinity of a pod, both of which must hold. */
export function podMatchesNodeSelectorAndAffinity(pod: any, node: any): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries<string>(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req && !matchesNodeSelectorTerms(req.nodeSelectorTerms, node)) return false;
  return true;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** Whether any of the tolerations covers the taint. */
export function isTolerated(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  if (tolerations) {
    for (let j = 0; j < tolerations.length; j++) if (tolerates(tolerations[j], taint)) return true;
  }
  return false;
}

/** The first taint (among those passing the filter) no toleration covers. */
export function findUntoleratedTaint(taints: Taint[] | undefined | null, tolerations: Toleration[] | undefined, include: (t: Taint) => boolean): Taint | undefined {
  if (!taints) return undefined;
  // Index loops, no closures: TaintToleration's Filter and Score call these for every tainted node they visit.
  for (let i = 0; i < taints.length; i++) {
    const taint = taints[i];
    if (include(taint) && !isTolerated(tolerations, taint)) return taint;
  }
  return undefined;
}
