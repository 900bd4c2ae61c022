// A container's environment, as upstream's makeEnvironmentVariables builds
// it: envFrom first (ConfigMaps/Secrets with prefix; keys that are not valid
// variable names skipped), then env in order (values expanded with $(VAR)
// against what is defined so far and the service variables; valueFrom
// resolved), then the service link variables not already defined.
import { fieldRef, expand } from './spec.ts';
import { resourceFieldValue } from './volumes/downward.ts';
import type { Allocatable } from './volumes/downward.ts';
import { configMapBytes, notFound, secretBytes } from './volumes/projection.ts';
import type { ObjectSource } from './volumes/projection.ts';

export interface EnvInputs {
  podIP: string;
  hostIP: string;
  src: ObjectSource;
  /** Every Service the kubelet knows (all namespaces); undefined skips service variables. */
  services?: any[];
  alloc: Allocatable;
}

/** Upstream's C identifier rule for environment variable names (IsEnvVarName). */
export function isEnvVarName(k: string): boolean {
  return /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(k);
}

const envName = (s: string) => s.replace(/-/g, '_').toUpperCase();

/** Docker-link style variables for Services, as upstream's envvars.FromServices. */
export function serviceEnv(services: any[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    const ports: any[] = s.spec?.ports ?? [];
    if (!ip || ip === 'None' || !ports.length) continue;
    const prefix = envName(s.metadata.name);
    out.set(`${prefix}_SERVICE_HOST`, ip);
    out.set(`${prefix}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) if (p.name) out.set(`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    ports.forEach((p, i) => {
      const proto = (p.protocol ?? 'TCP') as string;
      const hostPort = ip.includes(':') ? `[${ip}]:${p.port}` : `${ip}:${p.port}`;
      const url = `${proto.toLowerCase()}://${hostPort}`;
      if (i === 0) out.set(`${prefix}_PORT`, url);
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.set(pp, url);
      out.set(`${pp}_PROTO`, proto.toLowerCase());
      out.set(`${pp}_PORT`, String(p.port));
      out.set(`${pp}_ADDR`, ip);
    });
  }
  return out;
}

/** The Services whose variables a pod gets: the default namespace's `kubernetes` always, its own namespace's when enableServiceLinks. */
export function podServices(pod: any, all: any[]): any[] {
  const byName = new Map<string, any>();
  const links = pod.spec?.enableServiceLinks ?? true;
  for (const s of all) {
    const { name, namespace } = s.metadata;
    if (namespace === 'default' && name === 'kubernetes') {
      if (!byName.has(name)) byName.set(name, s);
    } else if (namespace === pod.metadata.namespace && links) byName.set(name, s);
  }
  return [...byName.values()];
}

/** Resolves the container's environment; throws upstream's message (the container then waits with CreateContainerConfigError). */
export async function resolveEnv(pod: any, c: any, inp: EnvInputs): Promise<{ key: string; value: string }[]> {
  const ns = pod.metadata.namespace;
  const svc = inp.services ? serviceEnv(podServices(pod, inp.services)) : new Map<string, string>();
  const cms = new Map<string, Map<string, Buffer> | undefined>();
  const secs = new Map<string, Map<string, Buffer> | undefined>();
  const configMap = async (name: string) => {
    if (!cms.has(name)) {
      const o = await inp.src.configMap(name);
      cms.set(name, o ? configMapBytes({ data: o.data }) : undefined);
    }
    return cms.get(name);
  };
  const secret = async (name: string) => {
    if (!secs.has(name)) {
      const o = await inp.src.secret(name);
      secs.set(name, o ? secretBytes(o) : undefined);
    }
    return secs.get(name);
  };
  const env = new Map<string, string>();
  for (const f of c.envFrom ?? []) {
    const ref = f.configMapRef ?? f.secretRef;
    if (!ref) continue;
    const data = f.configMapRef ? await configMap(ref.name) : await secret(ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw notFound(f.configMapRef ? 'configmap' : 'secret', ref.name);
    }
    for (const [k, v] of data) {
      const key = `${f.prefix ?? ''}${k}`;
      if (isEnvVarName(key)) env.set(key, v.toString());
    }
  }
  const lookup = { has: (k: string) => env.has(k) || svc.has(k), get: (k: string) => (env.has(k) ? env.get(k) : svc.get(k)) } as Map<string, string>;
  for (const e of c.env ?? []) {
    let value = e.value ?? '';
    const from = e.valueFrom;
    if (e.value) value = expand(e.value, lookup);
    else if (from?.fieldRef) value = fieldRef(pod, from.fieldRef.fieldPath, inp.podIP, inp.hostIP);
    else if (from?.resourceFieldRef) {
      const r = from.resourceFieldRef;
      value = resourceFieldValue(pod, r.containerName || c.name, r.resource, r.divisor, inp.alloc);
    } else if (from?.configMapKeyRef || from?.secretKeyRef) {
      const ref = from.configMapKeyRef ?? from.secretKeyRef;
      const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const data = from.configMapKeyRef ? await configMap(ref.name) : await secret(ref.name);
      if (!data) {
        if (ref.optional) continue;
        throw notFound(from.configMapKeyRef ? 'configmap' : 'secret', ref.name);
      }
      const v = data.get(ref.key);
      if (v === undefined) {
        if (ref.optional) continue;
        throw new Error(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`);
      }
      value = v.toString();
    }
    env.set(e.name, value);
  }
  const out = [...env].map(([key, value]) => ({ key, value }));
  for (const [key, value] of svc) if (!env.has(key)) out.push({ key, value });
  return out;
}
