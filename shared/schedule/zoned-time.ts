/**
 * Wall-clock time in an IANA time zone, from Intl alone (no library): the schedule evaluator
 * works on local calendar fields and converts each candidate to an instant here.
 */
import { ValidationError } from '../errors';

export interface WallTime {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  /** 1-31 */
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new ValidationError(`Unknown time zone "${zone}"`, [{ field: 'timezone', message: 'must be an IANA time zone, e.g. Asia/Taipei' }]);
    }
    formatters.set(zone, format);
  }
  return format;
}

export function assertTimeZone(zone: string): void {
  formatter(zone);
}

/** The wall-clock fields of `instant` in `zone`. */
export function wallTimeOf(instant: number, zone: string): WallTime {
  const fields: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

const asUtc = (t: WallTime): number => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);

/** Offset of `zone` from UTC at `instant`, in milliseconds (Asia/Taipei: +8 h). */
export function offsetAt(instant: number, zone: string): number {
  const floored = Math.floor(instant / 1000) * 1000;
  return asUtc(wallTimeOf(floored, zone)) - floored;
}

/**
 * The instant at which the clocks of `zone` show `wall`. When the wall time occurs twice (clocks
 * set back) the earlier instant wins, so a schedule fires once; when it does not occur at all
 * (clocks set forward) the pre-transition offset is used, which lands just after the gap.
 */
export function instantOf(wall: WallTime, zone: string): number {
  const guess = asUtc(wall);
  const before = offsetAt(guess - 86_400_000 / 2, zone);
  const after = offsetAt(guess + 86_400_000 / 2, zone);
  const candidates = before >= after ? [before, after] : [after, before];
  for (const offset of candidates) {
    const instant = guess - offset;
    if (asUtc(wallTimeOf(instant, zone)) === guess) return instant;
  }
  return guess - before;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday … 7 = Saturday, as EventBridge's cron numbers them. */
export function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}
