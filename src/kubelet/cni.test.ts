import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conflist, masqueradeChain, masqueradeRestore, validCIDR } from './cni.ts';

describe('CNI conflist', () => {
  it('bridge with host-local over the pod CIDR, then portmap', () => {
    const c = conflist({ podCIDR: '10.42.0.0/24', bridge: 'k8ts0', ipamDataDir: '/r/ipam' });
    assert.deepEqual(c.plugins.map((p: any) => p.type), ['bridge', 'portmap']);
    assert.deepEqual(c.plugins[0].ipam.ranges, [[{ subnet: '10.42.0.0/24' }]]);
    assert.equal(c.plugins[0].ipam.dataDir, '/r/ipam');
    assert.equal(c.plugins[0].isGateway, true);
    assert.deepEqual(c.plugins[1].capabilities, { portMappings: true });
    // The node's masquerade chain does what ipMasq did per pod.
    assert.equal(c.plugins[0].ipMasq, false);
  });
  it('masquerades what the pods send beyond their podCIDR, multicast aside, in one chain per bridge', () => {
    assert.equal(masqueradeRestore('10.42.0.0/24', 'k8ts0'), [
      '*nat', ':K8TS-MASQ-k8ts0 - [0:0]', '-A K8TS-MASQ-k8ts0 -d 10.42.0.0/24 -j ACCEPT', '-A K8TS-MASQ-k8ts0 -d 224.0.0.0/4 -j RETURN',
      '-A K8TS-MASQ-k8ts0 -j MASQUERADE', 'COMMIT', ''].join('\n'));
    // iptables limits chain names to 28 characters; bridge names have at most 15.
    assert.ok(masqueradeChain('a'.repeat(15)).length <= 28);
  });
  const cidrs: [string, boolean][] = [['10.42.0.0/24', true], ['10.42.0.0/16', true], ['10.42.0.0', false], ['300.1.1.1/24', false], ['10.0.0.0/31', false], ['fd00::/64', false]];
  for (const [cidr, ok] of cidrs) it(`${cidr} is ${ok ? '' : 'not '}accepted`, () => assert.equal(validCIDR(cidr), ok));
  it('rejects a bridge name longer than 15 characters', () => {
    assert.throws(() => conflist({ podCIDR: '10.42.0.0/24', bridge: 'a-very-long-bridge', ipamDataDir: '/r' }), /1 to 15 characters/);
  });
});
