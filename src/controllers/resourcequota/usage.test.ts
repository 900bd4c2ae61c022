import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatQuantity } from '../../machinery/quantity.ts';
import { mask, matchesScopes, podConstraintError, resourceOfName, sumUsage, usageOf } from './usage.ts';
import type { Usage } from './usage.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const show = (u: Usage | undefined) => u && Object.fromEntries(Object.entries(u).map(([k, v]) => [k, formatQuantity(v)]));
const pod = (containers: any[], extra: any = {}) => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers, ...extra.spec }, status: extra.status ?? {} });
const c = (name: string, requests?: any, limits?: any) => ({ name, resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

describe('usageOf', () => {
  const cases: { name: string; group: string; resource: string; obj: any; want: Record<string, string> | undefined }[] = [
    { name: 'best-effort pod counts only itself', group: '', resource: 'pods', obj: pod([c('a')]), want: { 'count/pods': '1', pods: '1' } },
    {
      name: 'containers sum, init containers take the max, limits stand in for requests',
      group: '', resource: 'pods',
      obj: pod([c('a', { cpu: '250m', memory: '64Mi' }), c('b', undefined, { cpu: '500m' })], { spec: { initContainers: [c('i', { cpu: '2' })] } }),
      want: { 'count/pods': '1', pods: '1', 'requests.cpu': '2', cpu: '2', 'requests.memory': '64Mi', memory: '64Mi', 'limits.cpu': '500m' },
    },
    { name: 'succeeded pod charges nothing', group: '', resource: 'pods', obj: pod([c('a')], { status: { phase: 'Succeeded' } }), want: undefined },
    { name: 'NodePort service counts its ports', group: '', resource: 'services', obj: { spec: { type: 'NodePort', ports: [{ port: 1 }, { port: 2 }] } }, want: { 'count/services': '1', services: '1', 'services.nodeports': '2' } },
    { name: 'LoadBalancer service', group: '', resource: 'services', obj: { spec: { type: 'LoadBalancer', ports: [{ port: 1 }] } }, want: { 'count/services': '1', services: '1', 'services.loadbalancers': '1', 'services.nodeports': '1' } },
    { name: 'grouped kinds count as count/<resource>.<group>', group: 'apps', resource: 'deployments', obj: {}, want: { 'count/deployments.apps': '1' } },
    { name: 'claims charge their storage', group: '', resource: 'persistentvolumeclaims', obj: { spec: { resources: { requests: { storage: '1Gi' } } } }, want: { 'count/persistentvolumeclaims': '1', persistentvolumeclaims: '1', 'requests.storage': '1Gi' } },
  ];
  for (const tc of cases) it(tc.name, () => assert.deepEqual(show(usageOf(tc.group, tc.resource, tc.obj, NOW)), tc.want));
});

describe('resourceOfName', () => {
  for (const [name, want] of [
    ['pods', { group: '', resource: 'pods' }], ['requests.cpu', { group: '', resource: 'pods' }], ['services.nodeports', { group: '', resource: 'services' }],
    ['count/deployments.apps', { group: 'apps', resource: 'deployments' }], ['count/configmaps', { group: '', resource: 'configmaps' }], ['bogus', undefined],
  ] as const) it(name, () => assert.deepEqual(resourceOfName(name), want));
});

describe('scopes', () => {
  const be = pod([c('a')]);
  const burst = pod([c('a', { cpu: '1' })], { spec: { activeDeadlineSeconds: 10 } });
  const cases: [string[], any, boolean][] = [
    [[], be, true], [['BestEffort'], be, true], [['BestEffort'], burst, false], [['NotBestEffort'], burst, true],
    [['Terminating'], burst, true], [['Terminating'], be, false], [['NotTerminating'], be, true], [['NotTerminating', 'NotBestEffort'], burst, false],
  ];
  for (const [scopes, obj, want] of cases) it(`${scopes.join('+') || 'none'} → ${want}`, () => assert.equal(matchesScopes({ spec: { scopes } }, '', 'pods', obj), want));
  it('scoped quotas never match other kinds', () => assert.equal(matchesScopes({ spec: { scopes: ['NotTerminating'] } }, '', 'services', {}), false));
  it('a BestEffort quota tracks only pods', () => {
    const u = usageOf('', 'pods', be, NOW)!;
    assert.deepEqual(Object.keys(mask({ spec: { scopes: ['BestEffort'], hard: { pods: '1', 'requests.cpu': '1' } } }, u)), ['pods']);
  });
});

describe('podConstraintError', () => {
  const quota = (hard: any) => ({ spec: { hard } });
  it('asks for the missing request, naming the containers (upstream wording)', () => {
    assert.equal(podConstraintError(quota({ 'requests.cpu': '1', pods: '5' }), pod([c('web'), c('side', { cpu: '1' })])), 'must specify requests.cpu for: web');
  });
  it('lists resources sorted and joined by "; "', () => {
    assert.equal(podConstraintError(quota({ 'limits.memory': '1Gi', cpu: '1' }), pod([c('b'), c('a')])), 'must specify cpu for: a,b; limits.memory for: a,b');
  });
  it('passes when every container states it', () => assert.equal(podConstraintError(quota({ memory: '1Gi' }), pod([c('a', { memory: '1Mi' })])), undefined));
  it('ignores quotas without compute resources', () => assert.equal(podConstraintError(quota({ pods: '1' }), pod([c('a')])), undefined));
});

describe('sumUsage', () => {
  it('sums masked usage and lists every hard name', () => {
    const q = { spec: { hard: { pods: '2', 'requests.cpu': '1', services: '3' } } };
    const u = [pod([c('a', { cpu: '250m' })]), pod([c('b', { cpu: '500m' })]), pod([c('x')], { status: { phase: 'Failed' } })].map((p) => usageOf('', 'pods', p, NOW)).filter((x) => !!x);
    assert.deepEqual(sumUsage(q, u as Usage[]), { pods: '2', 'requests.cpu': '750m', services: '0' });
  });
});
