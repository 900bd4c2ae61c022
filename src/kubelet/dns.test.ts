import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResolvConf, podDNSConfig, podDNSType } from './dns.ts';
import { sandboxConfig } from './spec.ts';

function pod(spec: any = {}): any {
  return { metadata: { name: 'web', namespace: 'prod', uid: 'u-1' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } };
}

const dir = mkdtempSync(join(tmpdir(), 'k8ts-dns-'));
const resolvConf = join(dir, 'resolv.conf');
const RESOLV = '# node resolver\nnameserver 192.168.1.1\nnameserver 192.168.1.2 ; second\nsearch old.example\nsearch lan. corp.example .\noptions ndots:2 edns0\noptions timeout:3\n';
writeFileSync(resolvConf, RESOLV);
const o = { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local', resolvConf };

describe('DNS policy', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, any, string[] | undefined, string][] = [
    ['ClusterFirst on the pod network', {}, ['10.0.0.10'], 'Cluster'],
    ['ClusterFirst on the host network falls back to the node', { hostNetwork: true }, ['10.0.0.10'], 'Host'],
    ['ClusterFirstWithHostNet on the host network', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, ['10.0.0.10'], 'Cluster'],
    ['ClusterFirstWithHostNet on the pod network', { dnsPolicy: 'ClusterFirstWithHostNet' }, ['10.0.0.10'], 'Cluster'],
    ['Default', { dnsPolicy: 'Default' }, ['10.0.0.10'], 'Host'],
    ['None', { dnsPolicy: 'None', hostNetwork: true }, ['10.0.0.10'], 'None'],
    ['no cluster DNS configured', {}, undefined, 'Host'],
  ];
  for (const [what, spec, dns, want] of cases) it(what, () => assert.equal(podDNSType(pod(spec), dns), want));

  it('parses nameservers, the last search line and merged options', () => {
    assert.deepEqual(parseResolvConf(RESOLV), { servers: ['192.168.1.1', '192.168.1.2'], searches: ['lan', 'corp.example'], options: ['ndots:2', 'edns0', 'timeout:3'] });
  });

  it('the node resolver as it is: no DNSConfig, the runtime copies the file', () => {
    assert.equal(podDNSConfig(pod({ hostNetwork: true }), o), undefined);
    assert.equal(sandboxConfig(pod({ dnsPolicy: 'Default' }), 0, { logRoot: '/r', cgroupRoot: '/k', ...o }).dnsConfig, undefined);
  });

  it('cluster DNS: the cluster searches before the node\'s, ndots:5, then the pod\'s own settings merged', () => {
    const cfg = podDNSConfig(pod({
      hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet',
      dnsConfig: { nameservers: ['10.43.0.10', '1.1.1.1'], searches: ['lan', 'mine.example'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }] },
    }), o);
    assert.deepEqual(cfg, {
      servers: ['10.43.0.10', '1.1.1.1'],
      searches: ['prod.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lan', 'corp.example', 'mine.example'],
      options: ['ndots:1', 'single-request'],
    });
  });

  it('Default with a dnsConfig: the node resolver plus the pod\'s settings', () => {
    assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'Default', dnsConfig: { options: [{ name: 'timeout', value: '5' }] } }), o), {
      servers: ['192.168.1.1', '192.168.1.2'], searches: ['lan', 'corp.example'], options: ['ndots:2', 'edns0', 'timeout:5'],
    });
  });

  it('None: only the pod\'s settings', () => {
    assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'] } }), o), { servers: ['9.9.9.9'], searches: [], options: [] });
  });
});
