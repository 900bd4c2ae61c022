// Upstream's defaulting for the core/v1 kinds other than Pod
// (pkg/apis/core/v1/defaults.go and the declarative +default tags).
import { defaultPodTemplate, defaultPVCSpec, defaultVolumeSources } from './pod-defaults.ts';

type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function specOf(obj: Obj): Obj {
  if (!isObj(obj.spec)) obj.spec = {};
  return obj.spec;
}

function statusOf(obj: Obj): Obj {
  if (!isObj(obj.status)) obj.status = {};
  return obj.status;
}

export function defaultService(svc: Obj): void {
  const spec = specOf(svc);
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  spec.type ||= 'ClusterIP';
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!isObj(p)) continue;
      p.protocol ||= 'TCP';
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
  }
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' ||
    (Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (external && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy == null && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec.type)) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') {
    spec.allocateLoadBalancerNodePorts ??= true;
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
      if (isObj(ing) && ing.ip && ing.ipMode == null) ing.ipMode = 'VIP';
    }
  }
  // The IP family fields are filled by upstream's service registry; this
  // cluster is single-stack IPv4, so the outcome is fixed.
  if (spec.type !== 'ExternalName') {
    if (spec.ipFamilyPolicy == null) {
      const selectorless = !isObj(spec.selector) || Object.keys(spec.selector).length === 0;
      spec.ipFamilyPolicy = spec.clusterIP === 'None' && selectorless ? 'RequireDualStack' : 'SingleStack';
    }
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
}

export function defaultSecret(s: Obj): void {
  s.type ||= 'Opaque';
}

export function defaultNamespace(ns: Obj): void {
  const meta = (ns.metadata ??= {});
  if (meta.name) {
    if (!isObj(meta.labels)) meta.labels = {};
    meta.labels['kubernetes.io/metadata.name'] = meta.name;
  }
  // Upstream adds the finalizer on create only; a namespace being deleted may have lost it on purpose.
  if (!meta.deletionTimestamp) {
    const spec = specOf(ns);
    if (!Array.isArray(spec.finalizers)) spec.finalizers = [];
    if (!spec.finalizers.includes('kubernetes')) spec.finalizers.push('kubernetes');
  }
  statusOf(ns).phase ||= 'Active';
}

export function defaultNode(node: Obj): void {
  const st = node.status;
  if (isObj(st) && st.allocatable == null && isObj(st.capacity)) st.allocatable = { ...st.capacity };
}

export function defaultPersistentVolume(pv: Obj): void {
  const spec = specOf(pv);
  spec.persistentVolumeReclaimPolicy ||= 'Retain';
  spec.volumeMode ??= 'Filesystem';
  defaultVolumeSources(spec);
  statusOf(pv).phase ||= 'Pending';
}

export function defaultPersistentVolumeClaim(pvc: Obj): void {
  defaultPVCSpec(specOf(pvc));
  statusOf(pvc).phase ||= 'Pending';
}

export function defaultReplicationController(rc: Obj): void {
  const spec = specOf(rc);
  const labels = isObj(spec.template) ? spec.template.metadata?.labels : undefined;
  if (isObj(labels)) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    const meta = (rc.metadata ??= {});
    if (!isObj(meta.labels) || Object.keys(meta.labels).length === 0) meta.labels = { ...labels };
  }
  spec.replicas ??= 1;
  if (spec.template !== undefined) defaultPodTemplate(spec.template);
}

export function defaultPodTemplateObject(pt: Obj): void {
  if (!isObj(pt.template)) pt.template = {};
  defaultPodTemplate(pt.template);
}

export function defaultEndpoints(ep: Obj): void {
  for (const ss of Array.isArray(ep.subsets) ? ep.subsets : []) {
    for (const p of Array.isArray(ss?.ports) ? ss.ports : []) if (isObj(p)) p.protocol ||= 'TCP';
  }
}

export function defaultLimitRange(lr: Obj): void {
  for (const item of Array.isArray(lr.spec?.limits) ? lr.spec.limits : []) {
    if (!isObj(item) || item.type !== 'Container') continue;
    const def: Obj = { ...(item.default ?? {}) };
    const req: Obj = { ...(item.defaultRequest ?? {}) };
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
    for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in req)) req[k] = v;
    // Empty maps are omitted in upstream's output.
    if (Object.keys(def).length > 0) item.default = def;
    if (Object.keys(req).length > 0) item.defaultRequest = req;
  }
}
