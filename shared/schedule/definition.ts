/**
 * Checks a ScheduleDefinition the same way on both hosts, before the AWS adapter hands it to
 * EventBridge or the local scheduler stores it: a bad name, expression or zone is a 400, not a
 * surprise at fire time.
 */
import { ValidationError } from '../errors';
import type { ScheduleDefinition } from '../ports/scheduler';
import { parseScheduleExpression, type ParsedSchedule } from './expression';
import { assertTimeZone } from './zoned-time';

const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;

export function validateScheduleDefinition(schedule: ScheduleDefinition): ParsedSchedule {
  if (!NAME.test(schedule.name)) {
    throw new ValidationError(`Invalid schedule name "${schedule.name}"`, [{ field: 'name', message: 'use 1-64 letters, digits, -, _ or .' }]);
  }
  if (schedule.timezone !== undefined) assertTimeZone(schedule.timezone);
  if (!schedule.target.function) {
    throw new ValidationError('A schedule needs a target function', [{ field: 'target.function', message: 'required' }]);
  }
  return parseScheduleExpression(schedule.expression);
}

/** `campaignLauncher` → `CAMPAIGN_LAUNCHER`, for environment variable names. */
export const upperSnake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
