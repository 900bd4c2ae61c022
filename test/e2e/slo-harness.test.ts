// The SLO harness's small run (10 hollow nodes, 200 pods), as the suite's
// check that bench:slo works: every pod reaches Running and the report
// holds every field. The figures themselves are for docs/perf.md.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, run } from '../support/cluster.ts';

describe('SLO harness', { timeout: 300_000 }, () => {
  it('runs 10 nodes and 200 pods and reports every figure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-slo-test-'));
    const out = join(dir, 'report.json');
    try {
      const r = await run(process.execPath, ['--no-warnings', join(ROOT, 'bench/slo.ts'), '--nodes', '10', '--pods', '200', '--qps', '50', '--out', out], { timeoutMs: 280_000 });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const report = JSON.parse(readFileSync(out, 'utf8'));
      assert.deepEqual(report.config, { nodes: 10, pods: 200, qps: 50, bound: false });
      assert.ok(report.nodesReadyS > 0 && report.nodesReadyS < 60);
      assert.equal(report.podStartupMs.n, 200, 'every pod reaches Running');
      for (const k of ['p50', 'p90', 'p99']) assert.ok(report.podStartupMs[k] > 0, `podStartupMs.${k}`);
      for (const key of ['create namespaces', 'create deployments', 'create services', 'get deployments', 'list pods', 'list pods (all namespaces)']) {
        const l = report.apiLatencyMs[key];
        assert.ok(l && l.n > 0 && l.p50 > 0 && l.p90 >= l.p50 && l.p99 >= l.p90, `apiLatencyMs["${key}"] = ${JSON.stringify(l)}`);
      }
      assert.ok(report.podsRunningPerSecond > 0, 'podsRunningPerSecond');
      for (const p of ['server', 'hollow', 'controller-manager', 'scheduler']) {
        assert.ok(report.processes[p].maxRssMiB > 10, `${p} RSS`);
        assert.ok(report.processes[p].meanCpu >= 0, `${p} CPU`);
      }
      assert.match(r.stdout, /pod startup \(200\)\s+\d+\s+\d+\s+\d+\s+p99 <= 5 s (met|MISSED)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
