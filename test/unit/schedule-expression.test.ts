import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors';
import { nextFireTime, parseScheduleExpression } from '../../shared/schedule/expression';

const next = (expression: string, after: string, timezone?: string, anchor?: string) =>
  nextFireTime(parseScheduleExpression(expression), { after: new Date(after), timezone, anchor: anchor ? new Date(anchor) : undefined })?.toISOString();

/** The next n fire times, each after the previous. */
function series(expression: string, after: string, n: number, timezone?: string): string[] {
  const parsed = parseScheduleExpression(expression);
  const out: string[] = [];
  let cursor = new Date(after);
  for (let i = 0; i < n; i += 1) {
    const fire = nextFireTime(parsed, { after: cursor, timezone });
    if (!fire) break;
    out.push(fire.toISOString());
    cursor = fire;
  }
  return out;
}

describe('at()', () => {
  it('fires once at the wall time of its zone', () => {
    expect(next('at(2026-12-04T09:00:00)', '2026-01-01T00:00:00Z', 'Asia/Taipei')).toBe('2026-12-04T01:00:00.000Z');
    expect(next('at(2026-12-04T09:00:00)', '2026-01-01T00:00:00Z')).toBe('2026-12-04T09:00:00.000Z');
  });
  it('never fires again once past', () => {
    expect(next('at(2026-12-04T09:00:00)', '2026-12-04T09:00:00Z')).toBeUndefined();
  });
  it('rejects dates that do not exist', () => {
    expect(() => parseScheduleExpression('at(2026-02-30T09:00:00)')).toThrow(ValidationError);
    expect(() => parseScheduleExpression('at(2026-12-04 09:00)')).toThrow(ValidationError);
  });
});

describe('rate()', () => {
  it('counts from the anchor (creation), not from the clock', () => {
    expect(next('rate(5 minutes)', '2026-01-01T00:07:00Z', undefined, '2026-01-01T00:01:00Z')).toBe('2026-01-01T00:11:00.000Z');
    expect(next('rate(1 hour)', '2026-01-01T00:00:00Z', undefined, '2026-01-01T00:00:00Z')).toBe('2026-01-01T01:00:00.000Z');
    expect(next('rate(2 days)', '2026-01-01T00:00:00Z', undefined, '2026-01-01T00:00:00Z')).toBe('2026-01-03T00:00:00.000Z');
  });
  it('wants the singular for 1 and the plural otherwise, as EventBridge does', () => {
    expect(() => parseScheduleExpression('rate(1 minutes)')).toThrow(ValidationError);
    expect(() => parseScheduleExpression('rate(5 minute)')).toThrow(ValidationError);
    expect(() => parseScheduleExpression('rate(0 minutes)')).toThrow(ValidationError);
    expect(() => parseScheduleExpression('rate(5 weeks)')).toThrow(ValidationError);
  });
});

describe('cron()', () => {
  it('09:00 every Friday in Taipei (Sunday is 1, FRI names work)', () => {
    // 2026-05-01 is a Friday.
    expect(series('cron(0 9 ? * FRI *)', '2026-04-28T00:00:00Z', 2, 'Asia/Taipei')).toEqual(['2026-05-01T01:00:00.000Z', '2026-05-08T01:00:00.000Z']);
    expect(series('cron(0 9 ? * 6 *)', '2026-04-28T00:00:00Z', 1, 'Asia/Taipei')).toEqual(['2026-05-01T01:00:00.000Z']);
  });
  it('steps, ranges and lists', () => {
    expect(series('cron(0/15 8-9 * * ? *)', '2026-03-01T08:20:00Z', 3)).toEqual([
      '2026-03-01T08:30:00.000Z',
      '2026-03-01T08:45:00.000Z',
      '2026-03-01T09:00:00.000Z',
    ]);
    expect(series('cron(0 12 ? * MON-FRI *)', '2026-05-01T13:00:00Z', 2)).toEqual(['2026-05-04T12:00:00.000Z', '2026-05-05T12:00:00.000Z']);
    expect(series('cron(30 6 1,15 JAN,JUL ? *)', '2026-01-10T00:00:00Z', 3)).toEqual([
      '2026-01-15T06:30:00.000Z',
      '2026-07-01T06:30:00.000Z',
      '2026-07-15T06:30:00.000Z',
    ]);
  });
  it('L: last day of the month, and last Friday', () => {
    expect(series('cron(0 0 L * ? *)', '2028-01-31T12:00:00Z', 2)).toEqual(['2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z']);
    expect(series('cron(0 0 ? * 6L *)', '2026-05-01T00:00:00Z', 1)).toEqual(['2026-05-29T00:00:00.000Z']);
  });
  it('W: the weekday nearest a date, staying inside the month', () => {
    // 2026-08-15 is a Saturday → Friday 14th; 2026-08-01 is a Saturday → Monday 3rd.
    expect(series('cron(0 0 15W * ? 2026)', '2026-08-01T00:00:00Z', 1)).toEqual(['2026-08-14T00:00:00.000Z']);
    expect(series('cron(0 0 1W * ? 2026)', '2026-07-31T00:00:00Z', 1)).toEqual(['2026-08-03T00:00:00.000Z']);
    // LW: last weekday; 2026-05-31 is a Sunday → Friday 29th.
    expect(series('cron(0 0 LW * ? 2026)', '2026-05-01T00:00:00Z', 1)).toEqual(['2026-05-29T00:00:00.000Z']);
  });
  it('#: the nth weekday of the month', () => {
    // Second Tuesday (3#2) of June 2026 is the 9th.
    expect(series('cron(0 10 ? 6 3#2 2026)', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-06-09T10:00:00.000Z']);
  });
  it('the year field ends a schedule', () => {
    expect(series('cron(0 0 1 1 ? 2027-2028)', '2026-01-01T00:00:00Z', 5)).toEqual(['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
  });
  it('daylight saving: skipped times fire after the gap, repeated times fire once', () => {
    // Europe/Berlin springs forward 2026-03-29 02:00 → 03:00, falls back 2026-10-25 03:00 → 02:00.
    expect(next('cron(30 2 * * ? *)', '2026-03-29T00:00:00Z', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z');
    expect(series('cron(30 2 * * ? *)', '2026-10-24T12:00:00Z', 2, 'Europe/Berlin')).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    // New York: 09:00 local is 14:00 UTC in winter, 13:00 UTC in summer.
    expect(series('cron(0 9 ? * SUN *)', '2026-03-01T00:00:00Z', 2, 'America/New_York')).toEqual(['2026-03-01T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
  });
  it('rejects what EventBridge rejects', () => {
    for (const bad of [
      'cron(0 9 * * * *)', // both day fields set
      'cron(0 9 ? * ? *)', // neither
      'cron(0 9 * *)', // five fields
      'cron(60 9 * * ? *)',
      'cron(0 24 * * ? *)',
      'cron(0 9 ? * 8 *)',
      'cron(0 9 ? * 0 *)', // Sunday is 1, not 0
      'cron(0 9 ? * 3#6 *)',
      'cron(0 9 * FOO ? *)',
      'cron(0 9 * * ? 1969)',
      'cron(? 9 * * ? *)',
      'every day',
    ]) {
      expect(() => parseScheduleExpression(bad), bad).toThrow(ValidationError);
    }
  });
  it('an impossible date never fires', () => {
    expect(next('cron(0 0 30 2 ? *)', '2026-01-01T00:00:00Z')).toBeUndefined();
  });
  it('rejects unknown time zones', () => {
    expect(() => next('cron(0 9 * * ? *)', '2026-01-01T00:00:00Z', 'Mars/Olympus')).toThrow(ValidationError);
  });
});
