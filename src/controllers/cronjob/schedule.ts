// The CronJob controller's time arithmetic (upstream's mostRecentScheduleTime
// and friends), kept pure so it can be tested without a clock: which
// scheduled time is due, how many were missed, when to look again, and the
// deterministic name of the Job for a scheduled time.
import type { Schedule } from './cron.ts';

export type Missed = 'none' | 'few' | 'many';

/** Upstream's padding on requeues, so that a small clock skew never wakes the controller a moment too early. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface ScheduleInput {
  creationTimestamp: Date;
  lastScheduleTime?: Date;
  startingDeadlineSeconds?: number;
}

export interface MostRecent {
  earliest: Date;
  mostRecent: Date | null;
  missed: Missed;
}

/**
 * The latest scheduled time at or before now that has not run yet (after the
 * last schedule time, or creation), and a rough count of missed times: more
 * than 100 is 'many' (upstream's guard against a wildly wrong clock).
 */
export function mostRecentScheduleTime(cj: ScheduleInput, now: Date, sched: Schedule, withDeadline: boolean): MostRecent {
  let earliest = cj.lastScheduleTime ?? cj.creationTimestamp;
  if (withDeadline && cj.startingDeadlineSeconds != null) {
    const deadline = new Date(now.getTime() - cj.startingDeadlineSeconds * 1000);
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = sched.next(earliest);
  if (!t1 || now < t1) return { earliest, mostRecent: null, missed: 'none' };
  const t2 = sched.next(t1);
  if (!t2 || now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = Math.round((t2.getTime() - t1.getTime()) / 1000);
  if (between < 1) throw new Error('time difference between two schedules is less than 1 second');
  const elapsed = Math.floor((now.getTime() - t1.getTime()) / 1000);
  const missedCount = Math.floor(elapsed / between) + 1;
  // Jump close to now by whole intervals, then let the schedule walk the last
  // stretch (one interval further back, for irregular schedules).
  let t: Date | null = sched.next(new Date(t1.getTime() + (missedCount - 2) * between * 1000));
  let mostRecent: Date | null = null;
  while (t && t <= now) {
    mostRecent = t;
    t = sched.next(t);
  }
  const missed: Missed = missedCount > 100 ? 'many' : missedCount > 1 ? 'few' : 'none';
  return { earliest, mostRecent, missed };
}

/** How long until the next scheduled time after the most recent one (plus the padding). */
export function nextScheduleDelayMs(cj: ScheduleInput, now: Date, sched: Schedule): number | null {
  let from: Date;
  try {
    const r = mostRecentScheduleTime(cj, now, sched, false);
    from = r.mostRecent ?? (r.missed === 'none' ? r.earliest : now);
  } catch {
    from = now; // still look again, at the next slot from now
  }
  const next = sched.next(from);
  if (!next) return null;
  return next.getTime() + NEXT_SCHEDULE_DELTA_MS - now.getTime();
}

/** Jobs are named after their scheduled time in minutes, so a restart can never create the same run twice. */
export function jobNameFor(cronJobName: string, scheduled: Date): string {
  return `${cronJobName}-${Math.floor(scheduled.getTime() / 60_000)}`;
}
