// The scheduler against `k8ts server` and hollow nodes, through the real
// kubectl: pods are placed and run, an impossible pod gets upstream's
// FailedScheduling message and is placed once a big node joins, a taint
// keeps pods off its node, and explain-scheduling prints the tables. The
// test runs its own scheduler with a profile of its own, on a server started
// with --disable-scheduler and --disable-controller-manager, and checks that
// the server ran neither.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startCluster, destroyCluster, freePort, writeTemp, K8TS, ROOT } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { sleep, until } from '../support/wait.ts';

const NODE = process.execPath;
const SCHEDULER = join(ROOT, 'src/cmd/scheduler.ts');
const NAME = 'e2e-scheduler';

function podYaml(name: string, o: { cpu?: string; labels?: Record<string, string> } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: o.labels ?? {} },
    spec: { schedulerName: NAME, containers: [{ name: 'c', image: 'registry.local/x:1', resources: { requests: { cpu: o.cpu ?? '100m' } } }] },
  });
}

function explain(port: number, pod: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => execFile(NODE, ['--no-warnings', SCHEDULER, 'explain-scheduling', '-n', 'default', '--scheduler-address', `http://127.0.0.1:${port}`, pod],
    (err, stdout, stderr) => res({ code: err ? 1 : 0, stdout, stderr })));
}

describe('scheduler on hollow nodes', { timeout: 180_000 }, () => {
  let c: TestCluster;
  const children: ChildProcess[] = [];
  let port = 0;
  let nodes: string[] = [];

  before(async () => {
    c = await startCluster({ extraArgs: ['--disable-scheduler', '--disable-controller-manager'] });
    port = await freePort();
    const cfg = writeTemp('sched.yaml', `apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: ${NAME}\n`);
    const env = { ...process.env, K8TS_LOG: 'quiet' };
    children.push(spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '5', '--cpu', '4'], { stdio: 'ignore', env }));
    children.push(spawn(NODE, ['--no-warnings', SCHEDULER, 'scheduler', '--kubeconfig', c.kubeconfig, '--leader-elect=false',
      '--scheduler-config', cfg, '--explain-port', String(port)], { stdio: 'ignore', env }));
    nodes = await until('5 Ready nodes', 30_000, async () => {
      const out = await c.k(['get', 'nodes', '--no-headers']);
      const ready = out.split('\n').filter((l) => /\sReady\s/.test(l)).map((l) => l.split(/\s+/)[0]);
      return ready.length === 5 && ready;
    });
  });
  after(async () => {
    for (const ch of children) ch.kill('SIGTERM');
    await destroyCluster(c);
  });

  it('runs no default scheduler and no controller manager when they are disabled', async () => {
    const children = await new Promise<string>((res) => execFile('ps', ['-o', 'args=', '--ppid', String(c.process.pid)], (_e, out) => res(out)));
    assert.doesNotMatch(children, /main\.ts (scheduler|controller-manager)\b/);
    // Without the controller manager nothing makes the default ServiceAccount; pods need it.
    const sa = await c.kubectl(['get', 'serviceaccount', 'default']);
    assert.match(sa.stderr, /serviceaccounts "default" not found/);
    await c.k(['create', 'serviceaccount', 'default']);
    // A pod for the default scheduler stays unscheduled.
    await c.k(['run', 'orphan', '--image=registry.local/x:1', '--restart=Never']);
    await sleep(1500);
    const pod = JSON.parse(await c.k(['get', 'pod', 'orphan', '-o', 'json']));
    assert.equal(pod.spec.schedulerName, 'default-scheduler');
    assert.equal(pod.spec.nodeName, undefined);
    assert.equal(pod.status.phase, 'Pending');
    await c.k(['delete', 'pod', 'orphan', '--wait=false']);
  });

  it('schedules pods that then run', async () => {
    for (let i = 0; i < 3; i++) await c.k(['create', '-f', '-'], { input: podYaml(`run-${i}`) });
    for (let i = 0; i < 3; i++) await c.k(['wait', '--for=condition=Ready', `pod/run-${i}`, '--timeout=30s']);
    const pods = JSON.parse(await c.k(['get', 'pods', '-o', 'json'])).items.filter((p: any) => p.metadata.name.startsWith('run-'));
    for (const p of pods) {
      assert.ok(nodes.includes(p.spec.nodeName));
      assert.equal(p.status.phase, 'Running');
      assert.equal(p.status.conditions.find((x: any) => x.type === 'PodScheduled').status, 'True');
    }
    const events = JSON.parse(await c.k(['get', 'events', '-o', 'json'])).items;
    assert.ok(events.some((e: any) => e.reason === 'Scheduled' && e.involvedObject.name === 'run-0' && /^Successfully assigned default\/run-0 to /.test(e.message)));
  });

  it('reports an impossible pod with upstream\'s message, and places it when a big node joins', async () => {
    await c.k(['create', '-f', '-'], { input: podYaml('huge', { cpu: '16' }) });
    const want = '0/5 nodes are available: 5 Insufficient cpu. preemption: 0/5 nodes are available: 5 No preemption victims found for incoming pod..';
    await until('a FailedScheduling event', 20_000, async () => {
      const events = JSON.parse(await c.k(['get', 'events', '-o', 'json'])).items;
      return events.find((e: any) => e.reason === 'FailedScheduling' && e.involvedObject.name === 'huge' && e.type === 'Warning' && e.message === want);
    });
    const pod = JSON.parse(await c.k(['get', 'pod', 'huge', '-o', 'json']));
    const cond = pod.status.conditions.find((x: any) => x.type === 'PodScheduled');
    assert.deepEqual([cond.status, cond.reason, cond.message], ['False', 'Unschedulable', want]);
    const ex = await explain(port, 'huge');
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stdout, /Result:\s+Unschedulable/);
    assert.match(ex.stdout, new RegExp(`${nodes[0]}\\s+Unschedulable\\s+NodeResourcesFit\\s+Insufficient cpu`));
    children.push(spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '1', '--cpu', '32', '--name-prefix', 'big-'], { stdio: 'ignore', env: { ...process.env, K8TS_LOG: 'quiet' } }));
    await until('the big node to be Ready', 30_000, async () => /^big-\S+\s+Ready\s/m.test(await c.k(['get', 'nodes', '--no-headers'])));
    const ready = Date.now();
    const node = await until('huge to be bound', 10_000, async () => (await c.k(['get', 'pod', 'huge', '-o', 'jsonpath={.spec.nodeName}'])).trim());
    assert.match(node, /^big-/);
    // Within 2 s of the node joining (plus the 200 ms poll and kubectl's own latency).
    assert.ok(Date.now() - ready < 2_500, `bound ${Date.now() - ready} ms after the node was seen Ready`);
  });

  it('keeps pods off a tainted node', async () => {
    const tainted = nodes[1];
    await c.k(['taint', 'node', tainted, 'dedicated=infra:NoSchedule']);
    await sleep(500);
    for (let i = 0; i < 8; i++) await c.k(['create', '-f', '-'], { input: podYaml(`t-${i}`) });
    await until('8 bound pods', 20_000, async () => {
      const out = await c.k(['get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.nodeName}{"\\n"}{end}']);
      return out.split('\n').filter((l) => /^t-\d+=\S+/.test(l)).length === 8;
    });
    const out = await c.k(['get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.nodeName}{"\\n"}{end}']);
    const placed = out.split('\n').filter((l) => l.startsWith('t-')).map((l) => l.split('=')[1]);
    assert.ok(!placed.includes(tainted), `pods landed on the tainted node: ${placed}`);
    const ex = await explain(port, 't-7');
    assert.match(ex.stdout, new RegExp(`${tainted}\\s+UnschedulableAndUnresolvable\\s+TaintToleration\\s+node\\(s\\) had untolerated taint \\{dedicated: infra\\}`));
    assert.match(ex.stdout, /Score \(normalized score x weight\):\nNODE\s+TOTAL\s+TaintToleration\(x3\)/);
    assert.match(ex.stdout, /Why: /);
  });
});
