// The host side of pod routing, through the system's tools: iproute2 for
// routes, iptables for the masquerade exemptions, procfs for forwarding.
// Every call acts on the network namespace the process runs in.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { HostRoute, LocalAddress, WantedRoute } from './plan.ts';

/**
 * The routing-protocol tag on the routes k8ts adds ('k' is 107), so that
 * they are told apart from everyone else's and found again after a restart.
 */
export const ROUTE_PROTO = '107';
/** The nat chain of masquerade exemptions, jumped to first from POSTROUTING. */
export const EXEMPT_CHAIN = 'K8TS-POSTROUTING';
const JUMP = ['-m', 'comment', '--comment', 'k8ts: pod traffic between nodes keeps its source IP', '-j', EXEMPT_CHAIN];

export interface HostNetwork {
  localAddresses(): LocalAddress[];
  listRoutes(): Promise<HostRoute[]>;
  replaceRoute(r: WantedRoute): Promise<void>;
  deleteRoute(r: HostRoute): Promise<void>;
  /** Turns on IPv4 forwarding; true when it was off. */
  ensureForwarding(): Promise<boolean>;
  /** Makes the exemption chain hold exactly these rules; none removes the chain and its jump. */
  syncExemptions(rules: string[][]): Promise<void>;
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    // A tool that exits before reading its input must not crash the process with EPIPE.
    child.stdin?.on('error', () => undefined);
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_./:!-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`;
}

export function systemNetwork(): HostNetwork {
  const ipt = (args: string[]) => run('iptables', ['-w', '-t', 'nat', ...args]);
  const removeExemptions = async () => {
    // The jump may be there more than once if two syncs raced a crash; take every copy.
    for (let i = 0; i < 10; i++) if (!(await ipt(['-D', 'POSTROUTING', ...JUMP]).then(() => true, () => false))) break;
    await ipt(['-F', EXEMPT_CHAIN]).catch(() => undefined);
    await ipt(['-X', EXEMPT_CHAIN]).catch(() => undefined);
  };
  return {
    localAddresses() {
      const out: LocalAddress[] = [];
      for (const addrs of Object.values(networkInterfaces())) {
        for (const a of addrs ?? []) if (a.family === 'IPv4' && a.cidr) out.push({ address: a.address, cidr: a.cidr });
      }
      return out;
    },
    async listRoutes() {
      const parse = (s: string) => (JSON.parse(s || '[]') as any[]).filter((r) => r.dst && r.dst !== 'default');
      const all = parse(await run('ip', ['-4', '-j', 'route', 'show', 'table', 'main']));
      const ours = new Set(parse(await run('ip', ['-4', '-j', 'route', 'show', 'table', 'main', 'proto', ROUTE_PROTO])).map((r) => r.dst));
      return all.map((r) => ({ dst: r.dst.includes('/') ? r.dst : `${r.dst}/32`, gateway: r.gateway, dev: r.dev, ours: ours.has(r.dst) }));
    },
    async replaceRoute(r) {
      await run('ip', ['-4', 'route', 'replace', r.dst, 'via', r.via, 'proto', ROUTE_PROTO]);
    },
    async deleteRoute(r) {
      await run('ip', ['-4', 'route', 'del', r.dst, 'proto', ROUTE_PROTO, ...(r.gateway ? ['via', r.gateway] : [])]).catch((err) => {
        if (!/No such process|Cannot find/.test(String(err.message))) throw err;
      });
    },
    async ensureForwarding() {
      const path = '/proc/sys/net/ipv4/ip_forward';
      if (readFileSync(path, 'utf8').trim() === '1') return false;
      writeFileSync(path, '1\n');
      return true;
    },
    async syncExemptions(rules) {
      if (!rules.length) return removeExemptions();
      // A chain declared under --noflush is emptied and refilled in one commit.
      const text = ['*nat', `:${EXEMPT_CHAIN} - [0:0]`, ...rules.map((r) => `-A ${EXEMPT_CHAIN} ${r.map(quote).join(' ')}`), 'COMMIT', ''].join('\n');
      await run('iptables-restore', ['-w', '--noflush'], text);
      const present = await ipt(['-C', 'POSTROUTING', ...JUMP]).then(() => true, () => false);
      // First, ahead of the CNI bridge's per-pod masquerade jumps, which are appended.
      if (!present) await ipt(['-I', 'POSTROUTING', '1', ...JUMP]);
    },
  };
}
