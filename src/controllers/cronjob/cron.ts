// Cron schedules as kube-controller-manager reads them (robfig/cron's
// standard parser): five fields, ranges, steps, lists, month and weekday
// names, the @-descriptors and @every. Next() walks wall-clock fields in an
// IANA time zone (through Intl), so DST days behave as upstream: a wall time
// skipped by spring-forward is mapped the way Go's time.Date maps it, and a
// repeated hour in autumn matches twice.

interface Bounds { min: number; max: number; names?: Record<string, number> }

const MONTH_NAMES: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOW_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [
  { min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 }, { min: 1, max: 12, names: MONTH_NAMES }, { min: 0, max: 6, names: DOW_NAMES },
];

/** A set of allowed values for one field; `star` (written as * or ?) changes how day-of-month and day-of-week combine. */
export interface FieldSet { values: Set<number>; star: boolean }

export interface Schedule {
  next(after: Date): Date | null;
}

export class CronSyntaxError extends Error {}

function parseNumber(s: string, b: Bounds): number {
  const named = b.names?.[s.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(s)) throw new CronSyntaxError(`failed to parse int from ${s}: strconv.Atoi: parsing "${s}": invalid syntax`);
  return Number(s);
}

function parseRange(expr: string, b: Bounds, into: FieldSet): void {
  const slash = expr.split('/');
  if (slash.length > 2) throw new CronSyntaxError(`too many slashes: ${expr}`);
  const hyphen = slash[0].split('-');
  if (hyphen.length > 2) throw new CronSyntaxError(`too many hyphens: ${expr}`);
  let start: number;
  let end: number;
  let star = false;
  if (hyphen[0] === '*' || hyphen[0] === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseNumber(hyphen[0], b);
    end = hyphen.length === 2 ? parseNumber(hyphen[1], b) : start;
  }
  let step = 1;
  if (slash.length === 2) {
    step = parseNumber(slash[1], { min: 0, max: 0 });
    // "N/step" means from N to the field's maximum.
    if (hyphen.length === 1 && !star) end = b.max;
    if (step > 1) star = false;
  }
  if (start < b.min) throw new CronSyntaxError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronSyntaxError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronSyntaxError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronSyntaxError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  if (star) into.star = true;
}

export function parseField(field: string, b: Bounds): FieldSet {
  const set: FieldSet = { values: new Set(), star: false };
  for (const part of field.split(',')) parseRange(part, b, set);
  return set;
}

const all = (b: Bounds, star = true): FieldSet => ({ values: new Set(Array.from({ length: b.max - b.min + 1 }, (_, i) => b.min + i)), star });
const only = (v: number): FieldSet => ({ values: new Set([v]), star: false });

const DESCRIPTORS: Record<string, () => FieldSet[]> = {
  '@yearly': () => [only(0), only(0), only(1), only(1), all(FIELDS[4])],
  '@monthly': () => [only(0), only(0), only(1), all(FIELDS[3]), all(FIELDS[4])],
  '@weekly': () => [only(0), only(0), all(FIELDS[2]), all(FIELDS[3]), only(0)],
  '@daily': () => [only(0), only(0), all(FIELDS[2]), all(FIELDS[3]), all(FIELDS[4])],
  '@hourly': () => [only(0), all(FIELDS[1]), all(FIELDS[2]), all(FIELDS[3]), all(FIELDS[4])],
};
DESCRIPTORS['@annually'] = DESCRIPTORS['@yearly'];
DESCRIPTORS['@midnight'] = DESCRIPTORS['@daily'];

/** Go's time.ParseDuration for the units a schedule can use. */
function parseGoDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(s)) !== null) {
    ms += Number(m[1]) * unit[m[2]];
    pos = re.lastIndex;
  }
  if (s === '' || pos !== s.length) throw new CronSyntaxError(`failed to parse duration ${s}: time: invalid duration "${s}"`);
  return ms;
}

/** Parses a schedule; `timeZone` is an IANA name (undefined: the process's local zone). */
export function parseSchedule(spec: string, timeZone?: string): Schedule {
  const s = spec.trim();
  if (s === '') throw new CronSyntaxError('empty spec string');
  if (/^(CRON_)?TZ=/.test(s)) throw new CronSyntaxError('cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
  const zone = new Zone(timeZone);
  if (s.startsWith('@every ')) {
    // robfig rounds the delay to whole seconds, at least one.
    const delay = Math.max(1000, Math.floor(parseGoDuration(s.slice(7).trim()) / 1000) * 1000);
    return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + delay) };
  }
  let fields: FieldSet[];
  if (s.startsWith('@')) {
    const d = DESCRIPTORS[s];
    if (!d) throw new CronSyntaxError(`unrecognized descriptor: ${s}`);
    fields = d();
  } else {
    const parts = s.split(/\s+/);
    if (parts.length !== 5) throw new CronSyntaxError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
    fields = parts.map((p, i) => parseField(p, FIELDS[i]));
  }
  return new CronSchedule(fields, zone);
}

interface Wall { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

const FORMATTERS = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Throws RangeError for a name Intl does not know (upstream: time.LoadLocation fails). */
export function checkTimeZone(name: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone: name });
}

/** Wall-clock arithmetic in one IANA zone. */
export class Zone {
  readonly name: string;
  private readonly fmt: Intl.DateTimeFormat;

  constructor(name?: string) {
    this.name = name ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    let f = FORMATTERS.get(this.name);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: this.name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short',
      });
      FORMATTERS.set(this.name, f);
    }
    this.fmt = f;
  }

  wall(ms: number): Wall {
    const p: Record<string, string> = {};
    for (const part of this.fmt.formatToParts(new Date(ms))) p[part.type] = part.value;
    return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second), weekday: WEEKDAYS[p.weekday] };
  }

  /** Offset from UTC in ms at an instant. */
  offset(ms: number): number {
    const w = this.wall(ms);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
  }

  /** As Go's time.Date: normalizes out-of-range fields, and resolves a wall time in a DST gap or overlap the same way. */
  date(year: number, month: number, day: number, hour: number, minute: number, second = 0): number {
    const naive = Date.UTC(year, month - 1, day, hour, minute, second);
    let off = this.offset(naive);
    const guess = naive - off;
    const off2 = this.offset(guess);
    if (off2 !== off) off = off2;
    return naive - off;
  }

  /** RFC 3339 with the zone's offset, as Go's time.Format(time.RFC3339). */
  format(ms: number): string {
    const w = this.wall(ms);
    const off = Math.round(this.offset(ms) / 60_000);
    const pad = (n: number, l = 2) => String(n).padStart(l, '0');
    const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
    return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${zone}`;
  }
}

const HOUR = 3_600_000;

class CronSchedule implements Schedule {
  private readonly f: FieldSet[];
  private readonly zone: Zone;

  constructor(fields: FieldSet[], zone: Zone) {
    this.f = fields;
    this.zone = zone;
  }

  private dayMatches(w: Wall): boolean {
    const dom = this.f[2].values.has(w.day);
    const dow = this.f[4].values.has(w.weekday);
    if (this.f[2].star || this.f[4].star) return dom && dow;
    return dom || dow;
  }

  /** The first activation strictly after `after` (whole minutes), or null if none within five years. */
  next(after: Date): Date | null {
    const z = this.zone;
    let t = Math.floor(after.getTime() / 1000) * 1000 + 1000;
    let added = false;
    const yearLimit = z.wall(t).year + 5;
    wrap: for (;;) {
      let w = z.wall(t);
      if (w.year > yearLimit) return null;
      while (!this.f[3].values.has(w.month)) {
        if (!added) { added = true; t = z.date(w.year, w.month, 1, 0, 0); w = z.wall(t); }
        t = z.date(w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
        w = z.wall(t);
        if (w.month === 1) continue wrap;
      }
      while (!this.dayMatches(w)) {
        if (!added) { added = true; t = z.date(w.year, w.month, w.day, 0, 0); w = z.wall(t); }
        t = z.date(w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
        w = z.wall(t);
        // A DST change can leave the walk at 23:00 or 01:00 instead of midnight.
        if (w.hour !== 0) {
          t += w.hour > 12 ? (24 - w.hour) * HOUR : -w.hour * HOUR;
          w = z.wall(t);
        }
        if (w.day === 1) continue wrap;
      }
      while (!this.f[1].values.has(w.hour)) {
        if (!added) { added = true; t = z.date(w.year, w.month, w.day, w.hour, 0); }
        t += HOUR;
        w = z.wall(t);
        if (w.hour === 0) continue wrap;
      }
      while (!this.f[0].values.has(w.minute)) {
        if (!added) { added = true; t = Math.floor(t / 60_000) * 60_000; }
        t += 60_000;
        w = z.wall(t);
        if (w.minute === 0) continue wrap;
      }
      if (w.second !== 0) {
        added = true;
        t += (60 - w.second) * 1000;
        continue wrap;
      }
      return new Date(t);
    }
  }
}
