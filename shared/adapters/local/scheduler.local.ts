/**
 * Scheduler port against the sandbox's local scheduler (infra/local/scheduler.ts), over its small
 * HTTP API at LOCAL_SCHEDULER_URL, so handlers in the sandbox and `npm run invoke` processes
 * reach the same schedules. Definitions are validated here exactly as the EventBridge adapter
 * validates them.
 */
import { required } from '../../config';
import type { ScheduleDefinition, Scheduler } from '../../ports/scheduler';
import { validateScheduleDefinition } from '../../schedule/definition';

export class LocalScheduler implements Scheduler {
  constructor(private readonly baseUrl: string) {}

  async upsert(schedule: ScheduleDefinition): Promise<void> {
    validateScheduleDefinition(schedule);
    await this.call('PUT', schedule.name, schedule);
  }

  async delete(name: string): Promise<void> {
    await this.call('DELETE', name);
  }

  private async call(method: string, name: string, body?: unknown): Promise<void> {
    const response = await fetch(`${this.baseUrl}/schedules/${encodeURIComponent(name)}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok && response.status !== 404) {
      throw new Error(`Local scheduler answered ${response.status} to ${method} ${name}: ${await response.text()}`);
    }
  }
}

export function localSchedulerFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Scheduler {
  return new LocalScheduler(required('LOCAL_SCHEDULER_URL', env));
}
