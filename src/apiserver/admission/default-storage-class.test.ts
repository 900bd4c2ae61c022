import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultStorageClass } from './default-storage-class.ts';
import { RESOURCES } from '../../api/resources.ts';
import type { AdmissionAttributes } from './index.ts';

const PVCS = RESOURCES.find((r) => r.group === '' && r.resource === 'persistentvolumeclaims')!;
const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;

const sc = (name: string, def: boolean | 'beta', created = '2026-01-01T00:00:00Z') => ({
  metadata: { name, creationTimestamp: created, annotations: def === 'beta' ? { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } : def ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} },
  provisioner: 'x',
});

function attrs(object: any, over: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return { operation: 'CREATE', resource: PVCS, subresource: '', namespace: 'default', name: object.metadata?.name ?? '', object, user: { username: 'u', groups: [] } as any, dryRun: false, ...over };
}

describe('DefaultStorageClass admission', () => {
  const cases: { name: string; classes: any[]; pvc: any; want: string | null | undefined; over?: Partial<AdmissionAttributes> }[] = [
    { name: 'no class gets the default', classes: [sc('slow', false), sc('local-path', true)], pvc: { metadata: { name: 'a' }, spec: {} }, want: 'local-path' },
    { name: 'no spec at all gets the default', classes: [sc('local-path', true)], pvc: { metadata: { name: 'a' } }, want: 'local-path' },
    { name: 'the beta default annotation counts', classes: [sc('old', 'beta')], pvc: { metadata: { name: 'a' }, spec: {} }, want: 'old' },
    { name: 'an explicit class is kept', classes: [sc('local-path', true)], pvc: { metadata: { name: 'a' }, spec: { storageClassName: 'fast' } }, want: 'fast' },
    { name: 'an explicit empty class means none', classes: [sc('local-path', true)], pvc: { metadata: { name: 'a' }, spec: { storageClassName: '' } }, want: '' },
    { name: 'the beta class annotation counts as a class', classes: [sc('local-path', true)], pvc: { metadata: { name: 'a', annotations: { 'volume.beta.kubernetes.io/storage-class': 'x' } }, spec: {} }, want: undefined },
    { name: 'no default class: nothing set', classes: [sc('slow', false)], pvc: { metadata: { name: 'a' }, spec: {} }, want: undefined },
    {
      name: 'several defaults: the newest wins', classes: [sc('a-old', true, '2026-01-01T00:00:00Z'), sc('z-new', true, '2026-02-01T00:00:00Z')],
      pvc: { metadata: { name: 'a' }, spec: {} }, want: 'z-new',
    },
    {
      name: 'several defaults of one age: by name', classes: [sc('b', true), sc('a', true)],
      pvc: { metadata: { name: 'a' }, spec: {} }, want: 'a',
    },
    { name: 'updates are left alone', classes: [sc('local-path', true)], pvc: { metadata: { name: 'a' }, spec: {} }, want: undefined, over: { operation: 'UPDATE' } },
    { name: 'other resources are left alone', classes: [sc('local-path', true)], pvc: { metadata: { name: 'a' }, spec: {} }, want: undefined, over: { resource: PODS } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = defaultStorageClass(() => c.classes);
      p.admit!(attrs(c.pvc, c.over));
      assert.equal(c.pvc.spec?.storageClassName, c.want);
    });
  }
});
