import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { byLabelPair, bySelectorPair, selectedPods, servicesSelecting } from './podutil.ts';

/** A cache with the indexes the Endpoints controllers ask for, over plain objects. */
function cache(objs: any[], indexer: (o: any) => string[], name: string) {
  return {
    byIndex(index: string, value: string) {
      assert.equal(index, name);
      return objs.filter((o) => indexer(o).includes(value));
    },
  };
}

const pod = (ns: string, name: string, labels: Record<string, string>) => ({ metadata: { namespace: ns, name, labels } });
const svc = (ns: string, name: string, selector?: Record<string, string>) => ({ metadata: { namespace: ns, name }, spec: { selector } });

describe('selectedPods', () => {
  const pods = [
    pod('a', 'web-1', { app: 'web', tier: 'front' }), pod('a', 'web-2', { app: 'web' }), pod('a', 'db-1', { app: 'db', tier: 'front' }),
    pod('b', 'web-3', { app: 'web', tier: 'front' }),
  ];
  const idx = cache(pods, byLabelPair, 'label');
  const cases: [string, any, string[]][] = [
    ['one label', svc('a', 's', { app: 'web' }), ['web-1', 'web-2']],
    ['every label must match', svc('a', 's', { app: 'web', tier: 'front' }), ['web-1']],
    ['a later label narrows too', svc('a', 's', { tier: 'front', app: 'db' }), ['db-1']],
    ['only its namespace', svc('b', 's', { app: 'web' }), ['web-3']],
    ['no selector selects nothing', svc('a', 's'), []],
    ['an empty selector selects nothing', svc('a', 's', {}), []],
  ];
  for (const [name, service, want] of cases) {
    it(name, () => {
      assert.deepEqual(selectedPods(idx, service).map((p) => p.metadata.name), want);
      // The same as filtering the namespace's pods by the selector.
      const sel = service.spec.selector ?? {};
      const scan = Object.keys(sel).length === 0 ? [] : pods.filter((p) => p.metadata.namespace === service.metadata.namespace
        && Object.entries(sel).every(([k, v]) => (p.metadata.labels as any)[k] === v));
      assert.deepEqual(selectedPods(idx, service), scan);
    });
  }
});

describe('servicesSelecting', () => {
  const services = [svc('a', 'web', { app: 'web' }), svc('a', 'front', { tier: 'front' }), svc('a', 'both', { app: 'web', tier: 'front' }),
    svc('a', 'none'), svc('b', 'web', { app: 'web' })];
  const idx = cache(services, bySelectorPair, 'selector');
  const cases: [string, any, any, string[]][] = [
    ['every Service whose selector the labels satisfy', pod('a', 'p', { app: 'web', tier: 'front' }), undefined, ['a/web', 'a/front', 'a/both']],
    ['not those wanting a label the pod lacks', pod('a', 'p', { app: 'web' }), undefined, ['a/web']],
    ['the old labels count too', pod('a', 'p', { app: 'db' }), pod('a', 'p', { tier: 'front' }), ['a/front']],
    ['only the pod namespace', pod('b', 'p', { app: 'web', tier: 'front' }), undefined, ['b/web']],
    ['none for an unlabelled pod', pod('a', 'p', {}), undefined, []],
  ];
  for (const [name, p, old, want] of cases) {
    it(name, () => assert.deepEqual(servicesSelecting(idx, p, old).sort(), want.sort()));
  }
});
