import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseQuantity, formatQuantity, canonicalQuantity, addQuantity, subQuantity, mulQuantity, cmpQuantity,
  milliValue, unitValue, QuantityError, QUANTITY_FORMAT_ERROR,
} from './quantity.ts';

describe('resource.Quantity', () => {
  it('prints the canonical form upstream prints', () => {
    const cases: [string | number, string][] = [
      ['100m', '100m'], ['1000m', '1'], ['1500m', '1500m'], ['0.5', '500m'], ['.5', '500m'], ['1', '1'],
      ['1e3', '1e3'], ['1E3', '1e3'], ['1.5e3', '1500'], ['12e6', '12e6'], ['1e-3', '1e-3'],
      ['1.5G', '1500M'], ['1000000', '1M'], ['1k', '1k'], ['2000k', '2M'], ['0.1n', '1n'], ['1u', '1u'],
      ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1536Ki', '1536Ki'], ['1.5Ki', '1536'], ['0.5Gi', '512Mi'],
      ['1023', '1023'], ['512Ki', '512Ki'], ['0.5Ki', '512'], ['0', '0'], ['0Gi', '0'], ['-100m', '-100m'],
      ['-1Gi', '-1Gi'], ['+3', '3'], [2, '2'], [0.25, '250m'], ['1000E', '1000E'], ['5000E', '5000E'],
    ];
    for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, `canonical(${input})`);
  });

  it('keeps the format a quantity was written in', () => {
    assert.equal(parseQuantity('1Mi').format, 'BinarySI');
    assert.equal(parseQuantity('1M').format, 'DecimalSI');
    assert.equal(parseQuantity('1e6').format, 'DecimalExponent');
    assert.equal(parseQuantity('7').format, 'DecimalSI');
  });

  it('rejects what upstream rejects, with upstream\'s message', () => {
    for (const bad of ['', 'abc', '1.2.3', '1Kb', '1 Gi', 'Gi', '1KiB', '--1', '1e', '1ee3', '1e3Mi']) {
      assert.throws(() => parseQuantity(bad), (e: unknown) => e instanceof QuantityError && e.message === QUANTITY_FORMAT_ERROR, bad);
    }
  });

  it('adds, subtracts, multiplies and compares exactly', () => {
    const q = (s: string) => parseQuantity(s);
    assert.equal(formatQuantity(addQuantity(q('100m'), q('900m'))), '1');
    assert.equal(formatQuantity(addQuantity(q('1Gi'), q('512Mi'))), '1536Mi');
    assert.equal(formatQuantity(subQuantity(q('1'), q('1500m'))), '-500m');
    assert.equal(formatQuantity(mulQuantity(q('250m'), 4)), '1');
    assert.equal(formatQuantity(addQuantity(q('0'), q('1Ki'))), '1Ki');
    // 0.1 + 0.2 is exact here, unlike floating point.
    assert.equal(cmpQuantity(addQuantity(q('0.1'), q('0.2')), q('300m')), 0);
    assert.equal(cmpQuantity(q('1Gi'), q('1G')), 1);
    assert.equal(cmpQuantity(q('1k'), q('1e3')), 0);
  });

  it('reads milli and whole values rounding away from zero', () => {
    assert.equal(milliValue(parseQuantity('100m')), 100);
    assert.equal(milliValue(parseQuantity('1.5')), 1500);
    assert.equal(milliValue(parseQuantity('1n')), 1);
    assert.equal(unitValue(parseQuantity('1Ki')), 1024);
    assert.equal(unitValue(parseQuantity('100m')), 1);
    assert.equal(unitValue(parseQuantity('-100m')), -1);
    assert.equal(unitValue(parseQuantity('1.5G')), 1_500_000_000);
  });
});
