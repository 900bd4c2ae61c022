// Which routes a node needs to reach the other nodes' pods, in the manner of
// flannel's host-gw backend: every other node's podCIDR is routed via that
// node's InternalIP, which must sit on a network this host is directly
// connected to (host-gw needs the nodes on one L2 segment). Pure functions,
// so that the decisions are tested without touching the host.

/** What the planner needs of a Node. */
export interface NodeView {
  name: string;
  podCIDR?: string;
  internalIP?: string;
}

/** An IPv4 address of this host with its network, as in os.networkInterfaces() ("10.0.0.2/24"). */
export interface LocalAddress {
  address: string;
  cidr: string;
}

/** A route of the host's main table; `ours` when k8ts added it (its protocol tag). */
export interface HostRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  ours: boolean;
}

export interface WantedRoute {
  dst: string;
  via: string;
  node: string;
}

export interface Skipped {
  node: string;
  reason: string;
}

export interface RoutePlan {
  replace: WantedRoute[];
  remove: HostRoute[];
  /** Routes wanted but left alone because a route k8ts did not add holds the destination. */
  conflicts: Skipped[];
}

export function nodeView(node: any): NodeView {
  const internal = (node?.status?.addresses ?? []).find((a: any) => a?.type === 'InternalIP' && parseIPv4(a.address) !== undefined);
  const cidr = node?.spec?.podCIDR ?? node?.spec?.podCIDRs?.[0];
  return { name: node?.metadata?.name ?? '', ...(cidr ? { podCIDR: cidr } : {}), ...(internal ? { internalIP: internal.address } : {}) };
}

export function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s ?? '');
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
}

interface Net {
  base: number;
  bits: number;
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** An IPv4 CIDR (a bare address is a /32), with the host bits cleared. */
export function parseCIDR(s: string): Net | undefined {
  const [addr, len = '32', extra] = (s ?? '').split('/');
  const ip = parseIPv4(addr);
  const bits = Number(len);
  if (ip === undefined || extra !== undefined || !/^\d{1,2}$/.test(len) || bits > 32) return undefined;
  return { base: (ip & mask(bits)) >>> 0, bits };
}

function format(n: Net): string {
  return `${[24, 16, 8, 0].map((s) => (n.base >>> s) & 255).join('.')}/${n.bits}`;
}

/** The canonical form the kernel lists a destination in ("10.42.1.0/24"; a /32 as "10.0.0.1/32"). */
export function canonicalCIDR(s: string): string | undefined {
  const n = parseCIDR(s);
  return n && format(n);
}

function contains(n: Net, ip: number): boolean {
  return ((ip & mask(n.bits)) >>> 0) === n.base;
}

function overlaps(a: Net, b: Net): boolean {
  const bits = Math.min(a.bits, b.bits);
  return ((a.base & mask(bits)) >>> 0) === ((b.base & mask(bits)) >>> 0);
}

/**
 * The routes to the other nodes' pods, and the nodes that get none with
 * why. Nodes on this very host (their InternalIP is ours: two nodes in
 * one network namespace) and nodes without a podCIDR yet are left out
 * without a word: there is nothing to route.
 */
export function desiredRoutes(nodes: NodeView[], self: { name: string; podCIDR?: string }, local: LocalAddress[]): { routes: WantedRoute[]; skipped: Skipped[] } {
  const routes: WantedRoute[] = [];
  const skipped: Skipped[] = [];
  const own = self.podCIDR ? parseCIDR(self.podCIDR) : undefined;
  const localIPs = new Set(local.map((a) => parseIPv4(a.address)));
  const localNets = local.map((a) => parseCIDR(a.cidr)).filter((n): n is Net => !!n);
  const taken: { net: Net; node: string }[] = [];
  for (const n of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    if (n.name === self.name || !n.podCIDR) continue;
    const net = parseCIDR(n.podCIDR);
    if (!net || !n.podCIDR.includes('/')) {
      skipped.push({ node: n.name, reason: `podCIDR ${n.podCIDR} is not an IPv4 CIDR` });
      continue;
    }
    if (!n.internalIP) {
      skipped.push({ node: n.name, reason: 'the node has no IPv4 InternalIP' });
      continue;
    }
    const ip = parseIPv4(n.internalIP)!;
    if (localIPs.has(ip)) continue;
    if (!localNets.some((l) => contains(l, ip))) {
      skipped.push({ node: n.name, reason: `its InternalIP ${n.internalIP} is not on a network this host is directly connected to (host-gw routing needs the nodes on one L2 segment)` });
      continue;
    }
    if (own && overlaps(own, net)) {
      skipped.push({ node: n.name, reason: `its podCIDR ${n.podCIDR} overlaps this node's podCIDR ${self.podCIDR}` });
      continue;
    }
    const hostNet = localNets.find((l) => overlaps(l, net));
    if (hostNet) {
      skipped.push({ node: n.name, reason: `its podCIDR ${n.podCIDR} overlaps ${format(hostNet)}, a network of this host` });
      continue;
    }
    const clash = taken.find((t) => overlaps(t.net, net));
    if (clash) {
      skipped.push({ node: n.name, reason: `its podCIDR ${n.podCIDR} overlaps the podCIDR of node ${clash.node}` });
      continue;
    }
    taken.push({ net, node: n.name });
    routes.push({ dst: format(net), via: n.internalIP, node: n.name });
  }
  return { routes, skipped };
}

/** What to change so that the host's routes are the wanted ones; routes k8ts did not add are never touched. */
export function planRoutes(want: WantedRoute[], current: HostRoute[]): RoutePlan {
  const key = (dst: string) => canonicalCIDR(dst) ?? dst;
  const ours = new Map<string, HostRoute>();
  const foreign = new Map<string, HostRoute>();
  for (const r of current) (r.ours ? ours : foreign).set(key(r.dst), r);
  const plan: RoutePlan = { replace: [], remove: [], conflicts: [] };
  const wanted = new Set<string>();
  for (const w of want) {
    const k = key(w.dst);
    const other = foreign.get(k);
    if (other && !ours.has(k)) {
      plan.conflicts.push({ node: w.node, reason: `a route to ${w.dst} that k8ts did not add is in the way (${[other.gateway && `via ${other.gateway}`, other.dev && `dev ${other.dev}`].filter(Boolean).join(' ')})` });
      continue;
    }
    wanted.add(k);
    if (ours.get(k)?.gateway !== w.via) plan.replace.push(w);
  }
  for (const [k, r] of ours) if (!wanted.has(k)) plan.remove.push(r);
  return plan;
}

/**
 * The masquerade exemptions: the CNI bridge masquerades whatever its pods
 * send beyond the node's own podCIDR (ipMasq), which would hide a pod's IP
 * from the pods of other nodes. Traffic from this node's pods to another
 * node's podCIDR keeps its source, as the Kubernetes network model asks.
 * Each rule is iptables arguments for the nat table's K8TS chain.
 */
export function exemptionRules(ownPodCIDR: string | undefined, routes: WantedRoute[]): string[][] {
  const own = ownPodCIDR && canonicalCIDR(ownPodCIDR);
  if (!own) return [];
  return routes.map((r) => ['-s', own, '-d', r.dst, '-m', 'comment', '--comment', `k8ts: pods of node ${r.node}`, '-j', 'ACCEPT']);
}
