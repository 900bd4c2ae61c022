// The node's pod network: a CNI conflist (bridge with host-local IPAM over
// the node's podCIDR, then portmap for hostPorts) written where the
// runtime's CRI plugin reads it. containerd sets up each pod's loopback
// itself, so the list has no loopback plugin. Whatever a pod sends beyond
// the node's own podCIDR is masqueraded by one nat chain per bridge that
// the kubelet lays at start (ensurePodMasquerade), not by the bridge's
// ipMasq: that makes a chain and its rules for every pod, a dozen iptables
// runs that cost each sandbox about 35 ms of CPU on the node. Traffic to
// other nodes' pods is exempted ahead of it by the route syncer
// (network/syncer.ts), so that pods see each other's real IPs.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface CniOptions {
  podCIDR: string;
  /** Bridge interface name (at most 15 characters). */
  bridge: string;
  /** host-local keeps its address leases here rather than in /var/lib/cni. */
  ipamDataDir: string;
  networkName?: string;
  mtu?: number;
}

export const CONFLIST_NAME = '10-k8ts.conflist';

export function validCIDR(cidr: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 30 && Number(m[5]) >= 8;
}

export function conflist(o: CniOptions): any {
  if (!validCIDR(o.podCIDR)) throw new Error(`pod CIDR "${o.podCIDR}" is not an IPv4 CIDR between /8 and /30`);
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(o.bridge)) throw new Error(`bridge name "${o.bridge}" must be 1 to 15 characters`);
  return {
    cniVersion: '1.0.0',
    name: o.networkName ?? 'k8ts',
    plugins: [
      {
        type: 'bridge', bridge: o.bridge, isGateway: true, ipMasq: false, hairpinMode: true, ...(o.mtu ? { mtu: o.mtu } : {}),
        ipam: { type: 'host-local', ranges: [[{ subnet: o.podCIDR }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: o.ipamDataDir },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** Writes the conflist atomically (the runtime watches the directory and must never read half a file). */
export function writeConflist(confDir: string, o: CniOptions): string {
  mkdirSync(confDir, { recursive: true });
  mkdirSync(o.ipamDataDir, { recursive: true });
  const path = join(confDir, CONFLIST_NAME);
  const text = `${JSON.stringify(conflist(o), null, 2)}\n`;
  let old = '';
  try { old = readFileSync(path, 'utf8'); } catch { old = ''; }
  if (old === text) return path;
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
  return path;
}

const iptNat = (args: string[], input?: string) => new Promise<string>((resolve, reject) => {
  const child = execFile(args[0] === 'restore' ? 'iptables-restore' : 'iptables', args[0] === 'restore' ? ['-w', '--noflush'] : ['-w', '-t', 'nat', ...args],
    (err, stdout, stderr) => (err ? reject(new Error(`iptables ${args.join(' ')}: ${String(stderr).trim() || err.message}`)) : resolve(String(stdout))));
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(input);
});

/** The nat chain that masquerades the pods of one bridge (at most 28 characters with a 15-character bridge name). */
export function masqueradeChain(bridge: string): string {
  return `K8TS-MASQ-${bridge}`;
}

/**
 * The chain as iptables-restore input, as the bridge plugin's ipMasq lays it
 * per pod: within the podCIDR nothing changes, multicast goes on unchanged,
 * everything else leaves with the node's address.
 */
export function masqueradeRestore(podCIDR: string, bridge: string): string {
  const chain = masqueradeChain(bridge);
  return ['*nat', `:${chain} - [0:0]`, `-A ${chain} -d ${podCIDR} -j ACCEPT`, `-A ${chain} -d 224.0.0.0/4 -j RETURN`, `-A ${chain} -j MASQUERADE`, 'COMMIT', ''].join('\n');
}

/** Lays the pods' masquerade chain and the POSTROUTING jump to it for their podCIDR (idempotent). */
export async function ensurePodMasquerade(podCIDR: string, bridge: string): Promise<void> {
  if (!validCIDR(podCIDR)) throw new Error(`pod CIDR "${podCIDR}" is not an IPv4 CIDR between /8 and /30`);
  await iptNat(['restore'], masqueradeRestore(podCIDR, bridge));
  const jump = ['POSTROUTING', '-s', podCIDR, '-j', masqueradeChain(bridge)];
  // Appended, as the plugin's per-pod jumps were: the route syncer's exemptions stay ahead of it.
  if (!(await iptNat(['-C', ...jump]).then(() => true, () => false))) await iptNat(['-A', ...jump]);
}

/** Removes the bridge's masquerade chain and every jump to it. */
export async function removePodMasquerade(bridge: string): Promise<void> {
  const chain = masqueradeChain(bridge);
  const rules = await iptNat(['-S', 'POSTROUTING']).catch(() => '');
  for (const line of rules.split('\n')) {
    const args = line.trim().split(/\s+/);
    if (args[0] !== '-A' || args.at(-1) !== chain || args.at(-2) !== '-j') continue;
    await iptNat(['-D', ...args.slice(1)]);
  }
  await iptNat(['-F', chain]).catch(() => undefined); // no such chain: nothing to do
  await iptNat(['-X', chain]).catch(() => undefined);
}

/** Deletes the bridge interface and its pods' masquerade (when the node is torn down for good). */
export async function removeBridge(name: string): Promise<void> {
  await removePodMasquerade(name);
  await promisify(execFile)('ip', ['link', 'delete', name, 'type', 'bridge']).catch((err) => {
    if (!/Cannot find device|does not exist/.test(String(err?.stderr ?? err))) throw err;
  });
}

/**
 * portmap leaves its host-wide chains (CNI-HOSTPORT-*) and the jumps to them
 * after the last pod goes. Removes them when no pod on the host publishes a
 * hostPort any more (portmap makes them again on its next ADD); returns
 * whether it did.
 */
export async function removeIdleHostportChains(): Promise<boolean> {
  const ipt = (args: string[]) => promisify(execFile)('iptables', ['-w', '-t', 'nat', ...args]);
  let dnat: string;
  try {
    dnat = (await ipt(['-S', 'CNI-HOSTPORT-DNAT'])).stdout;
  } catch {
    return false; // no such chain: nothing to do
  }
  if (dnat.split('\n').some((l) => l.startsWith('-A '))) return false;
  const jumps: [string, string[]][] = [
    ['PREROUTING', ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'CNI-HOSTPORT-DNAT']],
    ['OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'CNI-HOSTPORT-DNAT']],
    ['POSTROUTING', ['-m', 'comment', '--comment', 'CNI portfwd requiring masquerade', '-j', 'CNI-HOSTPORT-MASQ']],
  ];
  for (const [chain, rule] of jumps) await ipt(['-D', chain, ...rule]).catch(() => undefined);
  for (const chain of ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-MASQ', 'CNI-HOSTPORT-SETMARK']) {
    await ipt(['-F', chain]).catch(() => undefined);
    await ipt(['-X', chain]).catch(() => undefined);
  }
  return true;
}
