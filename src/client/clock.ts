// The controllers' clock. Production uses the real time; end-to-end tests
// move time forward (CronJob schedules, HPA stabilization windows) without
// waiting for minutes, by pointing K8TS_CLOCK_OFFSET_FILE at a file that
// holds a number of seconds to add to the real time.
import { readFileSync } from 'node:fs';

export interface Clock {
  now(): Date;
  /** Calls fn each time the clock jumps (never for the real clock). */
  onJump(fn: () => void): void;
}

export const systemClock: Clock = { now: () => new Date(), onJump: () => {} };

function readOffsetMs(path: string): number {
  try {
    const s = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(s) ? s * 1000 : 0;
  } catch {
    return 0;
  }
}

/** A clock that runs at real speed, shifted by the seconds written in `path`; re-read every pollMs. */
export function offsetFileClock(path: string, pollMs = 100): Clock {
  let offset = readOffsetMs(path);
  const listeners: (() => void)[] = [];
  // Re-read the (tiny) file on a timer rather than watching its stat: a stat
  // watcher takes its baseline asynchronously and misses a write made first.
  const timer = setInterval(() => {
    const next = readOffsetMs(path);
    if (next === offset) return;
    offset = next;
    for (const fn of listeners) fn();
  }, pollMs);
  timer.unref();
  return { now: () => new Date(Date.now() + offset), onJump: (fn) => { listeners.push(fn); } };
}

export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const path = env.K8TS_CLOCK_OFFSET_FILE;
  return path ? offsetFileClock(path) : systemClock;
}
