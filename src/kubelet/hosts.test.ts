import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  aliasEntries, ensureHostsFile, hostsMounts, kernelHostname, managedHostsContent, nodeHostsContent, podHostnameAndDomain, truncateHostname,
} from './hosts.ts';
import { sandboxConfig } from './spec.ts';

const BOILERPLATE = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
const long = 'a'.repeat(60);

function pod(spec: any = {}, name = 'web'): any {
  return { metadata: { name, namespace: 'prod', uid: 'u-1' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } };
}

describe('hostname', () => {
  const cases: [string, string, string][] = [
    ['short names stay', 'web', 'web'],
    ['63 characters stay', 'x'.repeat(63), 'x'.repeat(63)],
    ['longer names are cut to 63', 'y'.repeat(70), 'y'.repeat(63)],
    ['a cut ending in - or . loses them', `${long}ab-.-cdef`, `${long}ab`],
  ];
  for (const [what, input, want] of cases) it(what, () => assert.equal(truncateHostname('p', input), want));

  it('spec.hostname wins over the pod name; subdomain gives the domain', () => {
    assert.deepEqual(podHostnameAndDomain(pod(), 'cluster.local'), { hostname: 'web', domain: '' });
    assert.deepEqual(podHostnameAndDomain(pod({ hostname: 'h', subdomain: 'sub' }), 'k8s.test'), { hostname: 'h', domain: 'sub.prod.svc.k8s.test' });
  });

  it('setHostnameAsFQDN: the FQDN only with a domain, and never over 64 characters', () => {
    assert.equal(kernelHostname('h', 'sub.prod.svc.cluster.local', true), 'h.sub.prod.svc.cluster.local');
    assert.equal(kernelHostname('h', 'sub.prod.svc.cluster.local', false), 'h');
    assert.equal(kernelHostname('h', '', true), 'h');
    assert.throws(() => kernelHostname(long, 'sub.prod.svc.cluster.local', true), {
      message: `failed to construct FQDN from pod hostname and cluster domain, FQDN ${long}.sub.prod.svc.cluster.local is too long (64 characters is the max, 87 characters requested)`,
    });
  });

  it('the sandbox gets the kernel hostname, and none on the host network', () => {
    const o = { logRoot: '/r', cgroupRoot: '/k', clusterDomain: 'cluster.local' };
    assert.equal(sandboxConfig(pod({ subdomain: 's' }), 0, o).hostname, 'web');
    assert.equal(sandboxConfig(pod({ subdomain: 's', setHostnameAsFQDN: true }), 0, o).hostname, 'web.s.prod.svc.cluster.local');
    assert.equal(sandboxConfig(pod({}, 'z'.repeat(70)), 0, o).hostname, 'z'.repeat(63));
    assert.equal(sandboxConfig(pod({ hostNetwork: true, hostname: 'h' }), 0, o).hostname, '');
  });
});

describe('hosts file content', () => {
  it('pod network: header, boilerplate, the pod IPs with its name', () => {
    assert.equal(managedHostsContent(['10.1.0.5'], 'web', ''), `# Kubernetes-managed hosts file.\n${BOILERPLATE}10.1.0.5\tweb\n`);
  });

  it('with a domain each IP carries the FQDN first; aliases follow under their comment', () => {
    const aliases = [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }, { ip: '10.1.2.3', hostnames: ['foo.remote'] }];
    assert.equal(managedHostsContent(['10.1.0.5', 'fd00::5'], 'h', 'sub.prod.svc.cluster.local', aliases),
      `# Kubernetes-managed hosts file.\n${BOILERPLATE}10.1.0.5\th.sub.prod.svc.cluster.local\th\nfd00::5\th.sub.prod.svc.cluster.local\th\n`
      + '\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n');
  });

  it('host network: the node file under its own header, then the aliases', () => {
    assert.equal(nodeHostsContent('127.0.0.1 localhost\n', [{ ip: '1.2.3.4', hostnames: ['a'] }]),
      '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n\n# Entries added by HostAliases.\n1.2.3.4\ta\n');
    assert.equal(aliasEntries([]), '');
  });
});

describe('hosts file and mount', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-hosts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const nodeHosts = join(dir, 'node-hosts');
  writeFileSync(nodeHosts, '192.168.1.1 node1\n');

  it('writes <podDir>/etc-hosts with mode 0644 and mounts it read-write at /etc/hosts', async () => {
    const podDir = join(dir, 'pods', 'u-1');
    const p = pod({ hostAliases: [{ ip: '10.9.9.9', hostnames: ['x'] }] });
    const mounts = await hostsMounts({ pod: p, container: p.spec.containers[0], ips: ['10.1.0.7'], podDir, clusterDomain: 'cluster.local' });
    assert.deepEqual(mounts, [{ containerPath: '/etc/hosts', hostPath: join(podDir, 'etc-hosts'), readonly: false }]);
    assert.equal(statSync(mounts[0].hostPath).mode & 0o777, 0o644);
    assert.match(readFileSync(mounts[0].hostPath, 'utf8'), /\n10\.1\.0\.7\tweb\n\n# Entries added by HostAliases\.\n10\.9\.9\.9\tx\n$/);
  });

  it('a hostNetwork pod gets the node file, even before it has an IP', async () => {
    const podDir = join(dir, 'pods', 'u-2');
    const path = await ensureHostsFile({ pod: pod({ hostNetwork: true }), ips: [], podDir, clusterDomain: 'cluster.local', nodeHostsFile: nodeHosts });
    assert.equal(readFileSync(path, 'utf8'), '# Kubernetes-managed hosts file (host network).\n192.168.1.1 node1\n');
    const p = pod({ hostNetwork: true });
    assert.equal((await hostsMounts({ pod: p, container: p.spec.containers[0], ips: [], podDir, clusterDomain: 'c', nodeHostsFile: nodeHosts })).length, 1);
  });

  it('no mount without a pod IP, nor over a container\'s own /etc/hosts', async () => {
    const podDir = join(dir, 'pods', 'u-3');
    const p = pod();
    assert.deepEqual(await hostsMounts({ pod: p, container: p.spec.containers[0], ips: [], podDir, clusterDomain: 'c' }), []);
    const own = { name: 'c', volumeMounts: [{ name: 'v', mountPath: '/etc/hosts' }] };
    assert.deepEqual(await hostsMounts({ pod: p, container: own, ips: ['10.1.0.8'], podDir, clusterDomain: 'c' }), []);
  });
});
