// Pod spec validation for the common mistakes, with upstream's field paths
// and messages (pkg/apis/core/validation: ValidatePodSpec and friends).
// The same checks run on every pod template, under its own path.
import type { FieldError } from './errors.ts';
import {
  required, invalid, duplicate, notSupported, forbidden, check, dns1123Label, dns1123Subdomain, envVarName, portNumber, portName,
  isObj, list,
} from './checks.ts';
import { validateLabels, validateAnnotations } from './meta-validation.ts';
import { validateHostAliases, validateHostNetworkPorts } from './pod-network-validation.ts';
import { validateSeccompProfiles } from './security-validation.ts';
import { parseQuantity, floatValue } from '../../../machinery/quantity.ts';

const RESTART_POLICIES = ['Always', 'Never', 'OnFailure'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MESSAGE_POLICIES = ['FallbackToLogsOnError', 'File'];

/** A resource quantity as a number, for comparisons; undefined when malformed. */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q !== 'number' && typeof q !== 'string') return undefined;
  try {
    return floatValue(parseQuantity(q));
  } catch {
    return undefined;
  }
}

function validateResources(r: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(r)) return errs;
  for (const part of ['limits', 'requests']) {
    for (const [name, q] of Object.entries(isObj(r[part]) ? r[part] : {})) {
      const v = quantityValue(q);
      if (v !== undefined && v < 0) errs.push(invalid(`${path}.${part}[${name}]`, String(q), 'must be greater than or equal to 0'));
    }
  }
  const limits = isObj(r.limits) ? r.limits : {};
  for (const [name, q] of Object.entries(isObj(r.requests) ? r.requests : {})) {
    if (!(name in limits)) continue;
    const req = quantityValue(q);
    const lim = quantityValue(limits[name]);
    if (req !== undefined && lim !== undefined && req > lim) {
      errs.push(invalid(`${path}.requests`, String(q), `must be less than or equal to ${name} limit of ${String(limits[name])}`));
    }
  }
  return errs;
}

function validateProbe(p: unknown, path: string, liveness: boolean): FieldError[] {
  if (!isObj(p)) return [];
  const errs: FieldError[] = [];
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => p[h] != null);
  if (handlers.length === 0) errs.push(required(path, 'must specify a handler type'));
  else if (handlers.length > 1) errs.push(forbidden(`${path}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    if (typeof p[f] === 'number' && p[f] < 0) errs.push(invalid(`${path}.${f}`, p[f], 'must be greater than or equal to 0'));
  }
  if (liveness && typeof p.successThreshold === 'number' && p.successThreshold !== 1) {
    errs.push(invalid(`${path}.successThreshold`, p.successThreshold, 'must be 1'));
  }
  for (const h of ['httpGet', 'tcpSocket']) {
    const port = p[h]?.port;
    if (port === undefined) continue;
    if (typeof port === 'number') errs.push(...portNumber(port).map((m) => invalid(`${path}.${h}.port`, port, m)));
    else errs.push(...check(`${path}.${h}.port`, String(port), portName));
  }
  return errs;
}

function validateContainer(c: any, path: string, volumes: Set<string>, portNames: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(`${path}.name`));
  else errs.push(...check(`${path}.name`, String(c.name), dns1123Label));
  if (!c.image) errs.push(required(`${path}.image`));
  else if (String(c.image).trim() !== c.image) errs.push(invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  if (c.imagePullPolicy && !PULL_POLICIES.includes(c.imagePullPolicy)) errs.push(notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  if (c.terminationMessagePolicy && !MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.push(notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, MESSAGE_POLICIES));
  }
  list(c.ports).forEach((p: any, i: number) => {
    const pp = `${path}.ports[${i}]`;
    if (!isObj(p)) return;
    if (p.name) {
      errs.push(...check(`${pp}.name`, String(p.name), portName));
      if (portNames.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      portNames.add(p.name);
    }
    if (p.containerPort === undefined || p.containerPort === 0) errs.push(required(`${pp}.containerPort`));
    else errs.push(...portNumber(p.containerPort).map((m) => invalid(`${pp}.containerPort`, p.containerPort, m)));
    if (p.hostPort) errs.push(...portNumber(p.hostPort).map((m) => invalid(`${pp}.hostPort`, p.hostPort, m)));
    if (!p.protocol) errs.push(required(`${pp}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
  });
  list(c.env).forEach((e: any, i: number) => {
    const ep = `${path}.env[${i}]`;
    if (!isObj(e)) return;
    if (!e.name) errs.push(required(`${ep}.name`));
    else errs.push(...check(`${ep}.name`, String(e.name), envVarName));
    if (e.valueFrom != null && e.value) errs.push(invalid(`${ep}.valueFrom`, '', 'may not be specified when `value` is not empty'));
  });
  list(c.volumeMounts).forEach((m: any, i: number) => {
    const mp = `${path}.volumeMounts[${i}]`;
    if (!isObj(m)) return;
    if (!m.name) errs.push(required(`${mp}.name`));
    else if (!volumes.has(m.name)) errs.push({ type: 'FieldValueNotFound', field: `${mp}.name`, badValue: m.name, detail: '' });
    if (!m.mountPath) errs.push(required(`${mp}.mountPath`));
  });
  errs.push(...validateResources(c.resources, `${path}.resources`));
  errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, true));
  errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, false));
  errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, true));
  return errs;
}

function validateVolumes(volumes: unknown, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list(volumes).forEach((v: any, i: number) => {
    const vp = `${path}[${i}]`;
    if (!isObj(v)) return;
    if (!v.name) errs.push(required(`${vp}.name`));
    else {
      errs.push(...check(`${vp}.name`, String(v.name), dns1123Label));
      if (names.has(v.name)) errs.push(duplicate(`${vp}.name`, v.name));
      names.add(v.name);
    }
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] != null);
    if (sources.length === 0) errs.push(required(vp, 'must specify a volume type'));
    else if (sources.length > 1) errs.push(forbidden(`${vp}.${sources[1]}`, 'may not specify more than 1 volume type'));
    if (isObj(v.hostPath) && !v.hostPath.path) errs.push(required(`${vp}.hostPath.path`));
    if (isObj(v.secret) && !v.secret.secretName) errs.push(required(`${vp}.secret.secretName`));
    if (isObj(v.persistentVolumeClaim) && !v.persistentVolumeClaim.claimName) errs.push(required(`${vp}.persistentVolumeClaim.claimName`));
  });
  return { errs, names };
}

/** ValidatePodSpec: the spec of a Pod or of any pod template, under `path`; resourceIsPod for a Pod's own spec. */
export function validatePodSpec(spec: any, path: string, opts: { resourceIsPod?: boolean } = {}): FieldError[] {
  const s = isObj(spec) ? spec : {};
  const { errs, names: volumes } = validateVolumes(s.volumes, `${path}.volumes`);
  const containerNames = new Set<string>();
  const portNames = new Set<string>();
  const containers = list(s.containers);
  if (containers.length === 0) errs.push(required(`${path}.containers`));
  for (const [field, cs] of [['initContainers', list(s.initContainers)], ['containers', containers]] as const) {
    cs.forEach((c: any, i: number) => {
      const cp = `${path}.${field}[${i}]`;
      if (!isObj(c)) return;
      errs.push(...validateContainer(c, cp, volumes, portNames));
      if (c.name) {
        if (containerNames.has(c.name)) errs.push(duplicate(`${cp}.name`, c.name));
        containerNames.add(c.name);
      }
    });
  }
  errs.push(...validateHostNetworkPorts(s, path, !!opts.resourceIsPod));
  if (s.restartPolicy && !RESTART_POLICIES.includes(s.restartPolicy)) errs.push(notSupported(`${path}.restartPolicy`, s.restartPolicy, RESTART_POLICIES));
  if (s.dnsPolicy && !DNS_POLICIES.includes(s.dnsPolicy)) errs.push(notSupported(`${path}.dnsPolicy`, s.dnsPolicy, DNS_POLICIES));
  if (s.activeDeadlineSeconds !== undefined && !(Number.isInteger(s.activeDeadlineSeconds) && s.activeDeadlineSeconds >= 1 && s.activeDeadlineSeconds <= 2147483647)) {
    errs.push(invalid(`${path}.activeDeadlineSeconds`, s.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  if (s.serviceAccountName) errs.push(...check(`${path}.serviceAccountName`, String(s.serviceAccountName), dns1123Subdomain));
  if (s.hostname) errs.push(...check(`${path}.hostname`, String(s.hostname), dns1123Label));
  if (s.subdomain) errs.push(...check(`${path}.subdomain`, String(s.subdomain), dns1123Label));
  errs.push(...validateHostAliases(s.hostAliases, `${path}.hostAliases`));
  errs.push(...validateSeccompProfiles(s, path));
  if (s.nodeSelector) errs.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`));
  return errs;
}

/** ValidatePodTemplateSpec: labels and annotations of the template, then its spec. */
export function validatePodTemplateSpec(template: any, path: string): FieldError[] {
  if (!isObj(template)) return [required(path)];
  const meta = isObj(template.metadata) ? template.metadata : {};
  return [
    ...validateLabels(meta.labels, `${path}.metadata.labels`),
    ...validateAnnotations(meta.annotations, `${path}.metadata.annotations`),
    ...validatePodSpec(template.spec, `${path}.spec`),
  ];
}

export function validatePod(pod: any): FieldError[] {
  return validatePodSpec(pod?.spec, 'spec', { resourceIsPod: true });
}
