import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { volumeBinding } from './index.ts';
import { CycleState } from '../../framework/cycle-state.ts';
import { Code } from '../../framework/status.ts';
import { emptyListers, node, pod } from '../../testing.ts';

const sc = { metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' };
const claim = () => ({ metadata: { name: 'data', namespace: 'default', uid: 'c1', annotations: {} as Record<string, string> }, spec: { storageClassName: 'local-path', resources: { requests: { storage: '1Gi' } } } });

function setup(pvc: any, bindTimeoutMs: number) {
  const patches: any[] = [];
  const listers = emptyListers({ persistentvolumeclaims: [pvc], storageclasses: [sc] });
  const api: any = { patch: async (r: string, ns: string, name: string, body: any) => { patches.push({ r, ns, name, body }); } };
  const plugin = volumeBinding({ bindTimeoutMs }, { listers, api } as any);
  const p = { pod: pod('app', { spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } }) } as any;
  const n = node('n1');
  const state = new CycleState();
  assert.equal(plugin.preFilter!(state, p, [] as any).status, undefined);
  assert.equal(plugin.filter!(state, p, { name: 'n1', node: n } as any), null);
  return { plugin, state, p, patches };
}

describe('VolumeBinding PreBind', () => {
  it('records the chosen node on a WaitForFirstConsumer claim, then waits until the claim is bound', async () => {
    const pvc = claim();
    const { plugin, state, p, patches } = setup(pvc, 5_000);
    let done = false;
    const bound = plugin.preBind!(state, p, 'n1').then((s) => { done = true; return s; });
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(patches, [{ r: 'persistentvolumeclaims', ns: 'default', name: 'data', body: { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } } } }]);
    assert.equal(done, false, 'the pod is not bound while its claim is not');
    Object.assign(pvc.spec, { volumeName: 'pvc-c1' });
    pvc.metadata.annotations['pv.kubernetes.io/bind-completed'] = 'yes';
    assert.equal(await bound, null);
  });

  it('gives up after the bind timeout with an error', async () => {
    const { plugin, state, p } = setup(claim(), 150);
    const s = await plugin.preBind!(state, p, 'n1');
    assert.equal(s!.code, Code.Error);
    assert.match(s!.message(), /binding volumes: timed out waiting for the condition: claims default\/data are not bound/);
  });
});
