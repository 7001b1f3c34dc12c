/**
 * One-off and recurring schedules, in EventBridge Scheduler's expression language:
 * `at(2026-12-04T09:00:00)`, `cron(0 9 ? * FRI *)`, `rate(5 minutes)`, with an IANA time zone.
 * AWS: EventBridge Scheduler. Locally: the sandbox's scheduler, which evaluates the same expressions.
 */
export interface ScheduleTarget {
  /** Logical name of the function (infra/manifest.ts `functions`) that receives the payload. */
  readonly function: string;
  readonly payload: unknown;
}

export interface ScheduleDefinition {
  /** Unique within the workspace's schedule group; letters, digits, `-`, `_`, `.` (max 64). */
  readonly name: string;
  readonly expression: string;
  readonly timezone?: string;
  readonly target: ScheduleTarget;
  /** Delete the schedule after its one run (for `at()`). */
  readonly deleteAfterRun?: boolean;
}

export interface Scheduler {
  upsert(schedule: ScheduleDefinition): Promise<void>;
  delete(name: string): Promise<void>;
}
