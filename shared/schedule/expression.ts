/**
 * EventBridge Scheduler's expression language, evaluated without AWS: `at(yyyy-mm-ddThh:mm:ss)`,
 * `rate(n minute[s]|hour[s]|day[s])` and six-field `cron(min hour day-of-month month
 * day-of-week year)` with `, - * / ? L W #`, in an IANA time zone (default UTC).
 * The local scheduler uses it to fire schedules, and use cases use it to validate input
 * before the AWS adapter hands the same string to EventBridge.
 *
 * Written here rather than taken from a cron library because EventBridge differs from the
 * usual crontab: Sunday is 1 (not 0), there is a year field, one of the two day fields must be
 * `?`, and rate() counts from the schedule's creation.
 */
import { ValidationError } from '../errors';
import { assertTimeZone, daysInMonth, instantOf, wallTimeOf, weekdayOf, type WallTime } from './zoned-time';

export interface AtSchedule {
  readonly kind: 'at';
  readonly at: WallTime;
}

export interface RateSchedule {
  readonly kind: 'rate';
  readonly value: number;
  readonly unit: 'minute' | 'hour' | 'day';
  readonly intervalMs: number;
}

export interface CronSchedule {
  readonly kind: 'cron';
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: ReadonlySet<number>;
  /** Empty: every year. */
  readonly years: ReadonlySet<number>;
  readonly matchesDay: (year: number, month: number, day: number) => boolean;
}

export type ParsedSchedule = AtSchedule | RateSchedule | CronSchedule;

const MIN_YEAR = 1970;
const MAX_YEAR = 2199;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function invalid(expression: string, why: string): ValidationError {
  return new ValidationError(`Invalid schedule expression "${expression}": ${why}`, [{ field: 'expression', message: why }]);
}

export function parseScheduleExpression(expression: string): ParsedSchedule {
  const text = expression.trim();
  const match = /^(at|rate|cron)\((.*)\)$/s.exec(text);
  if (!match) throw invalid(expression, 'expected at(...), rate(...) or cron(...)');
  const [, kind, body = ''] = match;
  if (kind === 'at') return parseAt(expression, body.trim());
  if (kind === 'rate') return parseRate(expression, body.trim());
  return parseCron(expression, body.trim());
}

function parseAt(expression: string, body: string): AtSchedule {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!m) throw invalid(expression, 'at() takes yyyy-mm-ddThh:mm:ss');
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw invalid(expression, 'at() names a date or time that does not exist');
  }
  return { kind: 'at', at: { year, month, day, hour, minute, second } };
}

function parseRate(expression: string, body: string): RateSchedule {
  const m = /^(\d+)\s+(minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!m) throw invalid(expression, 'rate() takes "<positive integer> minute(s)|hour(s)|day(s)"');
  const value = Number(m[1]);
  const word = m[2] ?? '';
  if (value < 1) throw invalid(expression, 'the rate must be at least 1');
  // EventBridge insists on the singular for 1 and the plural otherwise.
  if ((value === 1) !== !word.endsWith('s')) throw invalid(expression, value === 1 ? 'use the singular unit for 1' : 'use the plural unit for values above 1');
  const unit = word.replace(/s$/, '') as RateSchedule['unit'];
  const unitMs = unit === 'minute' ? 60_000 : unit === 'hour' ? 3_600_000 : 86_400_000;
  return { kind: 'rate', value, unit, intervalMs: value * unitMs };
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Value of names[0]. */
  readonly nameBase?: number;
}

const fieldSpecs = {
  minutes: { name: 'minutes', min: 0, max: 59 },
  hours: { name: 'hours', min: 0, max: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, nameBase: 1 },
  year: { name: 'year', min: MIN_YEAR, max: MAX_YEAR },
} satisfies Record<string, FieldSpec>;

function parseValue(expression: string, spec: FieldSpec, token: string): number {
  const upper = token.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  const value = named >= 0 ? named + (spec.nameBase ?? 0) : /^\d+$/.test(token) ? Number(token) : NaN;
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw invalid(expression, `${spec.name} value "${token}" is outside ${spec.min}-${spec.max}`);
  }
  return value;
}

/** Expands `*`, `n`, `a-b`, `x/step` and comma lists; ranges of cyclic fields may wrap (FRI-MON). */
function expandList(expression: string, spec: FieldSpec, field: string): Set<number> {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const [rangePart = '', stepPart] = item.split('/');
    const step = stepPart === undefined ? 1 : Number(stepPart);
    if (!Number.isInteger(step) || step < 1 || (stepPart !== undefined && !/^\d+$/.test(stepPart))) {
      throw invalid(expression, `${spec.name} step "${stepPart}" must be a positive integer`);
    }
    let from: number;
    let to: number;
    if (rangePart === '*') {
      from = spec.min;
      to = spec.max;
    } else if (rangePart.includes('-')) {
      const [a = '', b = ''] = rangePart.split('-');
      from = parseValue(expression, spec, a);
      to = parseValue(expression, spec, b);
    } else {
      from = parseValue(expression, spec, rangePart);
      to = stepPart === undefined ? from : spec.max;
    }
    const span = to >= from ? to - from : to + (spec.max - spec.min + 1) - from;
    if (to < from && spec.name === 'year') throw invalid(expression, `year range ${rangePart} runs backwards`);
    for (let offset = 0; offset <= span; offset += step) {
      values.add(((from - spec.min + offset) % (spec.max - spec.min + 1)) + spec.min);
    }
  }
  return values;
}

type DayTest = (year: number, month: number, day: number) => boolean;

function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const target = Math.min(day, last);
  const weekday = weekdayOf(year, month, target);
  if (weekday === 7) return target === 1 ? target + 2 : target - 1; // Saturday: Friday, or Monday if that leaves the month
  if (weekday === 1) return target === last ? target - 2 : target + 1; // Sunday: Monday, or Friday
  return target;
}

function parseDayOfMonth(expression: string, field: string): DayTest {
  const tests: DayTest[] = [];
  const plain: string[] = [];
  for (const item of field.split(',')) {
    const upper = item.toUpperCase();
    if (upper === 'L') tests.push((y, m, d) => d === daysInMonth(y, m));
    else if (upper === 'LW') {
      tests.push((y, m, d) => {
        const last = daysInMonth(y, m);
        const weekday = weekdayOf(y, m, last);
        return d === (weekday === 7 ? last - 1 : weekday === 1 ? last - 2 : last);
      });
    } else if (/^\d+W$/.test(upper)) {
      const target = parseValue(expression, fieldSpecs.dayOfMonth, upper.slice(0, -1));
      tests.push((y, m, d) => target <= daysInMonth(y, m) && d === nearestWeekday(y, m, target));
    } else plain.push(item);
  }
  if (plain.length > 0) {
    const days = expandList(expression, fieldSpecs.dayOfMonth, plain.join(','));
    tests.push((_y, _m, d) => days.has(d));
  }
  return (y, m, d) => tests.some((test) => test(y, m, d));
}

function parseDayOfWeek(expression: string, field: string): DayTest {
  const tests: DayTest[] = [];
  const plain: string[] = [];
  for (const item of field.split(',')) {
    const upper = item.toUpperCase();
    const nth = /^(\w+)#(\d)$/.exec(upper);
    const last = /^(\w+)L$/.exec(upper);
    if (upper === 'L') plain.push('7'); // alone, L is the last day of the week: Saturday
    else if (nth) {
      const weekday = parseValue(expression, fieldSpecs.dayOfWeek, nth[1] ?? '');
      const n = Number(nth[2]);
      if (n < 1 || n > 5) throw invalid(expression, `"${item}": the occurrence after # must be 1-5`);
      tests.push((y, m, d) => weekdayOf(y, m, d) === weekday && Math.ceil(d / 7) === n);
    } else if (last) {
      const weekday = parseValue(expression, fieldSpecs.dayOfWeek, last[1] ?? '');
      tests.push((y, m, d) => weekdayOf(y, m, d) === weekday && d + 7 > daysInMonth(y, m));
    } else plain.push(item);
  }
  if (plain.length > 0) {
    const weekdays = expandList(expression, fieldSpecs.dayOfWeek, plain.join(','));
    tests.push((y, m, d) => weekdays.has(weekdayOf(y, m, d)));
  }
  return (y, m, d) => tests.some((test) => test(y, m, d));
}

function parseCron(expression: string, body: string): CronSchedule {
  const fields = body.split(/\s+/);
  if (fields.length !== 6) throw invalid(expression, 'cron() takes six fields: minutes hours day-of-month month day-of-week year');
  const [minutes = '', hours = '', dayOfMonth = '', month = '', dayOfWeek = '', year = ''] = fields;
  // Only the two day fields take ? L W #; anything else odd is caught by parseValue.
  for (const [spec, field] of [[fieldSpecs.minutes, minutes], [fieldSpecs.hours, hours], [fieldSpecs.month, month], [fieldSpecs.year, year]] as const) {
    if (/[?#]/.test(field)) throw invalid(expression, `${spec.name} takes no ? or #`);
  }
  const domUnset = dayOfMonth === '?';
  const dowUnset = dayOfWeek === '?';
  if (domUnset === dowUnset) throw invalid(expression, 'exactly one of day-of-month and day-of-week must be ?');
  const dayTest = domUnset ? parseDayOfWeek(expression, dayOfWeek) : parseDayOfMonth(expression, dayOfMonth);
  const years = year === '*' ? new Set<number>() : expandList(expression, fieldSpecs.year, year);
  return {
    kind: 'cron',
    minutes: [...expandList(expression, fieldSpecs.minutes, minutes)].sort((a, b) => a - b),
    hours: [...expandList(expression, fieldSpecs.hours, hours)].sort((a, b) => a - b),
    months: expandList(expression, fieldSpecs.month, month),
    years,
    matchesDay: dayTest,
  };
}

export interface NextFireOptions {
  /** The next fire time is strictly after this instant. */
  readonly after: Date;
  /** IANA zone in which at() and cron() are read; default UTC. */
  readonly timezone?: string;
  /** rate(): when the schedule was created (or its start date); runs at anchor + k × rate, k ≥ 1. */
  readonly anchor?: Date;
}

/** When the schedule fires next, or undefined when it never will again. */
export function nextFireTime(schedule: ParsedSchedule, options: NextFireOptions): Date | undefined {
  const zone = options.timezone ?? 'UTC';
  assertTimeZone(zone);
  const after = options.after.getTime();
  switch (schedule.kind) {
    case 'at': {
      const instant = instantOf(schedule.at, zone);
      return instant > after ? new Date(instant) : undefined;
    }
    case 'rate': {
      const anchor = (options.anchor ?? options.after).getTime();
      const k = Math.max(1, Math.floor((after - anchor) / schedule.intervalMs) + 1);
      return new Date(anchor + k * schedule.intervalMs);
    }
    case 'cron':
      return nextCron(schedule, after, zone);
  }
}

function nextCron(schedule: CronSchedule, after: number, zone: string): Date | undefined {
  const start = wallTimeOf(after, zone);
  for (let year = start.year; year <= MAX_YEAR; year += 1) {
    if (schedule.years.size > 0 && !schedule.years.has(year)) continue;
    for (let month = year === start.year ? start.month : 1; month <= 12; month += 1) {
      if (!schedule.months.has(month)) continue;
      const firstDay = year === start.year && month === start.month ? start.day : 1;
      const lastDay = daysInMonth(year, month);
      for (let day = firstDay; day <= lastDay; day += 1) {
        if (!schedule.matchesDay(year, month, day)) continue;
        for (const hour of schedule.hours) {
          for (const minute of schedule.minutes) {
            const instant = instantOf({ year, month, day, hour, minute, second: 0 }, zone);
            if (instant > after) return new Date(instant);
          }
        }
      }
    }
  }
  return undefined;
}
