// The fields each core/v1 kind exposes to field selectors, as upstream's
// ToSelectableFields functions do (metadata.name and metadata.namespace are
// added by the caller). Values are always strings; absent fields are "".

type Fields = Record<string, string>;

function s(v: unknown): string {
  return typeof v === 'string' ? v : v == null ? '' : String(v);
}

export function podFields(pod: any): Fields {
  const spec = pod?.spec ?? {};
  const status = pod?.status ?? {};
  const podIP = Array.isArray(status.podIPs) && status.podIPs.length > 0 ? status.podIPs[0]?.ip : status.podIP;
  return {
    'spec.nodeName': s(spec.nodeName),
    'spec.restartPolicy': s(spec.restartPolicy),
    'spec.schedulerName': s(spec.schedulerName),
    'spec.serviceAccountName': s(spec.serviceAccountName),
    'spec.hostNetwork': spec.hostNetwork === true ? 'true' : 'false',
    'status.phase': s(status.phase),
    'status.podIP': s(podIP),
    'status.nominatedNodeName': s(status.nominatedNodeName),
  };
}

/** Works for core/v1 Events and for events.k8s.io/v1 Events (which rename several fields). */
export function eventFields(ev: any): Fields {
  const ref = ev?.involvedObject ?? ev?.regarding ?? {};
  const source = ev?.source?.component ?? ev?.deprecatedSource?.component;
  return {
    'involvedObject.kind': s(ref.kind),
    'involvedObject.namespace': s(ref.namespace),
    'involvedObject.name': s(ref.name),
    'involvedObject.uid': s(ref.uid),
    'involvedObject.apiVersion': s(ref.apiVersion),
    'involvedObject.resourceVersion': s(ref.resourceVersion),
    'involvedObject.fieldPath': s(ref.fieldPath),
    reason: s(ev?.reason),
    reportingComponent: s(ev?.reportingComponent ?? ev?.reportingController),
    source: s(source),
    type: s(ev?.type),
  };
}

export function secretFields(secret: any): Fields {
  return { type: s(secret?.type) };
}

export function nodeFields(node: any): Fields {
  return { 'spec.unschedulable': node?.spec?.unschedulable === true ? 'true' : 'false' };
}

export function namespaceFields(ns: any): Fields {
  // Upstream keeps the legacy "name" label for compatibility.
  return { 'status.phase': s(ns?.status?.phase), name: s(ns?.metadata?.name) };
}

/** PersistentVolumes and PersistentVolumeClaims: only the legacy "name" label. */
export function legacyNameFields(obj: any): Fields {
  return { name: s(obj?.metadata?.name) };
}

export function replicasFields(obj: any): Fields {
  return { 'status.replicas': String(obj?.status?.replicas ?? 0) };
}

export function serviceFields(svc: any): Fields {
  return { 'spec.clusterIP': s(svc?.spec?.clusterIP), 'spec.type': s(svc?.spec?.type) };
}

export function jobFields(job: any): Fields {
  return { 'status.successful': String(job?.status?.succeeded ?? 0) };
}
