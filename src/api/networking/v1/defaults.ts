// Upstream's defaulting for networking.k8s.io/v1.

type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rules(list: unknown): Obj[] {
  return Array.isArray(list) ? list.filter(isObj) : [];
}

export function defaultNetworkPolicy(np: Obj): void {
  if (!isObj(np.spec)) np.spec = {};
  const spec = np.spec;
  for (const rule of [...rules(spec.ingress), ...rules(spec.egress)]) {
    for (const p of rules(rule.ports)) p.protocol ??= 'TCP';
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) spec.policyTypes.push('Egress');
  }
}

export function defaultIngressClass(ic: Obj): void {
  const params = ic.spec?.parameters;
  if (isObj(params)) params.scope ??= 'Cluster';
}
