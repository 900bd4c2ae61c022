// The pod's resolver settings for CRI, as upstream's DNS configurer makes
// them: the policy picks a base (cluster DNS, the node's resolv.conf, or
// nothing for None) and spec.dnsConfig is merged on top (duplicates
// dropped, an option named again takes the pod's value).
import { readFileSync, statSync } from 'node:fs';

export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface DNSOptions {
  clusterDNS?: string[];
  clusterDomain: string;
  /** The node's resolver file (the kubelet's --resolv-conf; default /etc/resolv.conf). */
  resolvConf?: string;
}

/**
 * Upstream's getPodDNSType: ClusterFirst falls back to the node's resolver
 * on the host network (ClusterFirstWithHostNet is how such a pod asks for
 * cluster DNS), and so does any cluster policy while no cluster DNS is set.
 */
export function podDNSType(pod: any, clusterDNS: string[] | undefined): 'None' | 'Cluster' | 'Host' {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'None') return 'None';
  const cluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.spec?.hostNetwork);
  return cluster && clusterDNS?.length ? 'Cluster' : 'Host';
}

const uniq = (xs: string[]) => [...new Set(xs)];

/** Options by name, later ones winning, back to name or name:value. */
function mergeOptions(base: string[], extra: { name: string; value?: string }[]): string[] {
  const m = new Map<string, string | undefined>();
  for (const o of base) {
    const i = o.indexOf(':');
    m.set(i < 0 ? o : o.slice(0, i), i < 0 ? undefined : o.slice(i + 1));
  }
  for (const o of extra) m.set(o.name, o.value);
  return [...m].map(([name, value]) => (value ? `${name}:${value}` : name));
}

/** nameserver, search (the last line wins, "." dropped) and options lines of a resolv.conf. */
export function parseResolvConf(text: string): DNSConfig {
  const out: DNSConfig = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const f = line.replace(/[#;].*/, '').trim().split(/\s+/).filter(Boolean);
    if (f[0] === 'nameserver' && f[1]) out.servers.push(f[1]);
    else if (f[0] === 'search') out.searches = f.slice(1).filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    else if (f[0] === 'options') out.options = mergeOptions(out.options, f.slice(1).map((o) => ({ name: o.split(':')[0], value: o.split(':')[1] })));
  }
  return out;
}

let cached: { path: string; mtimeMs: number; cfg: DNSConfig } | undefined;

/** The node's resolver settings, re-read only when the file changes; a missing file is an empty one. */
function hostDNS(path: string): DNSConfig {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return { servers: [], searches: [], options: [] };
  }
  if (cached?.path !== path || cached.mtimeMs !== mtimeMs) cached = { path, mtimeMs, cfg: parseResolvConf(readFileSync(path, 'utf8')) };
  return structuredClone(cached.cfg);
}

/** The sandbox's DNSConfig; undefined when the runtime's copy of the node's resolv.conf is exactly it. */
export function podDNSConfig(pod: any, o: DNSOptions): DNSConfig | undefined {
  const type = podDNSType(pod, o.clusterDNS);
  const custom = pod.spec?.dnsConfig ?? {};
  const hasCustom = !!(custom.nameservers?.length || custom.searches?.length || custom.options?.length);
  if (type === 'Host' && !hasCustom) return undefined;
  let base: DNSConfig = { servers: [], searches: [], options: [] };
  if (type !== 'None') {
    const host = hostDNS(o.resolvConf ?? '/etc/resolv.conf');
    const d = o.clusterDomain;
    base = type === 'Host' ? host : {
      servers: [...o.clusterDNS!],
      searches: uniq([`${pod.metadata.namespace}.svc.${d}`, `svc.${d}`, d, ...host.searches]),
      options: ['ndots:5'],
    };
  }
  return {
    servers: uniq([...base.servers, ...(custom.nameservers ?? [])]),
    searches: uniq([...base.searches, ...(custom.searches ?? [])]),
    options: mergeOptions(base.options, custom.options ?? []),
  };
}
