// `kubectl top` against the server's own real node: the apiserver serves
// metrics.k8s.io from the kubelet's /stats/summary, which reads containerd's
// container stats and the host's /proc. The kubelet turns CPU counters into
// a rate between background samples (~10 s apart), so the first figures
// appear after two samples.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, destroyCluster, waitNodeReady } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until } from '../support/wait.ts';

const NODE = 'e2e-top';

// A little CPU (a busy loop with pauses, so as not to starve the machine)
// and a few MiB held in a shell variable, so that neither rounds to zero.
const BURN = 'x=$(head -c 4000000 /dev/zero | tr "\\0" a); while true; do i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; sleep 0.1; done';

/** kubectl top's table without its header, split into cells. */
function rows(out: string): string[][] {
  return out.trim().split('\n').slice(1).filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s+/));
}

const milli = (cpu: string) => (cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000);
const mebi = (mem: string) => Number(mem.replace(/Mi$/, ''));

describe('kubectl top on a real node', { timeout: 170_000 }, () => {
  let c: TestCluster | undefined;
  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.197.0.0/16'] });
    await waitNodeReady(c!, NODE);
    await c!.k(['run', 'burn', '--image=k8ts.local/busybox:1', '--restart=Never', '--', 'sh', '-c', BURN]);
    await c!.k(['wait', '--for=condition=Ready', 'pod/burn', '--timeout=90s']);
  });
  after(async () => { await destroyCluster(c); });

  it('kubectl top pods shows the pod\'s non-zero CPU and memory', async () => {
    const row = await until('burn with CPU and memory in kubectl top pods', 60_000, async () => {
      const r = await c!.kubectl(['top', 'pods']);
      const burn = r.code === 0 ? rows(r.stdout).find((x) => x[0] === 'burn') : undefined;
      return burn && milli(burn[1]!) > 0 && mebi(burn[2]!) > 0 ? burn : undefined;
    });
    assert.match(row[1]!, /^\d+m$/);
    assert.match(row[2]!, /^\d+Mi$/);
    // The container's own row says the same, named after the container.
    const containers = rows(await c!.k(['top', 'pod', 'burn', '--containers']));
    assert.equal(containers.length, 1);
    assert.deepEqual(containers[0]!.slice(0, 2), ['burn', 'burn']);
    assert.ok(mebi(containers[0]![3]!) > 0, String(containers[0]));
  });

  it('kubectl top nodes shows the node\'s non-zero usage and its share of allocatable', async () => {
    const row = await until('the node in kubectl top nodes', 30_000, async () => {
      const r = await c!.kubectl(['top', 'nodes']);
      const n = r.code === 0 ? rows(r.stdout).find((x) => x[0] === NODE) : undefined;
      return n && milli(n[1]!) > 0 && mebi(n[3]!) > 0 ? n : undefined;
    });
    // NAME CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%)
    assert.match(row[2]!, /^\d+%$/);
    assert.match(row[4]!, /^\d+%$/);
    assert.ok(Number(row[4]!.slice(0, -1)) > 0, String(row));
  });
});
