// A second "host" on this machine for end-to-end tests: a network namespace
// of its own, joined to this one by a veth pair on a private /24
// (10.251.N.0/24, an N no address or route of this host overlaps), with lo
// up and a default route via this host's side. cleanup() removes it all
// (the processes still inside, the namespace, the veth and any iptables
// rule it added), and runs by itself when the test process exits without it.
//
// Commands run inside with `nsenter --net=`, not `ip netns exec`: the latter
// also remounts /sys for the namespace, which hides the cgroup hierarchies
// mounted under /sys/fs/cgroup that runc needs. A real second host has its
// own mounts; here they are shared, which is why each node keeps its
// containerd root, state and socket under its own data dir.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { run } from './cluster.ts';
import type { KubectlResult } from './cluster.ts';
import { parseCIDR, parseIPv4 } from '../../src/kubelet/network/plan.ts';

export interface TestNetns {
  /** The namespace's name (ip netns list). */
  name: string;
  /** This host's end of the veth pair, and its address. */
  hostIf: string;
  hostIP: string;
  /** The namespace's address (its eth0). */
  nsIP: string;
  subnet: string;
  /** The command line that runs `cmd args` inside the namespace. */
  wrap(cmd: string, args: string[]): [string, string[]];
  run(cmd: string, args: string[], opts?: { timeoutMs?: number }): Promise<KubectlResult>;
  cleanup(): Promise<void>;
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A /24 under 10.251.0.0/16 that none of this host's addresses or routes (in any table) covers or falls in. */
async function freeSubnet(): Promise<number> {
  const used: { base: number; bits: number }[] = [];
  const routes = JSON.parse(await must('ip', ['-4', '-j', 'route', 'show', 'table', 'all'])) as { dst: string }[];
  const addrs = JSON.parse(await must('ip', ['-4', '-j', 'addr', 'show'])) as { addr_info: { local: string; prefixlen: number }[] }[];
  for (const r of routes) if (r.dst !== 'default') used.push(parseCIDR(r.dst)!);
  for (const l of addrs) for (const a of l.addr_info ?? []) used.push(parseCIDR(`${a.local}/${a.prefixlen}`)!);
  const first = randomBytes(1)[0];
  for (let i = 0; i < 255; i++) {
    const n = (first + i) % 255;
    const base = parseIPv4(`10.251.${n}.0`)!;
    const clash = used.filter(Boolean).some((u) => {
      const bits = Math.min(u.bits, 24);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return ((u.base & mask) >>> 0) === ((base & mask) >>> 0);
    });
    if (!clash) return n;
  }
  throw new Error('no free /24 under 10.251.0.0/16 for the test namespace');
}

export async function createNetns(): Promise<TestNetns> {
  const id = randomBytes(3).toString('hex');
  const name = `k8ts-e2e-${id}`;
  const hostIf = `k8tsh${id}`;
  const peer = `k8tsn${id}`;
  const n = await freeSubnet();
  const hostIP = `10.251.${n}.1`;
  const nsIP = `10.251.${n}.2`;
  const forwardRules: string[][] = [];
  let cleaned = false;

  const cleanupSync = () => {
    if (cleaned) return;
    cleaned = true;
    const quiet = (cmd: string, args: string[]) => { try { execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }); } catch { /* already gone */ } };
    let pids: string[] = [];
    try { pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).split(/\s+/).filter(Boolean); } catch { pids = []; }
    // Only what this test started runs in its namespace (the agent, its containerd and shims).
    for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* exited */ } }
    quiet('ip', ['netns', 'delete', name]);
    quiet('ip', ['link', 'delete', hostIf]);
    for (const rule of forwardRules) quiet('iptables', ['-w', '-D', 'FORWARD', ...rule]);
  };
  process.once('exit', cleanupSync);

  const ns: TestNetns = {
    name, hostIf, hostIP, nsIP, subnet: `10.251.${n}.0/24`,
    wrap: (cmd, args) => ['nsenter', [`--net=/run/netns/${name}`, cmd, ...args]],
    run: (cmd, args, opts = {}) => run('nsenter', [`--net=/run/netns/${name}`, cmd, ...args], opts),
    async cleanup() {
      cleanupSync();
      process.removeListener('exit', cleanupSync);
      // Let the kernel finish tearing the pair down before anyone looks.
      for (let i = 0; i < 50 && (await run('ip', ['link', 'show', hostIf], {})).code === 0; i++) await new Promise((r) => setTimeout(r, 100));
    },
  };
  try {
    await must('ip', ['netns', 'add', name]);
    await must('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peer, 'netns', name]);
    await must('ip', ['addr', 'add', `${hostIP}/24`, 'dev', hostIf]);
    await must('ip', ['link', 'set', hostIf, 'up']);
    const inside = (args: string[]) => must('ip', ['-n', name, ...args]);
    await inside(['link', 'set', 'lo', 'up']);
    await inside(['link', 'set', peer, 'name', 'eth0']);
    await inside(['addr', 'add', `${nsIP}/24`, 'dev', 'eth0']);
    await inside(['link', 'set', 'eth0', 'up']);
    await inside(['route', 'add', 'default', 'via', hostIP]);
    // Pod traffic between the hosts is forwarded through the pair; a host whose FORWARD policy drops needs a way through.
    if (!/^-P FORWARD ACCEPT/m.test(await must('iptables', ['-w', '-S', 'FORWARD']))) {
      for (const dir of ['-i', '-o']) {
        const rule = [dir, hostIf, '-m', 'comment', '--comment', `k8ts-e2e netns ${name}`, '-j', 'ACCEPT'];
        await must('iptables', ['-w', '-I', 'FORWARD', ...rule]);
        forwardRules.push(rule);
      }
    }
  } catch (err) {
    await ns.cleanup();
    throw err;
  }
  return ns;
}
