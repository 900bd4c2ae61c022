// Volume payloads: which files a configMap, secret, downwardAPI or
// projected volume holds, with upstream's item mapping, modes and errors
// (service account tokens come from the ObjectSource).
import type { FileProjection } from './atomic-writer.ts';
import { resourceFieldValue, volumeFieldValue } from './downward.ts';
import type { Allocatable } from './downward.ts';

export const DEFAULT_MODE = 0o644;

export type Payload = Map<string, FileProjection>;

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/** ConfigMap data and binaryData as bytes. */
export function configMapBytes(cm: any): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm?.data ?? {})) out.set(k, Buffer.from(String(v)));
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) out.set(k, Buffer.from(String(v), 'base64'));
  return out;
}

/** Secret data (base64 on the wire) and stringData as bytes. */
export function secretBytes(s: any): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s?.data ?? {})) out.set(k, Buffer.from(String(v), 'base64'));
  for (const [k, v] of Object.entries(s?.stringData ?? {})) out.set(k, Buffer.from(String(v)));
  return out;
}

/**
 * Maps keys to files: every key when items is empty, else each item's key to
 * its path. A missing item key is an error unless the source is optional;
 * `missing` is upstream's message prefix for that error.
 */
export function keyPayload(data: Map<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number | undefined, optional: boolean, missing: string): Payload {
  const mode = defaultMode ?? DEFAULT_MODE;
  const out: Payload = new Map();
  if (!items?.length) {
    for (const [k, v] of data) out.set(k, { data: v, mode });
    return out;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (!v) {
      if (optional) continue;
      throw new Error(`${missing}${it.key}`);
    }
    out.set(it.path, { data: v, mode: it.mode ?? mode });
  }
  return out;
}

export const CONFIGMAP_MISSING_KEY = 'configmap references non-existent config key: ';
export const SECRET_MISSING_KEY = 'references non-existent secret key: ';

/** The files of a downwardAPI volume (or projection source). */
export function downwardPayload(pod: any, items: any[] | undefined, defaultMode: number | undefined, alloc: Allocatable): Payload {
  const mode = defaultMode ?? DEFAULT_MODE;
  const out: Payload = new Map();
  for (const it of items ?? []) {
    let value: string | undefined;
    if (it.fieldRef) {
      value = volumeFieldValue(pod, it.fieldRef.fieldPath);
      if (value === undefined) throw new Error(`unsupported fieldPath: ${it.fieldRef.fieldPath}`);
    } else if (it.resourceFieldRef) {
      const r = it.resourceFieldRef;
      value = resourceFieldValue(pod, r.containerName, r.resource, r.divisor, alloc);
    } else continue;
    out.set(it.path, { data: Buffer.from(value), mode: it.mode ?? mode });
  }
  return out;
}

/** Source lookups a volume needs; undefined means the object does not exist. */
export interface ObjectSource {
  configMap(name: string): Promise<any | undefined>;
  secret(name: string): Promise<any | undefined>;
  /** A PersistentVolumeClaim of the pod's namespace (persistentVolumeClaim volumes). */
  claim?(name: string): Promise<any | undefined>;
  /** A PersistentVolume, by name. */
  volume?(name: string): Promise<any | undefined>;
  /** A token of the pod's service account, bound to the pod (serviceAccountToken projections). */
  serviceAccountToken?(pod: any, source: { audience?: string; expirationSeconds?: number }): Promise<string>;
}

export function notFound(kind: 'configmap' | 'secret', name: string): Error {
  return new Error(`${kind} "${name}" not found`);
}

async function tokenPayload(pod: any, s: any, mode: number, src: ObjectSource): Promise<Payload> {
  if (!src.serviceAccountToken) throw new Error('service account token projection is not available on this node');
  if (!s.path) throw new Error('serviceAccountToken projection needs a path');
  const token = await src.serviceAccountToken(pod, { audience: s.audience, expirationSeconds: s.expirationSeconds });
  return new Map([[s.path, { data: Buffer.from(token), mode }]]);
}

/** The payload of a configMap, secret, downwardAPI or projected volume source; throws upstream's SetUp errors. */
export async function volumePayload(pod: any, vol: any, src: ObjectSource, alloc: Allocatable): Promise<Payload> {
  if (vol.configMap) {
    const s = vol.configMap;
    const cm = await src.configMap(s.name);
    if (!cm && !s.optional) throw notFound('configmap', s.name);
    return keyPayload(configMapBytes(cm), s.items, s.defaultMode, !!s.optional, CONFIGMAP_MISSING_KEY);
  }
  if (vol.secret) {
    const s = vol.secret;
    const sec = await src.secret(s.secretName);
    if (!sec && !s.optional) throw notFound('secret', s.secretName);
    return keyPayload(secretBytes(sec), s.items, s.defaultMode, !!s.optional, SECRET_MISSING_KEY);
  }
  if (vol.downwardAPI) return downwardPayload(pod, vol.downwardAPI.items, vol.downwardAPI.defaultMode, alloc);
  if (vol.projected) {
    const mode = vol.projected.defaultMode ?? DEFAULT_MODE;
    const out: Payload = new Map();
    const errs: string[] = [];
    for (const p of vol.projected.sources ?? []) {
      try {
        let part: Payload = new Map();
        if (p.configMap) part = await volumePayload(pod, { configMap: { ...p.configMap, defaultMode: mode } }, src, alloc);
        else if (p.secret) part = await volumePayload(pod, { secret: { ...p.secret, secretName: p.secret.name, defaultMode: mode } }, src, alloc);
        else if (p.downwardAPI) part = downwardPayload(pod, p.downwardAPI.items, mode, alloc);
        else if (p.serviceAccountToken) part = await tokenPayload(pod, p.serviceAccountToken, mode, src);
        // clusterTrustBundle sources need trust bundles, which this cluster does not serve yet.
        for (const [k, v] of part) out.set(k, v);
      } catch (err) {
        errs.push((err as Error).message);
      }
    }
    if (errs.length === 1) throw new Error(errs[0]);
    if (errs.length) throw new Error(`[${errs.join(', ')}]`);
    return out;
  }
  throw new Error('not a projected volume kind');
}
