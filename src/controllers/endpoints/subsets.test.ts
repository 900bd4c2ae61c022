import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeSubsets, repackSubsets, truncateSubsets, countAddresses } from './subsets.ts';
import type { EndpointSubset } from './subsets.ts';
import { findPort, shouldPodBeInEndpoints, rfc3339Nano } from './podutil.ts';
import { TriggerTimeTracker } from './trigger-time.ts';

const cond = (status: string, t = '2024-05-01T10:00:00Z') => [{ type: 'Ready', status, lastTransitionTime: t }];

function pod(name: string, ip: string, opts: { ready?: boolean; labels?: Record<string, string>; ports?: any[]; deleting?: boolean; phase?: string; restartPolicy?: string; node?: string; hostname?: string; subdomain?: string } = {}): any {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: opts.labels ?? { app: 'a' }, ...(opts.deleting ? { deletionTimestamp: '2024-05-01T10:00:00Z' } : {}) },
    spec: {
      nodeName: opts.node ?? 'n1', restartPolicy: opts.restartPolicy ?? 'Always', hostname: opts.hostname, subdomain: opts.subdomain,
      containers: [{ name: 'c', ports: opts.ports ?? [{ name: 'http', containerPort: 8080 }] }],
    },
    status: { phase: opts.phase ?? 'Running', podIP: ip, podIPs: ip ? [{ ip }] : [], conditions: cond(opts.ready === false ? 'False' : 'True') },
  };
}

function svc(spec: any = {}): any {
  return { metadata: { name: 's', namespace: 'ns', creationTimestamp: '2024-05-01T09:00:00Z' }, spec: { selector: { app: 'a' }, ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }], ...spec } };
}

const ref = (name: string) => ({ kind: 'Pod', namespace: 'ns', name, uid: `uid-${name}` });

describe('findPort', () => {
  const p = pod('p', '10.0.0.1', { ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] });
  p.spec.initContainers = [{ name: 'side', restartPolicy: 'Always', ports: [{ name: 'metrics', containerPort: 9100 }] }, { name: 'init', ports: [{ name: 'once', containerPort: 1 }] }];
  const cases: [string, any, number | undefined][] = [
    ['numeric targetPort', { port: 80, targetPort: 9376 }, 9376],
    ['no targetPort uses port', { port: 80 }, 80],
    ['named port', { port: 80, targetPort: 'http' }, 8080],
    ['named port, protocol must match', { port: 53, targetPort: 'dns', protocol: 'TCP' }, undefined],
    ['named UDP port', { port: 53, targetPort: 'dns', protocol: 'UDP' }, 53],
    ['sidecar init container port', { port: 9100, targetPort: 'metrics' }, 9100],
    ['plain init container port is not offered', { port: 1, targetPort: 'once' }, undefined],
    ['unknown name', { port: 80, targetPort: 'nope' }, undefined],
  ];
  for (const [name, sp, want] of cases) it(name, () => assert.equal(findPort(p, sp), want));
});

describe('shouldPodBeInEndpoints', () => {
  const cases: [string, any, boolean, boolean][] = [
    ['running with IP', pod('p', '10.0.0.1'), false, true],
    ['no IP yet', pod('p', ''), false, false],
    ['terminating', pod('p', '10.0.0.1', { deleting: true }), false, false],
    ['terminating, included', pod('p', '10.0.0.1', { deleting: true }), true, true],
    ['Never + Succeeded', pod('p', '10.0.0.1', { restartPolicy: 'Never', phase: 'Succeeded' }), false, false],
    ['OnFailure + Failed (will restart)', pod('p', '10.0.0.1', { restartPolicy: 'OnFailure', phase: 'Failed' }), false, true],
    ['Always + Failed', pod('p', '10.0.0.1', { phase: 'Failed' }), false, true],
  ];
  for (const [name, p, incl, want] of cases) it(name, () => assert.equal(shouldPodBeInEndpoints(p, incl), want));
});

describe('computeSubsets', () => {
  const cases: [string, any, any[], EndpointSubset[]][] = [
    ['no selector: nothing', svc({ selector: undefined }), [pod('a', '10.0.0.1')], []],
    ['ready and not-ready pods share a subset, sorted by IP', svc(), [pod('b', '10.0.0.10'), pod('a', '10.0.0.9'), pod('c', '10.0.0.2', { ready: false })], [{
      addresses: [{ ip: '10.0.0.9', nodeName: 'n1', targetRef: ref('a') }, { ip: '10.0.0.10', nodeName: 'n1', targetRef: ref('b') }],
      notReadyAddresses: [{ ip: '10.0.0.2', nodeName: 'n1', targetRef: ref('c') }],
      ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
    }]],
    ['publishNotReadyAddresses puts every pod in addresses, even terminating ones', svc({ publishNotReadyAddresses: true }),
      [pod('a', '10.0.0.1', { ready: false }), pod('b', '10.0.0.2', { deleting: true })], [{
        addresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: ref('a') }, { ip: '10.0.0.2', nodeName: 'n1', targetRef: ref('b') }],
        ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
      }]],
    ['terminating and unlabelled pods are left out', svc(), [pod('a', '10.0.0.1', { deleting: true }), pod('b', '10.0.0.2', { labels: { app: 'other' } })], []],
    ['pods with different port numbers get separate subsets', svc(), [pod('a', '10.0.0.1'), pod('b', '10.0.0.2', { ports: [{ name: 'http', containerPort: 9090 }] })], [
      { addresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: ref('a') }], ports: [{ name: 'web', port: 8080, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.2', nodeName: 'n1', targetRef: ref('b') }], ports: [{ name: 'web', port: 9090, protocol: 'TCP' }] },
    ]],
    // Upstream groups per port: 7000 is offered by both pods, 8080 by one.
    ['a pod without the named port is skipped for that port only', svc({ ports: [{ name: 'web', port: 80, targetPort: 'http' }, { name: 'raw', port: 81, targetPort: 7000 }] }),
      [pod('a', '10.0.0.1'), pod('b', '10.0.0.2', { ports: [] })], [
        { addresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: ref('a') }, { ip: '10.0.0.2', nodeName: 'n1', targetRef: ref('b') }], ports: [{ name: 'raw', port: 7000, protocol: 'TCP' }] },
        { addresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: ref('a') }], ports: [{ name: 'web', port: 8080, protocol: 'TCP' }] },
      ]],
    ['headless without ports: addresses without ports; hostname for its subdomain', svc({ clusterIP: 'None', ports: [] }),
      [pod('a', '10.0.0.1', { hostname: 'web-0', subdomain: 's' }), pod('b', '10.0.0.2', { hostname: 'x', subdomain: 'other' })], [{
        addresses: [{ ip: '10.0.0.1', hostname: 'web-0', nodeName: 'n1', targetRef: ref('a') }, { ip: '10.0.0.2', nodeName: 'n1', targetRef: ref('b') }],
      }]],
  ];
  for (const [name, s, pods, want] of cases) {
    it(name, () => assert.deepEqual(computeSubsets(s, pods), want));
  }
});

describe('repackSubsets', () => {
  const a = { ip: '10.0.0.1', targetRef: ref('a') };
  const b = { ip: '10.0.0.2', targetRef: ref('b') };
  const p80 = { name: 'x', port: 80, protocol: 'TCP' };
  const p81 = { name: 'y', port: 81, protocol: 'TCP' };
  it('merges addresses offering the same ports and ports offered by the same addresses', () => {
    assert.deepEqual(repackSubsets([{ addresses: [b], ports: [p80] }, { addresses: [a], ports: [p80] }, { addresses: [a], ports: [p81] }, { addresses: [b], ports: [p81] }]),
      [{ addresses: [a, b], ports: [p80, p81] }]);
  });
  it('an address ready through any subset stays ready for that port', () => {
    assert.deepEqual(repackSubsets([{ notReadyAddresses: [a], ports: [p80] }, { addresses: [a], ports: [p80] }]), [{ addresses: [a], ports: [p80] }]);
  });
  it('is stable whatever the input order', () => {
    const input = [{ addresses: [a], ports: [p80] }, { addresses: [b], ports: [p81] }];
    assert.deepEqual(repackSubsets(input), repackSubsets([...input].reverse()));
  });
});

describe('truncateSubsets', () => {
  it('keeps at most the capacity, ready addresses first', () => {
    const addrs = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.0.${base}.${i}` }));
    const s: EndpointSubset[] = [{ addresses: addrs(6, 1), notReadyAddresses: addrs(2, 2), ports: [] }, { addresses: addrs(2, 3) }];
    const t = truncateSubsets(s, 5);
    assert.equal(countAddresses(t), 5);
    assert.equal(t[0].notReadyAddresses, undefined);
    assert.equal(truncateSubsets(s, 100), s);
  });
});

describe('trigger time', () => {
  it('exports the Service creation first, then the earliest changed pod transition, then nothing', () => {
    const tr = new TriggerTimeTracker();
    const s = svc();
    const p1 = pod('a', '10.0.0.1');
    assert.equal(tr.compute(s, [p1])?.toISOString(), '2024-05-01T09:00:00.000Z');
    tr.synced('ns', 's');
    assert.equal(tr.compute(s, [p1]), undefined);
    const p2 = { ...pod('b', '10.0.0.2'), status: { ...p1.status, conditions: cond('True', '2024-05-01T10:05:00Z') } };
    const p1b = { ...p1, status: { ...p1.status, conditions: cond('False', '2024-05-01T10:07:00Z') } };
    assert.equal(tr.compute(s, [p1b, p2])?.toISOString(), '2024-05-01T10:05:00.000Z');
  });
  it('keeps a trigger whose write failed for the retry', () => {
    const tr = new TriggerTimeTracker();
    const s = svc();
    assert.ok(tr.compute(s, []));
    assert.ok(tr.compute(s, []), 'not synced: exported again');
    tr.synced('ns', 's');
    assert.equal(tr.compute(s, []), undefined);
  });
  it('prints RFC 3339 with trimmed nanoseconds', () => {
    assert.equal(rfc3339Nano(new Date('2024-05-01T10:00:00.000Z')), '2024-05-01T10:00:00Z');
    assert.equal(rfc3339Nano(new Date('2024-05-01T10:00:00.120Z')), '2024-05-01T10:00:00.12Z');
  });
});
