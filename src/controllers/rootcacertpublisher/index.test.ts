import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RootCACertPublisher, DESCRIPTION, DESCRIPTION_ANNOTATION, ROOT_CA_CONFIG_MAP } from './index.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const cache = (items: any[]) => ({ get: (k: string) => items.find((o) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name) === k) });
const ns = (name: string, extra: any = {}) => ({ metadata: { name, ...extra.metadata }, status: { phase: 'Active', ...extra.status } });
const cm = (namespace: string, data: any, annotations?: any) => ({ metadata: { name: ROOT_CA_CONFIG_MAP, namespace, resourceVersion: '7', ...(annotations ? { annotations } : {}) }, data });

function run(namespaces: any[], configMaps: any[], fail?: number) {
  const calls: any[] = [];
  const client: any = {
    create: async (_r: any, n: string, obj: any) => { calls.push(['create', n, obj]); if (fail) throw Object.assign(new Error('x'), { status: { code: fail } }); },
    update: async (_r: any, n: string, obj: any) => { calls.push(['update', n, obj]); },
  };
  const ctl = new RootCACertPublisher({ client, namespaces: cache(namespaces) as any, configMaps: cache(configMaps) as any, rootCA: CA });
  return { ctl, calls };
}

describe('root CA publisher', () => {
  const good = cm('a', { 'ca.crt': CA }, { [DESCRIPTION_ANNOTATION]: 'anything' });
  const cases: [string, any[], any[], string[]][] = [
    ['creates it in an active namespace', [ns('a')], [], ['create a']],
    ['leaves a correct one alone', [ns('a')], [good], []],
    ['restores edited data', [ns('a')], [cm('a', { 'ca.crt': 'x' }, { [DESCRIPTION_ANNOTATION]: DESCRIPTION })], ['update a']],
    ['restores an extra key', [ns('a')], [cm('a', { 'ca.crt': CA, more: '1' }, { [DESCRIPTION_ANNOTATION]: DESCRIPTION })], ['update a']],
    ['restores a removed description', [ns('a')], [cm('a', { 'ca.crt': CA })], ['update a']],
    ['skips a terminating namespace', [ns('a', { status: { phase: 'Terminating' } })], [], []],
    ['skips a namespace being deleted', [ns('a', { metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' } })], [], []],
    ['skips an unknown namespace', [], [], []],
  ];
  for (const [name, namespaces, cms, want] of cases) {
    it(name, async () => {
      const { ctl, calls } = run(namespaces, cms);
      await ctl.reconcile('a');
      assert.deepEqual(calls.map((c) => `${c[0]} ${c[1]}`), want);
    });
  }

  it('writes upstream\'s object, and keeps other annotations and labels on restore', async () => {
    const { ctl, calls } = run([ns('a')], []);
    await ctl.reconcile('a');
    assert.deepEqual(calls[0][2], { metadata: { name: 'kube-root-ca.crt', namespace: 'a', annotations: { 'kubernetes.io/description': DESCRIPTION } }, data: { 'ca.crt': CA } });
    const edited = { ...cm('a', { 'ca.crt': 'x' }, { keep: 'me' }), metadata: { ...cm('a', {}).metadata, labels: { l: '1' }, annotations: { keep: 'me' } } };
    const r = run([ns('a')], [edited]);
    await r.ctl.reconcile('a');
    const obj = r.calls[0][2];
    assert.deepEqual(obj.data, { 'ca.crt': CA });
    assert.deepEqual(obj.metadata.annotations, { keep: 'me', [DESCRIPTION_ANNOTATION]: DESCRIPTION });
    assert.deepEqual([obj.metadata.labels, obj.metadata.resourceVersion], [{ l: '1' }, '7'], 'an update with the read resourceVersion');
  });

  for (const code of [403, 404, 409]) {
    it(`drops a create that fails with ${code}`, async () => {
      const { ctl } = run([ns('a')], [], code);
      await ctl.reconcile('a');
    });
  }
  it('retries a create that fails otherwise', async () => {
    const { ctl } = run([ns('a')], [], 500);
    await assert.rejects(ctl.reconcile('a'));
  });

  it('maps only its own ConfigMap to a namespace', () => {
    const { ctl } = run([], []);
    assert.deepEqual(ctl.namespaceOf(cm('b', {})), ['b']);
    assert.deepEqual(ctl.namespaceOf({ metadata: { name: 'other', namespace: 'b' } }), []);
  });
});
