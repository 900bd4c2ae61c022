// Validation of the core/v1 kinds other than Pod and Service.
import type { FieldError } from './errors.ts';
import { required, invalid, forbidden, notSupported, tooLong, immutable, check, configMapKey, nonNegative, isObj, list, dns1123Subdomain, deepEqual } from './checks.ts';
import { validateLabels } from './meta-validation.ts';
import { validatePodTemplateSpec } from './pod-validation.ts';

const MAX_DATA_SIZE = 1024 * 1024;
const IMMUTABLE_DETAIL = 'field is immutable when `immutable` is set';

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

export function validateConfigMap(cm: any): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  const data = isObj(cm?.data) ? cm.data : {};
  const binary = isObj(cm?.binaryData) ? cm.binaryData : {};
  for (const [k, v] of Object.entries(data)) {
    errs.push(...check(`data[${k}]`, k, configMapKey));
    size += byteLength(String(v));
  }
  for (const [k, v] of Object.entries(binary)) {
    errs.push(...check(`binaryData[${k}]`, k, configMapKey));
    if (k in data) errs.push(invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'));
    size += Math.floor((String(v).length * 3) / 4);
  }
  if (size > MAX_DATA_SIZE) errs.push(tooLong('', '', MAX_DATA_SIZE));
  return errs;
}

/** ConfigMaps and Secrets marked immutable keep their data and the flag itself. */
function validateImmutableData(obj: any, old: any, fields: string[]): FieldError[] {
  if (old?.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj?.immutable !== true) errs.push(forbidden('immutable', IMMUTABLE_DETAIL));
  for (const f of fields) {
    if (!deepEqual(obj?.[f] ?? {}, old?.[f] ?? {})) errs.push(forbidden(f, IMMUTABLE_DETAIL));
  }
  return errs;
}

export function validateConfigMapUpdate(cm: any, old: any): FieldError[] {
  return [...validateImmutableData(cm, old, ['data', 'binaryData']), ...validateConfigMap(cm)];
}

const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

export function validateSecret(secret: any): FieldError[] {
  const errs: FieldError[] = [];
  const data = isObj(secret?.data) ? secret.data : {};
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...check(`data[${k}]`, k, configMapKey));
    size += Math.floor((String(v).length * 3) / 4);
  }
  if (size > MAX_DATA_SIZE) errs.push(tooLong('data', '', MAX_DATA_SIZE));
  const type = secret?.type ?? 'Opaque';
  for (const key of SECRET_REQUIRED_KEYS[type] ?? []) if (!(key in data)) errs.push(required(`data[${key}]`));
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(required('data[username]'));
    errs.push(required('data[password]'));
  }
  if (type === 'kubernetes.io/service-account-token' && !secret?.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  return errs;
}

export function validateSecretUpdate(secret: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  if ((secret?.type ?? 'Opaque') !== (old?.type ?? 'Opaque')) errs.push(immutable('type', secret?.type ?? ''));
  return [...errs, ...validateImmutableData(secret, old, ['data']), ...validateSecret(secret)];
}

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];

function validateAccessModes(modes: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (list(modes).length === 0) errs.push(required(path, 'at least 1 access mode is required'));
  for (const m of list(modes)) if (!ACCESS_MODES.includes(m)) errs.push(notSupported(path, m, ACCESS_MODES));
  return errs;
}

export function validatePVCSpec(spec: any, path: string): FieldError[] {
  const s = isObj(spec) ? spec : {};
  const errs = validateAccessModes(s.accessModes, `${path}.accessModes`);
  if (s.dataSource == null && s.dataSourceRef == null && s.resources?.requests?.storage === undefined) {
    errs.push(required(`${path}.resources[storage]`));
  }
  if (s.volumeMode && !VOLUME_MODES.includes(s.volumeMode)) errs.push(notSupported(`${path}.volumeMode`, s.volumeMode, VOLUME_MODES));
  if (s.storageClassName) errs.push(...check(`${path}.storageClassName`, String(s.storageClassName), dns1123Subdomain));
  return errs;
}

export function validatePVC(pvc: any): FieldError[] {
  return validatePVCSpec(pvc?.spec, 'spec');
}

export function validatePVCUpdate(pvc: any, old: any): FieldError[] {
  const errs = validatePVC(pvc);
  // Only the storage request (expansion) and the volume attributes class may change once created.
  const strip = (spec: any) => {
    const s = structuredClone(isObj(spec) ? spec : {});
    if (isObj(s.resources?.requests)) delete s.resources.requests.storage;
    delete s.volumeAttributesClassName;
    // The binder fills volumeName once; setting it is allowed.
    if (!old?.spec?.volumeName) delete s.volumeName;
    return s;
  };
  if (!deepEqual(strip(pvc?.spec), strip(old?.spec))) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  return errs;
}

export function validatePV(pv: any): FieldError[] {
  const spec = isObj(pv?.spec) ? pv.spec : {};
  const errs: FieldError[] = [];
  if (!isObj(spec.capacity) || Object.keys(spec.capacity).length === 0) errs.push(required('spec.capacity'));
  errs.push(...validateAccessModes(spec.accessModes, 'spec.accessModes'));
  const reclaim = ['Delete', 'Recycle', 'Retain'];
  if (spec.persistentVolumeReclaimPolicy && !reclaim.includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, reclaim));
  }
  const nonSource = new Set(['capacity', 'accessModes', 'persistentVolumeReclaimPolicy', 'volumeMode', 'storageClassName', 'mountOptions',
    'nodeAffinity', 'claimRef', 'volumeAttributesClassName']);
  const sources = Object.keys(spec).filter((k) => !nonSource.has(k) && spec[k] != null);
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  else if (sources.length > 1) errs.push(forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type'));
  return errs;
}

/** ReplicationController: a map selector that the template's labels must satisfy. */
export function validateReplicationController(rc: any): FieldError[] {
  const spec = isObj(rc?.spec) ? rc.spec : {};
  const errs = [...nonNegative('spec.replicas', spec.replicas), ...nonNegative('spec.minReadySeconds', spec.minReadySeconds)];
  const selector = isObj(spec.selector) ? spec.selector : {};
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  if (spec.template == null) {
    errs.push(required('spec.template'));
    return errs;
  }
  const labels = spec.template?.metadata?.labels ?? {};
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  const rp = spec.template?.spec?.restartPolicy;
  if (rp && rp !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  return errs;
}

export function validatePodTemplateObject(pt: any): FieldError[] {
  return validatePodTemplateSpec(pt?.template, 'template');
}

/** Legacy (core/v1) Event validation: the event's namespace must agree with its object's. */
export function validateEvent(ev: any): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev?.metadata?.namespace ?? '';
  const refNs = ev?.involvedObject?.namespace ?? '';
  if (!ev?.eventTime) {
    if (refNs === '' ? ns !== '' && ns !== 'default' : ns !== refNs) errs.push(invalid('involvedObject.namespace', refNs, 'does not match event.namespace'));
  } else {
    if (refNs === '' && ns !== 'default' && ns !== 'kube-system') errs.push(invalid('involvedObject.namespace', refNs, 'does not match event.namespace'));
    if (!ev.reportingComponent) errs.push(required('reportingController'));
    if (!ev.reportingInstance) errs.push(required('reportingInstance'));
    if (!ev.action) errs.push(required('action'));
    if (!ev.reason) errs.push(required('reason'));
  }
  return errs;
}
