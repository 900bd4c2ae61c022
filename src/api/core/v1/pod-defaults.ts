// Upstream's defaulting for pods and pod templates (SetDefaults_PodSpec,
// _Container, _Probe, _Volume and friends). Pod templates inside workloads
// get only the PodSpec-level defaults; the Pod itself gets a few more
// (SetDefaults_Pod), exactly as in kube-apiserver.

import { canonicalQuantity } from '../../../machinery/quantity.ts';

type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function each(list: unknown, fn: (x: Obj) => void): void {
  if (Array.isArray(list)) for (const x of list) if (isObj(x)) fn(x);
}

/**
 * The tag of an image reference as the docker reference parser sees it:
 * "latest" when neither tag nor digest is given, "" when only a digest is.
 */
export function imageTag(image: string): string {
  if (typeof image !== 'string' || image === '') return '';
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : '';
  if (tag !== '') return tag;
  return at >= 0 ? '' : 'latest';
}

export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  return imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHandler(h: unknown): void {
  if (!isObj(h) || !isObj(h.httpGet)) return;
  h.httpGet.path ||= '/';
  h.httpGet.scheme ||= 'HTTP';
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  defaultHandler(p);
}

function defaultFieldRefs(holder: Obj): void {
  if (isObj(holder.fieldRef)) holder.fieldRef.apiVersion ||= 'v1';
  // Go always serialises the divisor quantity, so a missing one reads back as "0".
  if (isObj(holder.resourceFieldRef) && holder.resourceFieldRef.divisor === undefined) holder.resourceFieldRef.divisor = '0';
}

/**
 * Quantities are stored in canonical form, as upstream's round trip through
 * resource.Quantity does ("0.5" → "500m"). Malformed ones are left for
 * validation to report.
 */
export function canonicalQuantities(list: unknown): void {
  if (!isObj(list)) return;
  for (const [k, v] of Object.entries(list)) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    try { list[k] = canonicalQuantity(v); } catch { /* validation reports it */ }
  }
}

export function defaultContainer(c: Obj): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(c.image);
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  // ResourceRequirements is a plain struct upstream: it is always present in output.
  if (!isObj(c.resources)) c.resources = {};
  canonicalQuantities(c.resources.requests);
  canonicalQuantities(c.resources.limits);
  each(c.ports, (p) => { p.protocol ||= 'TCP'; });
  each(c.env, (e) => { if (isObj(e.valueFrom)) defaultFieldRefs(e.valueFrom); });
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) {
    defaultHandler(c.lifecycle.postStart);
    defaultHandler(c.lifecycle.preStop);
  }
}

/** SetDefaults_PersistentVolumeClaimSpec. */
export function defaultPVCSpec(spec: unknown): void {
  if (isObj(spec) && spec.volumeMode === undefined) spec.volumeMode = 'Filesystem';
}

function defaultItems(src: Obj): void {
  each(src.items, defaultFieldRefs);
}

/** A Volume with no source at all becomes an emptyDir. */
export function defaultVolume(v: Obj): void {
  if (Object.keys(v).every((k) => k === 'name')) v.emptyDir = {};
  defaultVolumeSources(v);
}

/** Defaults of the volume source types (shared by pod volumes and PersistentVolume specs). */
export function defaultVolumeSources(v: Obj): void {
  if (isObj(v.secret)) v.secret.defaultMode ??= 420;
  if (isObj(v.configMap)) v.configMap.defaultMode ??= 420;
  if (isObj(v.downwardAPI)) {
    v.downwardAPI.defaultMode ??= 420;
    defaultItems(v.downwardAPI);
  }
  if (isObj(v.projected)) {
    v.projected.defaultMode ??= 420;
    each(v.projected.sources, (s) => {
      if (isObj(s.serviceAccountToken)) s.serviceAccountToken.expirationSeconds ??= 3600;
      if (isObj(s.downwardAPI)) defaultItems(s.downwardAPI);
    });
  }
  if (isObj(v.hostPath)) v.hostPath.type ??= '';
  if (isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate)) defaultPVCSpec(v.ephemeral.volumeClaimTemplate.spec);
  if (isObj(v.iscsi)) v.iscsi.iscsiInterface ||= 'default';
  if (isObj(v.rbd)) {
    v.rbd.pool ||= 'rbd';
    v.rbd.user ||= 'admin';
    v.rbd.keyring ||= '/etc/ceph/keyring';
  }
  if (isObj(v.azureDisk)) {
    v.azureDisk.cachingMode ??= 'ReadWrite';
    v.azureDisk.fsType ??= 'ext4';
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ??= 'Shared';
  }
  if (isObj(v.scaleIO)) {
    v.scaleIO.storageMode ||= 'ThinProvisioned';
    v.scaleIO.fsType ||= 'xfs';
  }
}

/** SetDefaults_PodSpec and everything nested in it: what every pod template gets. */
export function defaultPodSpec(spec: Obj): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  if (!isObj(spec.securityContext)) spec.securityContext = {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  // The v1 conversion keeps the deprecated serviceAccount in step with serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  each(spec.initContainers, defaultContainer);
  each(spec.containers, defaultContainer);
  each(spec.ephemeralContainers, defaultContainer);
  each(spec.volumes, defaultVolume);
  canonicalQuantities(spec.overhead);
}

/** Defaults for a PodTemplateSpec ({metadata, spec}) embedded in a workload. */
export function defaultPodTemplate(template: unknown): void {
  if (!isObj(template)) return;
  if (!isObj(template.spec)) template.spec = {};
  defaultPodSpec(template.spec);
}

function requestsFromLimits(c: Obj): void {
  const r = c.resources;
  if (!isObj(r) || !isObj(r.limits) || Object.keys(r.limits).length === 0) return;
  if (!isObj(r.requests)) r.requests = {};
  for (const [k, v] of Object.entries(r.limits)) if (!(k in r.requests)) r.requests[k] = v;
}

function hostNetworkPorts(c: Obj): void {
  each(c.ports, (p) => { if (!p.hostPort) p.hostPort = p.containerPort; });
}

/** SetDefaults_Pod: the template defaults plus what only a real Pod gets. */
export function defaultPod(pod: Obj): void {
  if (!isObj(pod.spec)) pod.spec = {};
  const spec = pod.spec;
  defaultPodSpec(spec);
  each(spec.containers, requestsFromLimits);
  each(spec.initContainers, requestsFromLimits);
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork === true) {
    each(spec.containers, hostNetworkPorts);
    each(spec.initContainers, hostNetworkPorts);
  }
}
