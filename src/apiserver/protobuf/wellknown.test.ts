import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, SPECIALS } from './wellknown.ts';

const S = 1_000_000_000n;

test('goDuration formats like Go time.Duration.String', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'], [1n, '1ns'], [1_500n, '1.5µs'], [500_000_000n, '500ms'], [30n * S, '30s'], [1_500_000_000n, '1.5s'],
    [90n * S, '1m30s'], [120n * S, '2m0s'], [3600n * S, '1h0m0s'], [3723n * S + 1n, '1h2m3.000000001s'], [-90n * S, '-1m30s'],
  ];
  for (const [ns, want] of cases) assert.equal(goDuration(ns), want, String(ns));
});

function special(name: string, bytes: number[]): unknown {
  return SPECIALS.get(name)!(Uint8Array.from(bytes), () => assert.fail('no nested object expected'));
}

test('well-known messages decode to their JSON forms', () => {
  const META = 'apimachinery.pkg.apis.meta.v1.';
  const cases: [string, number[], unknown][] = [
    [`${META}Time`, [], null],
    // seconds=0 on the wire is the Unix epoch, not the zero time.
    [`${META}Time`, [0x08, 0x00], '1970-01-01T00:00:00Z'],
    [`${META}MicroTime`, [], null],
    [`${META}Duration`, [0x08, 0x80, 0x80, 0xc5, 0x8b, 0xc6, 0xd1, 0x01], '2h0m0s'],
    [`${META}Duration`, [], '0s'],
    ['apimachinery.pkg.api.resource.Quantity', [0x0a, 0x04, 0x31, 0x35, 0x30, 0x6d], '150m'],
    ['apimachinery.pkg.util.intstr.IntOrString', [], 0],
    ['apimachinery.pkg.util.intstr.IntOrString', [0x08, 0x01], ''],
    ['apimachinery.pkg.runtime.RawExtension', [], null],
    ['apimachinery.pkg.runtime.RawExtension', [0x0a, 0x02, 0x5b, 0x5d], []],
  ];
  for (const [name, bytes, want] of cases) assert.deepStrictEqual(special(name, bytes), want, `${name} ${bytes.join(',')}`);
});
