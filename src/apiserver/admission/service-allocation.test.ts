import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serviceAllocation } from './service-allocation.ts';
import type { AdmissionAttributes } from './index.ts';

const SERVICES = { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true } as any;

function attrs(svc: any, oldObject?: any): AdmissionAttributes {
  return {
    operation: oldObject ? 'UPDATE' : 'CREATE', resource: SERVICES, subresource: '', namespace: 'default', name: svc.metadata.name,
    object: svc, oldObject, user: { username: 'u', groups: [] } as any, dryRun: false,
  };
}

const svc = (name: string, spec: any = {}) => ({ metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }], ...spec } });

function causes(fn: () => void): string[] {
  try {
    fn();
  } catch (e: any) {
    return e.status.details.causes.map((c: any) => `${c.field}: ${c.message}`);
  }
  return [];
}

describe('serviceAllocation', () => {
  it('gives each ClusterIP Service a free address of the range, never the first one, and each NodePort a free port', () => {
    const stored: any[] = [];
    const plugin = serviceAllocation({ serviceCIDR: '10.43.0.0/29', nodePortRange: [30000, 30004], existing: () => stored });
    const ips = new Set<string>();
    const ports = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const s = svc(`s${i}`, { type: 'NodePort' });
      plugin.admit!(attrs(s));
      assert.match(s.spec.clusterIP, /^10\.43\.0\.[2-6]$/);
      assert.deepEqual(s.spec.clusterIPs, [s.spec.clusterIP]);
      ips.add(s.spec.clusterIP);
      ports.add(s.spec.ports[0].nodePort);
      stored.push(s);
    }
    assert.equal(ips.size, 5);
    assert.deepEqual([...ports].sort(), [30000, 30001, 30002, 30003, 30004]);
    assert.deepEqual(causes(() => plugin.admit!(attrs(svc('full')))), ['spec.clusterIPs: Internal error: failed to allocate a serviceIP: range is full']);
  });

  it('refuses a requested address or port that is taken or out of range, with upstream\'s messages', () => {
    const stored = new Map<string, any>([['a', svc('a', { clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })]]);
    const plugin = serviceAllocation({ serviceCIDR: '10.43.0.0/16', nodePortRange: [30000, 32767], existing: () => stored.values() });
    assert.deepEqual(causes(() => plugin.admit!(attrs(svc('b', { clusterIP: '10.43.0.10' })))),
      ['spec.clusterIPs: Invalid value: ["10.43.0.10"]: failed to allocate IP 10.43.0.10: provided IP is already allocated']);
    assert.deepEqual(causes(() => plugin.admit!(attrs(svc('c', { clusterIP: '10.44.0.1' })))),
      ['spec.clusterIPs: Invalid value: ["10.44.0.1"]: failed to allocate IP 10.44.0.1: the provided IP (10.44.0.1) is not in the valid range. The range of valid IPs is 10.43.0.0/16']);
    assert.deepEqual(causes(() => plugin.admit!(attrs(svc('d', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })))),
      ['spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated']);
    // The Service itself keeps what it has on update.
    const a = structuredClone(stored.get('a'));
    plugin.admit!(attrs(a, stored.get('a')));
    assert.equal(a.spec.clusterIP, '10.43.0.10');
    assert.equal(a.spec.ports[0].nodePort, 30080);
  });
});
