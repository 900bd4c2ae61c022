import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedule } from './cron.ts';
import { mostRecentScheduleTime, nextScheduleDelayMs, jobNameFor } from './schedule.ts';

const d = (s: string) => new Date(s);
const iso = (x: Date | null) => x?.toISOString() ?? null;

describe('mostRecentScheduleTime', () => {
  const every = parseSchedule('*/1 * * * *', 'UTC');
  const hourly = parseSchedule('0 * * * *', 'UTC');
  const cases: { name: string; created: string; last?: string; deadline?: number; now: string; sched?: typeof every; want: string | null; missed: string; withDeadline?: boolean }[] = [
    { name: 'nothing due yet', created: '2024-01-01T10:00:10Z', now: '2024-01-01T10:00:50Z', want: null, missed: 'none' },
    { name: 'one due', created: '2024-01-01T10:00:10Z', now: '2024-01-01T10:01:05Z', want: '2024-01-01T10:01:00.000Z', missed: 'none' },
    { name: 'already ran the last one', created: '2024-01-01T09:00:00Z', last: '2024-01-01T10:01:00Z', now: '2024-01-01T10:01:30Z', want: null, missed: 'none' },
    { name: 'few missed: the latest', created: '2024-01-01T10:00:10Z', now: '2024-01-01T10:05:05Z', want: '2024-01-01T10:05:00.000Z', missed: 'few' },
    { name: 'many missed', created: '2024-01-01T00:00:00Z', now: '2024-01-01T05:00:30Z', want: '2024-01-01T05:00:00.000Z', missed: 'many' },
    { name: 'starting deadline limits the count', created: '2024-01-01T00:00:00Z', deadline: 200, now: '2024-01-01T05:00:30Z', want: '2024-01-01T05:00:00.000Z', missed: 'few', withDeadline: true },
    { name: 'hourly, 100 missed is still few', created: '2024-01-01T00:30:00Z', now: '2024-01-05T04:10:00Z', sched: hourly, want: '2024-01-05T04:00:00.000Z', missed: 'few' },
    { name: 'hourly, 3 missed', created: '2024-01-01T00:30:00Z', now: '2024-01-01T03:10:00Z', sched: hourly, want: '2024-01-01T03:00:00.000Z', missed: 'few' },
  ];
  for (const c of cases) it(c.name, () => {
    const r = mostRecentScheduleTime({ creationTimestamp: d(c.created), lastScheduleTime: c.last ? d(c.last) : undefined, startingDeadlineSeconds: c.deadline },
      d(c.now), c.sched ?? every, c.withDeadline ?? false);
    assert.equal(iso(r.mostRecent), c.want);
    assert.equal(r.missed, c.missed);
  });

  it('exactly 100 missed hourly runs are few, 101 are many', () => {
    const created = d('2024-01-01T00:30:00Z');
    const at = (h: number) => new Date(Date.parse('2024-01-01T01:00:00Z') + h * 3_600_000 + 60_000);
    assert.equal(mostRecentScheduleTime({ creationTimestamp: created }, at(99), hourly, false).missed, 'few');
    assert.equal(mostRecentScheduleTime({ creationTimestamp: created }, at(100), hourly, false).missed, 'many');
  });

  it('errors on a schedule whose runs are less than a second apart', () => {
    const broken = { next: (t: Date) => new Date(t.getTime() + 1) };
    assert.throws(() => mostRecentScheduleTime({ creationTimestamp: d('2024-01-01T00:00:00Z') }, d('2024-01-01T00:00:01Z'), broken, false), /less than 1 second/);
  });
});

describe('nextScheduleDelayMs', () => {
  const every = parseSchedule('*/1 * * * *', 'UTC');
  const cases: [string, string | undefined, string, number][] = [
    ['2024-01-01T10:00:10Z', undefined, '2024-01-01T10:00:30Z', 30_100],
    ['2024-01-01T09:00:00Z', '2024-01-01T10:01:00Z', '2024-01-01T10:01:00.500Z', 59_600],
    ['2024-01-01T09:00:00Z', '2024-01-01T10:01:00Z', '2024-01-01T10:05:30Z', 30_100],
  ];
  for (const [created, last, now, want] of cases) it(`created ${created} last ${last} now ${now}`, () => {
    assert.equal(nextScheduleDelayMs({ creationTimestamp: d(created), lastScheduleTime: last ? d(last) : undefined }, d(now), every), want);
  });
});

describe('jobNameFor', () => {
  it('uses minutes since the epoch', () => {
    assert.equal(jobNameFor('hello', d('2024-01-01T10:01:00Z')), 'hello-28401721');
  });
});
