import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeObject } from './node.ts';
import type { NodeSpecInput } from './node.ts';

const host = {
  cpu: '2', memory: '1024Ki', ephemeralStorage: '1Ki', internalIP: '10.0.0.2', hostname: 'h', kernelVersion: 'k',
  osImage: 'o', machineID: 'm', bootID: 'b', architecture: 'amd64',
};

describe('nodeObject', () => {
  const base: NodeSpecInput = { name: 'w1', podCIDR: '10.42.1.0/24', maxPods: 110, labels: { role: 'worker' }, host, runtimeVersion: 'containerd://1' };
  it('registers with the --node-taints taints and the labels', () => {
    const n = nodeObject({ ...base, taints: [{ key: 'dedicated', value: 'agents', effect: 'NoSchedule' }] }, new Date(0), { runtimeReady: true });
    assert.deepEqual(n.spec, { podCIDR: '10.42.1.0/24', podCIDRs: ['10.42.1.0/24'], taints: [{ key: 'dedicated', value: 'agents', effect: 'NoSchedule' }] });
    assert.equal(n.metadata.labels.role, 'worker');
  });
  it('has no taints field without taints', () => {
    assert.equal('taints' in nodeObject(base, new Date(0), { runtimeReady: true }).spec, false);
    assert.equal('taints' in nodeObject({ ...base, taints: [] }, new Date(0), { runtimeReady: true }).spec, false);
  });
});
