// The pod's /etc/hosts, hostname and host network on a real node (k8ts
// server with its own containerd), checked with the real kubectl: a pod
// with hostAliases and a subdomain sees the kubelet-managed hosts file in its
// init, sidecar and app containers (a container that mounts its own
// /etc/hosts keeps it), `hostname` prints spec.hostname (the FQDN with
// setHostnameAsFQDN, and FailedCreatePodSandBox when that FQDN is too
// long for the kernel); a Default-policy pod's dnsConfig joins the node's
// resolver; a hostNetwork pod reports the node's InternalIP as
// its IP, sees the node's interfaces, hostname, hosts file and resolv.conf;
// and the API refuses a hostNetwork hostPort that differs from its
// containerPort. Run under the node lock.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { startCluster, destroyCluster, waitNodeReady } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until } from '../support/wait.ts';

const NODE = 'e2e-network';
const IMAGE = 'k8ts.local/busybox:1';
const LOOP = ['sh', '-c', 'while true; do sleep 1; done'];
const BOILERPLATE = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
const LONG = `fqdn-${'x'.repeat(36)}`;
const ALIASES = [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }, { ip: '10.1.2.3', hostnames: ['foo.remote'] }];
const ALIAS_LINES = '\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n';

function pod(name: string, spec: any): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, ...spec } });
}

describe('kubelet: /etc/hosts, hostname and hostNetwork', { timeout: 150_000 }, () => {
  let c: TestCluster | undefined;
  const k = (args: string[], input?: string) => c!.k(args, input === undefined ? {} : { input });
  const getPod = async (name: string) => JSON.parse(await k(['get', 'pod', name, '-o', 'json']));
  const running = (name: string) => until(`${name} to run`, 60_000, async () => {
    const p = await getPod(name);
    return p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((s: any) => s.state?.running);
  });

  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.198.0.0/16'] });
    await waitNodeReady(c!, NODE);
    await k(['create', 'configmap', 'own-hosts', '--from-literal=hosts=10.0.0.1 mine\n']);
    await Promise.all([
      k(['create', '-f', '-'], pod('hosts', {
        hostname: 'myhost', subdomain: 'mysub', hostAliases: ALIASES,
        volumes: [{ name: 'shared', emptyDir: {} }, { name: 'own', configMap: { name: 'own-hosts' } }],
        initContainers: [
          { name: 'init', image: IMAGE, command: ['sh', '-c', 'cat /etc/hosts > /shared/init-hosts'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
          { name: 'side', image: IMAGE, restartPolicy: 'Always', command: LOOP },
        ],
        containers: [
          { name: 'app', image: IMAGE, command: LOOP, volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
          { name: 'own', image: IMAGE, command: LOOP, volumeMounts: [{ name: 'own', mountPath: '/etc/hosts', subPath: 'hosts' }] },
        ],
      })),
      k(['create', '-f', '-'], pod('fqdn', { subdomain: 'mysub', setHostnameAsFQDN: true, containers: [{ name: 'app', image: IMAGE, command: LOOP }] })),
      k(['create', '-f', '-'], pod(LONG, { subdomain: 'mysub', setHostnameAsFQDN: true, containers: [{ name: 'app', image: IMAGE, command: LOOP }] })),
      k(['create', '-f', '-'], pod('dns', {
        dnsPolicy: 'Default', dnsConfig: { searches: ['mine.example'], options: [{ name: 'ndots', value: '3' }] },
        containers: [{ name: 'app', image: IMAGE, command: LOOP }],
      })),
      k(['create', '-f', '-'], pod('hostnet', {
        hostNetwork: true, hostAliases: [{ ip: '10.9.9.9', hostnames: ['extra.example'] }],
        containers: [{ name: 'app', image: IMAGE, command: LOOP, ports: [{ containerPort: 18081 }] }],
      })),
    ]);
  });

  after(async () => {
    if (c) {
      await c.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=30s', '--grace-period=1']);
      if (process.env.K8TS_TEST_LOG) process.stderr.write(c.logs());
      await destroyCluster(c);
    }
  });

  it('a pod with hostAliases and a subdomain: the managed hosts file in init, sidecar and app containers', async () => {
    await running('hosts');
    const ip = (await getPod('hosts')).status.podIP;
    assert.match(ip, /^10\.198\./);
    const want = `# Kubernetes-managed hosts file.\n${BOILERPLATE}${ip}\tmyhost.mysub.default.svc.cluster.local\tmyhost\n${ALIAS_LINES}`;
    assert.equal(await k(['exec', 'hosts', '-c', 'app', '--', 'cat', '/etc/hosts']), want);
    assert.equal(await k(['exec', 'hosts', '-c', 'side', '--', 'cat', '/etc/hosts']), want);
    assert.equal(await k(['exec', 'hosts', '-c', 'app', '--', 'cat', '/shared/init-hosts']), want);
    // A container that mounts its own /etc/hosts keeps it.
    assert.equal(await k(['exec', 'hosts', '-c', 'own', '--', 'cat', '/etc/hosts']), '10.0.0.1 mine\n');
    assert.equal(await k(['exec', 'hosts', '-c', 'app', '--', 'hostname']), 'myhost\n');
  });

  it('setHostnameAsFQDN: hostname prints the FQDN', async () => {
    await running('fqdn');
    assert.equal(await k(['exec', 'fqdn', '--', 'hostname']), 'fqdn.mysub.default.svc.cluster.local\n');
  });

  it('setHostnameAsFQDN with an FQDN over 64 characters: FailedCreatePodSandBox, the pod waits', async () => {
    const fqdn = `${LONG}.mysub.default.svc.cluster.local`;
    let events: any[] = [];
    await until('the FailedCreatePodSandBox event', 60_000, async () => {
      events = JSON.parse(await k(['get', 'events', '--field-selector', `involvedObject.name=${LONG}`, '-o', 'json'])).items;
      return events.some((e) => e.reason === 'FailedCreatePodSandBox');
    });
    const e = events.find((x) => x.reason === 'FailedCreatePodSandBox');
    assert.equal(e.type, 'Warning');
    assert.equal(e.message, `Failed to create pod sandbox: failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (64 characters is the max, ${fqdn.length} characters requested)`);
    const p = await getPod(LONG);
    assert.equal(p.status.phase, 'Pending');
    assert.equal(p.status.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');
  });

  it('a hostNetwork pod: the node IP, interfaces, hostname, hosts file and resolv.conf', async () => {
    await running('hostnet');
    await running('hosts'); // its sandbox put the k8ts0 bridge on the node
    const nodeIP = await k(['get', 'node', NODE, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}']);
    const [head, row] = (await k(['get', 'pod', 'hostnet', '-o', 'wide'])).trim().split('\n').map((l) => l.split(/\s+/));
    assert.equal(head[5], 'IP');
    assert.equal(row[5], nodeIP, row.join(' '));
    const p = await getPod('hostnet');
    assert.deepEqual(p.status.podIPs, [{ ip: nodeIP }]);
    assert.equal(p.spec.containers[0].ports[0].hostPort, 18081, 'hostPort defaults to containerPort');

    const devs = await k(['exec', 'hostnet', '--', 'cat', '/proc/net/dev']);
    const primary = Object.entries(networkInterfaces()).find(([, addrs]) => addrs?.some((a) => a.address === nodeIP))?.[0];
    assert.ok(primary, `no interface of this host has ${nodeIP}`);
    for (const dev of ['k8ts0', primary]) assert.match(devs, new RegExp(`^\\s*${dev}:`, 'm'), devs);
    assert.match(await k(['exec', 'hostnet', '--', 'ip', 'addr']), new RegExp(`inet ${nodeIP.replace(/\./g, '\\.')}/`));

    assert.equal(await k(['exec', 'hostnet', '--', 'hostname']), `${hostname()}\n`);
    assert.equal(await k(['exec', 'hostnet', '--', 'cat', '/etc/hosts']),
      `# Kubernetes-managed hosts file (host network).\n${readFileSync('/etc/hosts', 'utf8')}\n# Entries added by HostAliases.\n10.9.9.9\textra.example\n`);
    // ClusterFirst on the host network uses the node's resolver.
    assert.equal(await k(['exec', 'hostnet', '--', 'cat', '/etc/resolv.conf']), readFileSync('/etc/resolv.conf', 'utf8'));
  });

  it('dnsPolicy Default with a dnsConfig: the node resolver plus the pod\'s settings', async () => {
    await running('dns');
    const conf = await k(['exec', 'dns', '--', 'cat', '/etc/resolv.conf']);
    const node = readFileSync('/etc/resolv.conf', 'utf8');
    const servers = [...node.matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]);
    assert.ok(servers.length, node);
    for (const ip of servers) assert.match(conf, new RegExp(`^nameserver\\s+${ip.replace(/\./g, '\\.')}$`, 'm'), conf);
    assert.match(conf, /^search .*\bmine\.example$/m, conf);
    assert.match(conf, /^options .*\bndots:3\b/m, conf);
  });

  it('hostNetwork with a hostPort other than the containerPort is refused', async () => {
    const r = await c!.kubectl(['create', '-f', '-'], {
      input: pod('badports', { hostNetwork: true, containers: [{ name: 'app', image: IMAGE, ports: [{ containerPort: 9100, hostPort: 9101 }] }] }),
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Pod "badports" is invalid: spec\.containers\[0\]\.ports\[0\]\.hostPort: Invalid value: 9101: must match `containerPort` when `hostNetwork` is true/);
  });
});
