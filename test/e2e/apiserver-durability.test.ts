// 32 concurrent clients create ConfigMaps; the server is killed with
// SIGKILL mid-stream and restarted; every create that got a 201 is there.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, destroyCluster } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { adminClient } from '../support/http.ts';

describe('apiserver durability', { timeout: 120_000 }, () => {
  let c: TestCluster;
  after(async () => { await destroyCluster(c); });

  it('keeps every acknowledged create across kill -9', async () => {
    c = await startCluster();
    const http = adminClient(c.kubeconfig);
    const acked: string[] = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop && i < 10_000; i++) {
        const name = `w${w}-${i}`;
        try {
          const r = await http.call('POST', '/api/v1/namespaces/default/configmaps',
            JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } }));
          if (r.status === 201) acked.push(name);
        } catch {
          return; // the connection died with the server
        }
      }
    };
    const workers = Array.from({ length: 32 }, (_, w) => worker(w));
    while (acked.length < 300) await new Promise((r) => setTimeout(r, 10));
    await c.stop('SIGKILL');
    stop = true;
    await Promise.all(workers);
    http.close();
    assert.ok(acked.length >= 300);

    await c.restart();
    const after = adminClient(c.kubeconfig);
    const list = (await after.call('GET', '/api/v1/namespaces/default/configmaps')).json();
    after.close();
    const present = new Set(list.items.map((i: any) => i.metadata.name));
    const missing = acked.filter((n) => !present.has(n));
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged creates are missing`);
  });
});
