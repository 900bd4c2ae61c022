import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalPathProvisioner, LocalPathReclaimer, provisionedVolume, storageDirOf, byClaim, STORAGE_DIR_ANNOTATION } from './index.ts';

const sc = (over: any = {}) => ({ metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer', ...over });
const claim = (over: any = {}) => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'u1', resourceVersion: '7', annotations: { 'volume.kubernetes.io/selected-node': 'n1' }, ...over.metadata },
  spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...over.spec },
  status: { phase: 'Pending', ...over.status },
});
const node = { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' }, annotations: { [STORAGE_DIR_ANNOTATION]: '/data/storage/' } } };
const cache = (items: any[], key = (o: any) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name)) =>
  ({ list: () => items, get: (k: string) => items.find((o) => key(o) === k), byIndex: (_i: string, k: string) => items.filter((o) => byClaim(o).includes(k)) }) as any;
const notFound = () => Object.assign(new Error('nf'), { status: { code: 404 } });

function setup(o: { claims?: any[]; volumes?: any[]; classes?: any[]; apiClaims?: any[]; nodes?: any[] } = {}) {
  const calls: string[] = [];
  const bodies: any[] = [];
  const events: string[] = [];
  const client: any = {
    create: async (r: any, _ns: string, obj: any) => { calls.push(`create ${r.resource} ${obj.metadata.name}`); bodies.push(obj); return { ...obj, status: { phase: 'Pending' } }; },
    get: async (r: any, ns: string, name: string) => {
      calls.push(`get ${r.resource} ${ns}/${name}`);
      const found = (o.apiClaims ?? []).find((c) => c.metadata.name === name);
      if (!found) throw notFound();
      return found;
    },
    patch: async (r: any, ns: string, name: string, body: any, opts: any = {}) => {
      calls.push(`patch ${r.resource}${opts.subresource ? `/${opts.subresource}` : ''} ${ns ? `${ns}/` : ''}${name}`);
      bodies.push(body);
      if (r.resource === 'persistentvolumes') return { metadata: { name }, spec: body.spec ?? {}, status: {} };
      return { ...claim(), ...body, metadata: { ...claim().metadata, ...body.metadata }, status: { phase: 'Pending' } };
    },
    delete: async (r: any, _ns: string, name: string) => { calls.push(`delete ${r.resource} ${name}`); },
  };
  const cfg = {
    client, claims: cache(o.claims ?? []), volumes: cache(o.volumes ?? []), classes: cache(o.classes ?? [sc()]), nodes: cache(o.nodes ?? [node]),
    recorder: { event: (_o: any, type: string, reason: string, msg: string) => events.push(`${type} ${reason} ${msg}`) },
  };
  return { provisioner: new LocalPathProvisioner(cfg), reclaimer: new LocalPathReclaimer(cfg), calls, bodies, events };
}

describe('local-path provisioner', () => {
  it('builds a pre-bound hostPath PV under the node\'s storage dir, pinned to the node', () => {
    const pv = provisionedVolume(claim(), sc(), node, 'n1', storageDirOf(node));
    assert.equal(pv.metadata.name, 'pvc-u1');
    assert.equal(pv.metadata.annotations['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
    assert.deepEqual(pv.spec.hostPath, { path: '/data/storage/pvc-u1_ns_data', type: 'DirectoryOrCreate' });
    assert.deepEqual(pv.spec.capacity, { storage: '1Gi' });
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(pv.spec.storageClassName, 'local-path');
    assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions, [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }]);
    assert.deepEqual(pv.spec.claimRef, { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'ns', name: 'data', uid: 'u1', resourceVersion: '7' });
    assert.deepEqual(byClaim(pv), ['ns/data']);
  });

  it('falls back to the default storage dir for a node that does not say', () => {
    assert.equal(storageDirOf({ metadata: {} }), '/var/lib/k8ts/storage');
    assert.equal(storageDirOf({ metadata: { annotations: { [STORAGE_DIR_ANNOTATION]: 'relative' } } }, '/x'), '/x');
  });

  it('provisions, then binds both sides as the PV controller does', async () => {
    const { provisioner, calls, bodies, events } = setup({ claims: [claim()] });
    await provisioner.reconcile('ns/data');
    assert.deepEqual(calls, ['create persistentvolumes pvc-u1', 'patch persistentvolumes/status pvc-u1', 'patch persistentvolumeclaims ns/data', 'patch persistentvolumeclaims/status ns/data']);
    assert.deepEqual(bodies[1], { status: { phase: 'Bound' } });
    assert.equal(bodies[2].spec.volumeName, 'pvc-u1');
    assert.equal(bodies[2].metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(bodies[2].metadata.annotations['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    assert.equal(bodies[2].metadata.resourceVersion, '7', 'the claim is patched with a precondition');
    assert.deepEqual(bodies[3], { status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } });
    assert.deepEqual(events, ['Normal Provisioning External provisioner is provisioning volume for claim "ns/data"', 'Normal ProvisioningSucceeded Successfully provisioned volume pvc-u1']);
  });

  const skipCases: [string, any, any[] | undefined, string[]][] = [
    ['waits for the scheduler to pick a node', claim({ metadata: { annotations: {} } }), undefined, ['Normal WaitForFirstConsumer waiting for first consumer to be created before binding']],
    ['leaves other provisioners\' claims alone', claim({ spec: { storageClassName: 'other' } }), [sc(), sc({ metadata: { name: 'other' }, provisioner: 'ebs.csi.aws.com' })], []],
    ['leaves claims of no class alone', claim({ spec: { storageClassName: '' } }), undefined, []],
    ['an Immediate local-path claim cannot be provisioned', claim({ metadata: { annotations: {} } }), [sc({ volumeBindingMode: 'Immediate' })],
      ['Warning ProvisioningFailed failed to provision volume with StorageClass "local-path": configuration error, no node was specified']],
  ];
  for (const [name, pvc, classes, wantEvents] of skipCases) {
    it(name, async () => {
      const { provisioner, calls, events } = setup({ claims: [pvc], classes });
      await provisioner.reconcile('ns/data');
      assert.deepEqual(calls, []);
      assert.deepEqual(events, wantEvents);
    });
  }

  it('finishes an interrupted bind without creating again', async () => {
    const pv = { ...provisionedVolume(claim(), sc(), node, 'n1', '/s'), status: { phase: 'Bound' } };
    const bound = claim({ spec: { volumeName: 'pvc-u1' }, metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } } });
    const { provisioner, calls } = setup({ claims: [bound], volumes: [pv] });
    await provisioner.reconcile('ns/data');
    assert.deepEqual(calls, ['patch persistentvolumeclaims/status ns/data']);
  });

  it('gives a node registered moments ago time to say where its storage is', async () => {
    const fresh = { metadata: { name: 'n1', creationTimestamp: new Date(Date.now() - 5_000).toISOString() } };
    const { provisioner, calls } = setup({ claims: [claim()], nodes: [fresh] });
    assert.deepEqual(await provisioner.reconcile('ns/data'), { requeueAfterMs: 1000 });
    assert.deepEqual(calls, []);
  });

  it('binds a claim to the PV the scheduler pre-bound to it (any class), filling the claimRef\'s uid', async () => {
    const pv = { metadata: { name: 'static', resourceVersion: '3' }, spec: { storageClassName: 'manual', capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'],
      hostPath: { path: '/x' }, claimRef: { namespace: 'ns', name: 'data' } }, status: { phase: 'Available' } };
    const { provisioner, calls, bodies } = setup({ claims: [claim({ spec: { storageClassName: 'manual' }, metadata: { annotations: {} } })], volumes: [pv] });
    await provisioner.reconcile('ns/data');
    assert.deepEqual(calls, ['patch persistentvolumes static', 'patch persistentvolumes/status static', 'patch persistentvolumeclaims ns/data', 'patch persistentvolumeclaims/status ns/data']);
    assert.deepEqual(bodies[0].spec.claimRef, { uid: 'u1', resourceVersion: '7' });
    assert.equal(bodies[2].spec.volumeName, 'static');
  });

  it('refuses a same-named volume of another claim', async () => {
    const pv = provisionedVolume(claim({ metadata: { uid: 'u1' } }), sc(), node, 'n1', '/s');
    pv.spec.claimRef.uid = 'someone-else';
    const { provisioner } = setup({ claims: [claim()], volumes: [pv] });
    await assert.rejects(provisioner.reconcile('ns/data'), /bound to another claim/);
  });
});

describe('local-path reclaimer', () => {
  const pv = (policy: string) => provisionedVolume(claim(), sc({ reclaimPolicy: policy }), node, 'n1', '/s');
  const cases: [string, any, any[], any[], string[]][] = [
    ['deletes a Delete volume whose claim is gone', pv('Delete'), [], [], ['get persistentvolumeclaims ns/data', 'delete persistentvolumes pvc-u1']],
    ['marks a Retain volume Released', pv('Retain'), [], [], ['get persistentvolumeclaims ns/data', 'patch persistentvolumes/status pvc-u1']],
    ['keeps the volume while its claim lives', pv('Delete'), [claim()], [], []],
    ['asks the API when the cache does not have the claim', pv('Delete'), [], [claim()], ['get persistentvolumeclaims ns/data']],
    ['a new claim of the same name does not keep the old volume', pv('Delete'), [claim({ metadata: { uid: 'u2' } })], [claim({ metadata: { uid: 'u2' } })],
      ['get persistentvolumeclaims ns/data', 'delete persistentvolumes pvc-u1']],
    ['leaves volumes it did not provision alone', { ...pv('Delete'), metadata: { name: 'pvc-u1' } }, [], [], []],
    ['makes a new unclaimed PV Available', { metadata: { name: 'pvc-u1' }, spec: { hostPath: { path: '/x' } }, status: { phase: 'Pending' } }, [], [], ['patch persistentvolumes/status pvc-u1']],
    ['leaves an Available PV be', { metadata: { name: 'pvc-u1' }, spec: { hostPath: { path: '/x' } }, status: { phase: 'Available' } }, [], [], []],
  ];
  for (const [name, vol, claims, apiClaims, want] of cases) {
    it(name, async () => {
      const { reclaimer, calls } = setup({ claims, volumes: [vol], apiClaims });
      await reclaimer.reconcile('pvc-u1');
      assert.deepEqual(calls, want);
    });
  }
});
