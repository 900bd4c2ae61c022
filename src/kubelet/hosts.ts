// The pod's hostname and its kubelet-managed /etc/hosts, as upstream's
// kubelet makes them (GeneratePodHostNameAndDomain, GetNodenameForKernel,
// makeHostsMount). The file lives in the pod's directory and is bind-mounted
// into every container that does not mount something of its own at
// /etc/hosts; it is rewritten on each container start, so it always carries
// the sandbox's current IPs. Without it the runtime would copy the node's
// file into every pod, and hostAliases would have nowhere to go.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ETC_HOSTS = '/etc/hosts';
const MANAGED_HEADER = '# Kubernetes-managed hosts file.\n';
const HOST_NETWORK_HEADER = '# Kubernetes-managed hosts file (host network).\n';
// The hostname is the kernel's nodename: 64 bytes with the terminating NUL.
const HOSTNAME_MAX = 63;
const FQDN_MAX = 64;

export interface HostAlias {
  ip?: string;
  hostnames?: string[];
}

export interface CriMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
}

/** Cuts a hostname to 63 characters; the cut must not leave a trailing '-' or '.'. */
export function truncateHostname(podName: string, hostname: string): string {
  if (hostname.length <= HOSTNAME_MAX) return hostname;
  const cut = hostname.slice(0, HOSTNAME_MAX).replace(/[-.]+$/, '');
  if (!cut) throw new Error(`hostname for pod "${podName}" was invalid: "${hostname}"`);
  return cut;
}

/** The pod's short hostname (spec.hostname or its name) and, with spec.subdomain, its domain. */
export function podHostnameAndDomain(pod: any, clusterDomain: string): { hostname: string; domain: string } {
  const name = pod.metadata.name;
  const hostname = truncateHostname(name, pod.spec?.hostname || name);
  const sub = pod.spec?.subdomain;
  return { hostname, domain: sub ? `${sub}.${pod.metadata.namespace}.svc.${clusterDomain}` : '' };
}

/** What the kernel is told: the FQDN with setHostnameAsFQDN (and a domain), else the short name. */
export function kernelHostname(hostname: string, domain: string, setHostnameAsFQDN?: boolean): string {
  if (!domain || setHostnameAsFQDN !== true) return hostname;
  const fqdn = `${hostname}.${domain}`;
  if (fqdn.length > FQDN_MAX) {
    throw new Error(`failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${FQDN_MAX} characters is the max, ${fqdn.length} characters requested)`);
  }
  return fqdn;
}

/** The sandbox's hostname: empty for hostNetwork pods, which keep the node's. */
export function sandboxHostname(pod: any, clusterDomain: string): string {
  if (pod.spec?.hostNetwork) return '';
  const { hostname, domain } = podHostnameAndDomain(pod, clusterDomain);
  return kernelHostname(hostname, domain, pod.spec?.setHostnameAsFQDN);
}

/** spec.hostAliases, one line per IP with its names tab-separated, under upstream's comment. */
export function aliasEntries(aliases: HostAlias[] | undefined): string {
  if (!aliases?.length) return '';
  return `\n# Entries added by HostAliases.\n${aliases.map((a) => `${a.ip ?? ''}\t${(a.hostnames ?? []).join('\t')}\n`).join('')}`;
}

/** The file of a pod on the pod network: loopback and IPv6 boilerplate, its IPs with its names, then the aliases. */
export function managedHostsContent(ips: string[], hostname: string, domain: string, aliases?: HostAlias[]): string {
  const names = domain ? `${hostname}.${domain}\t${hostname}` : hostname;
  return MANAGED_HEADER
    + '127.0.0.1\tlocalhost\n'
    + '::1\tlocalhost ip6-localhost ip6-loopback\n'
    + 'fe00::0\tip6-localnet\n'
    + 'fe00::0\tip6-mcastprefix\n'
    + 'fe00::1\tip6-allnodes\n'
    + 'fe00::2\tip6-allrouters\n'
    + ips.map((ip) => `${ip}\t${names}\n`).join('')
    + aliasEntries(aliases);
}

/** The file of a hostNetwork pod: the node's own file under the host-network header, then the aliases. */
export function nodeHostsContent(nodeHosts: string, aliases?: HostAlias[]): string {
  return HOST_NETWORK_HEADER + nodeHosts + aliasEntries(aliases);
}

export function hostsFilePath(podDir: string): string {
  return join(podDir, 'etc-hosts');
}

export interface HostsOptions {
  pod: any;
  /** The live sandbox's IPs (the node's IP for hostNetwork pods). */
  ips: string[];
  podDir: string;
  clusterDomain: string;
  /** The node's hosts file, read for hostNetwork pods (default /etc/hosts). */
  nodeHostsFile?: string;
}

/** Writes the pod's hosts file (mode 0644, whatever the umask) and resolves to its path; asynchronous so a slow disk does not stall the kubelet. */
export async function ensureHostsFile(o: HostsOptions): Promise<string> {
  const { pod } = o;
  let content: string;
  if (pod.spec?.hostNetwork) content = nodeHostsContent(await readFile(o.nodeHostsFile ?? ETC_HOSTS, 'utf8'), pod.spec.hostAliases);
  else {
    const { hostname, domain } = podHostnameAndDomain(pod, o.clusterDomain);
    content = managedHostsContent(o.ips, hostname, domain, pod.spec?.hostAliases);
  }
  await mkdir(o.podDir, { recursive: true });
  const path = hostsFilePath(o.podDir);
  await writeFile(path, content, { mode: 0o644 });
  await chmod(path, 0o644);
  return path;
}

/**
 * The /etc/hosts mount for one container: none when the container mounts
 * its own /etc/hosts, or when a pod-network pod has no IP yet.
 */
export async function hostsMounts(o: HostsOptions & { container: any }): Promise<CriMount[]> {
  if (!o.pod.spec?.hostNetwork && !o.ips.length) return [];
  if ((o.container.volumeMounts ?? []).some((m: any) => m.mountPath === ETC_HOSTS)) return [];
  return [{ containerPath: ETC_HOSTS, hostPath: await ensureHostsFile(o), readonly: false }];
}
