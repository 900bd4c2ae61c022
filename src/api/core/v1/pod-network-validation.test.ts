import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hooksFor } from '../../hooks.ts';
import type { FieldError } from './errors.ts';
import { isIP } from './pod-network-validation.ts';

const render = (e: FieldError) => `${e.field}: ${e.type}: ${JSON.stringify(e.badValue)}: ${e.detail}`;

/** Defaults then validation, through the registered hooks, as the apiserver runs them. */
function errorsOf(group: string, kind: string, obj: any): string[] {
  const hooks = hooksFor(group, 'v1', kind);
  const copy = structuredClone(obj);
  hooks.defaults?.(copy);
  return (hooks.validate?.(copy) ?? []).map(render);
}

const MISMATCH = 'must match `containerPort` when `hostNetwork` is true';
const pod = (spec: any) => ({ metadata: { name: 'p', namespace: 'default' }, spec });
const ports = (...p: any[]) => ({ name: 'c', image: 'busybox', ports: p });

describe('hostNetwork ports', () => {
  const cases: { name: string; spec: any; want: string[] }[] = [
    { name: 'hostPort defaults to containerPort', spec: { hostNetwork: true, containers: [ports({ containerPort: 80 })] }, want: [] },
    { name: 'equal ports', spec: { hostNetwork: true, containers: [ports({ containerPort: 80, hostPort: 80 })] }, want: [] },
    {
      name: 'a different hostPort',
      spec: { hostNetwork: true, containers: [ports({ containerPort: 80, hostPort: 80 }), ports({ containerPort: 80, hostPort: 80 }, { containerPort: 9100, hostPort: 9101 })] },
      want: [`spec.containers[1].ports[1].hostPort: FieldValueInvalid: 9101: ${MISMATCH}`],
    },
    { name: 'no rule off the host network', spec: { containers: [ports({ containerPort: 80, hostPort: 8080 })] }, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      // Both containers share the name "c" in one case: keep only the errors this rule makes.
      assert.deepEqual(errorsOf('', 'Pod', pod(c.spec)).filter((e) => e.includes('hostPort')), c.want);
    });
  }

  it('a pod template may leave hostPort unset, but not set it to another port', () => {
    const deploy = (p: any) => ({
      metadata: { name: 'd', namespace: 'default' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { hostNetwork: true, containers: [ports(p)] } } },
    });
    assert.deepEqual(errorsOf('apps', 'Deployment', deploy({ containerPort: 80 })), []);
    assert.deepEqual(errorsOf('apps', 'Deployment', deploy({ containerPort: 80, hostPort: 81 })),
      [`spec.template.spec.containers[0].ports[0].hostPort: FieldValueInvalid: 81: ${MISMATCH}`]);
  });
});

describe('hostAliases', () => {
  it('each IP must be an address and each name a DNS subdomain', () => {
    const errs = errorsOf('', 'Pod', pod({
      containers: [{ name: 'c', image: 'busybox' }],
      hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar'] }, { ip: '10.1.2', hostnames: ['ok', 'Bad_Name'] }, { ip: '::1' }],
    }));
    assert.equal(errs.length, 2);
    assert.equal(errs[0], 'spec.hostAliases[1].ip: FieldValueInvalid: "10.1.2": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
    assert.match(errs[1], /^spec\.hostAliases\[1\]\.hostnames\[1\]: FieldValueInvalid: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });

  const ips: [string, boolean][] = [
    ['10.9.8.7', true], ['010.009.008.007', true], ['256.1.1.1', false], ['1.2.3', false], ['', false],
    ['2001:db8::ffff', true], ['::', true], ['::ffff:1.2.3.4', true], ['1:2:3:4:5:6:7:8', true], ['1:2:3:4:5:6:7::8', false],
    ['1::2::3', false], ['fe80::1%eth0', false], ['1.2.3.4::', false], ['12345::', false], ['10.0.0.0/8', false],
  ];
  for (const [ip, ok] of ips) it(`isIP(${JSON.stringify(ip)}) = ${ok}`, () => assert.equal(isIP(ip), ok));
});
