import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedule, checkTimeZone, Zone } from './cron.ts';

const next = (spec: string, from: string, tz = 'UTC') => parseSchedule(spec, tz).next(new Date(from))?.toISOString() ?? null;

describe('cron parsing', () => {
  const errors: [string, RegExp][] = [
    ['* * * *', /expected exactly 5 fields, found 4/],
    ['60 * * * *', /end of range \(60\) above maximum \(59\)/],
    ['* * 0 * *', /beginning of range \(0\) below minimum \(1\)/],
    ['5-2 * * * *', /beginning of range \(5\) beyond end of range \(2\)/],
    ['*/0 * * * *', /step of range should be a positive number/],
    ['1-2-3 * * * *', /too many hyphens/],
    ['*/2/3 * * * *', /too many slashes/],
    ['x * * * *', /failed to parse int from x/],
    ['* * * * 7', /above maximum \(6\)/],
    ['@fortnightly', /unrecognized descriptor: @fortnightly/],
    ['TZ=UTC * * * * *', /use timeZone field instead/],
  ];
  for (const [spec, re] of errors) it(`rejects ${JSON.stringify(spec)}`, () => assert.throws(() => parseSchedule(spec, 'UTC'), re));

  it('rejects unknown time zones', () => {
    assert.throws(() => checkTimeZone('Mars/Olympus'), RangeError);
    checkTimeZone('Europe/Berlin');
  });
});

describe('next activation (UTC)', () => {
  const cases: [string, string, string | null][] = [
    ['*/1 * * * *', '2024-01-01T10:00:00Z', '2024-01-01T10:01:00.000Z'],
    ['*/1 * * * *', '2024-01-01T10:00:30Z', '2024-01-01T10:01:00.000Z'],
    ['*/15 * * * *', '2024-01-01T10:14:59Z', '2024-01-01T10:15:00.000Z'],
    ['5 4 * * *', '2024-01-01T04:05:00Z', '2024-01-02T04:05:00.000Z'],
    ['0 22 * * 1-5', '2024-01-05T22:00:00Z', '2024-01-08T22:00:00.000Z'], // Friday -> Monday
    ['0 0 1,15 * *', '2024-01-02T00:00:00Z', '2024-01-15T00:00:00.000Z'],
    ['0 9 * jan,JUL mon', '2024-02-01T00:00:00Z', '2024-07-01T09:00:00.000Z'],
    ['0 0 * * SUN', '2024-01-01T00:00:00Z', '2024-01-07T00:00:00.000Z'],
    ['0 0 13 * 5', '2024-01-01T00:00:00Z', '2024-01-05T00:00:00.000Z'], // dom OR dow when neither is *
    ['0 0 */2 * 5', '2024-01-01T00:00:00Z', '2024-01-03T00:00:00.000Z'], // */2 is not a star: OR
    ['0 0 * * 5', '2024-01-01T00:00:00Z', '2024-01-05T00:00:00.000Z'], // * dom: AND
    ['30 6-16/4 * * *', '2024-01-01T07:00:00Z', '2024-01-01T10:30:00.000Z'],
    ['10/20 * * * *', '2024-01-01T00:31:00Z', '2024-01-01T00:50:00.000Z'],
    ['0 0 29 2 *', '2024-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['59 23 31 2 *', '2024-01-01T00:00:00Z', null],
    ['@yearly', '2024-06-01T00:00:00Z', '2025-01-01T00:00:00.000Z'],
    ['@annually', '2024-06-01T00:00:00Z', '2025-01-01T00:00:00.000Z'],
    ['@monthly', '2024-06-15T00:00:00Z', '2024-07-01T00:00:00.000Z'],
    ['@weekly', '2024-01-01T00:00:00Z', '2024-01-07T00:00:00.000Z'],
    ['@daily', '2024-01-01T12:00:00Z', '2024-01-02T00:00:00.000Z'],
    ['@midnight', '2024-01-01T12:00:00Z', '2024-01-02T00:00:00.000Z'],
    ['@hourly', '2024-01-01T12:30:00Z', '2024-01-01T13:00:00.000Z'],
    ['@every 90s', '2024-01-01T12:00:00.500Z', '2024-01-01T12:01:30.000Z'],
  ];
  for (const [spec, from, want] of cases) it(`${spec} after ${from}`, () => assert.equal(next(spec, from), want));
});

describe('next activation in a time zone', () => {
  const cases: [string, string, string, string | null][] = [
    ['0 9 * * *', 'Europe/Berlin', '2024-01-01T00:00:00Z', '2024-01-01T08:00:00.000Z'],
    ['0 9 * * *', 'Europe/Berlin', '2024-07-01T00:00:00Z', '2024-07-01T07:00:00.000Z'],
    ['0 0 * * *', 'Asia/Kolkata', '2024-01-01T00:00:00Z', '2024-01-01T18:30:00.000Z'],
    // Spring forward in New York (2024-03-10 02:00 EST -> 03:00 EDT): 02:30 does not exist that day, so
    // (as robfig/cron walks real hours) the run is skipped and the next is on the 11th.
    ['30 2 * * *', 'America/New_York', '2024-03-10T05:00:00Z', '2024-03-11T06:30:00.000Z'],
    ['30 3 * * *', 'America/New_York', '2024-03-10T05:00:00Z', '2024-03-10T07:30:00.000Z'],
    // Fall back (2024-11-03 02:00 EDT -> 01:00 EST): 01:30 happens twice and matches twice.
    ['30 1 * * *', 'America/New_York', '2024-11-03T04:00:00Z', '2024-11-03T05:30:00.000Z'],
    ['30 1 * * *', 'America/New_York', '2024-11-03T05:30:00Z', '2024-11-03T06:30:00.000Z'],
    ['30 1 * * *', 'America/New_York', '2024-11-03T06:30:00Z', '2024-11-04T06:30:00.000Z'],
    // Daily midnight across the change keeps local midnight.
    ['0 0 * * *', 'America/New_York', '2024-03-10T05:00:00Z', '2024-03-11T04:00:00.000Z'],
    ['0 0 * * *', 'America/New_York', '2024-11-03T04:00:00Z', '2024-11-04T05:00:00.000Z'],
  ];
  for (const [spec, tz, from, want] of cases) it(`${spec} in ${tz} after ${from}`, () => assert.equal(next(spec, from, tz), want));

  it('formats RFC 3339 with the zone offset', () => {
    assert.equal(new Zone('Europe/Berlin').format(Date.parse('2024-07-01T07:00:00Z')), '2024-07-01T09:00:00+02:00');
    assert.equal(new Zone('UTC').format(Date.parse('2024-07-01T07:00:00Z')), '2024-07-01T07:00:00Z');
    assert.equal(new Zone('America/New_York').format(Date.parse('2024-01-01T05:00:00Z')), '2024-01-01T00:00:00-05:00');
  });
});
