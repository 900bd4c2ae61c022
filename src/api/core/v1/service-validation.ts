// Service validation for the common mistakes (upstream's ValidateService).
// clusterIP and nodePort allocation errors come from the allocator.
import type { FieldError } from './errors.ts';
import {
  required, invalid, duplicate, notSupported, forbidden, check, dns1123Label, dns1123Subdomain, portNumber, portName, isObj, list,
} from './checks.ts';
import { validateLabels } from './meta-validation.ts';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];

export function validateService(svc: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(svc?.spec) ? svc.spec : {};
  const type = spec.type ?? 'ClusterIP';
  if (!TYPES.includes(type)) errs.push(notSupported('spec.type', type, TYPES));
  const ports = list(spec.ports);
  const headless = spec.clusterIP === 'None';
  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else errs.push(...check('spec.externalName', String(spec.externalName).replace(/\.$/, ''), dns1123Subdomain));
  } else if (ports.length === 0 && !headless) {
    errs.push(required('spec.ports'));
  }
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p: any, i: number) => {
    const pp = `spec.ports[${i}]`;
    if (!isObj(p)) return;
    if (ports.length > 1 && !p.name) errs.push(required(`${pp}.name`));
    else if (p.name) {
      errs.push(...check(`${pp}.name`, String(p.name), dns1123Label));
      if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    errs.push(...portNumber(p.port).map((m) => invalid(`${pp}.port`, p.port ?? 0, m)));
    if (!p.protocol) errs.push(required(`${pp}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
    const key = `${p.port}/${p.protocol}`;
    if (keys.has(key)) errs.push(duplicate(pp, p));
    keys.add(key);
    if (typeof p.targetPort === 'number') errs.push(...portNumber(p.targetPort).map((m) => invalid(`${pp}.targetPort`, p.targetPort, m)));
    else if (typeof p.targetPort === 'string') errs.push(...check(`${pp}.targetPort`, p.targetPort, portName));
    if (p.nodePort && type === 'ClusterIP') errs.push(forbidden(`${pp}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
    if (p.nodePort) errs.push(...portNumber(p.nodePort).map((m) => invalid(`${pp}.nodePort`, p.nodePort, m)));
  });
  if (spec.sessionAffinity && !AFFINITIES.includes(spec.sessionAffinity)) errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, AFFINITIES));
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (spec.sessionAffinity === 'ClientIP' && typeof timeout === 'number' && (timeout <= 0 || timeout > 86400)) {
    errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, 'must be greater than 0 and less than 86400'));
  }
  if (spec.externalTrafficPolicy && !TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) {
    errs.push(notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.internalTrafficPolicy && !TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.ipFamilyPolicy && !FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, FAMILY_POLICIES));
  }
  if (spec.selector) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  return errs;
}
