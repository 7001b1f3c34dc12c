/**
 * Scheduler port over EventBridge Scheduler (SDK v3). Every schedule lives in the stage's
 * schedule group and invokes its target Lambda through the scheduler role, with the payload as
 * the function's event.
 *
 * Environment: SCHEDULER_GROUP_NAME, SCHEDULER_ROLE_ARN, and per target function
 * SCHEDULER_TARGET_<FUNCTION>_ARN (e.g. SCHEDULER_TARGET_CAMPAIGN_LAUNCHER_ARN for the manifest
 * function `campaignLauncher`), set by the scheduling stack's bind helper.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { required } from '../../config';
import type { ScheduleDefinition, Scheduler } from '../../ports/scheduler';
import { upperSnake, validateScheduleDefinition } from '../../schedule/definition';

let sharedClient: SchedulerClient | undefined;

export function schedulerClient(): SchedulerClient {
  sharedClient ??= new SchedulerClient({ region: required('AWS_REGION') });
  return sharedClient;
}

export interface EventBridgeSchedulerOptions {
  readonly groupName: string;
  readonly roleArn: string;
  /** Logical function name → Lambda ARN. */
  readonly targetArn: (functionName: string) => string;
  readonly client?: SchedulerClient;
}

export class EventBridgeScheduler implements Scheduler {
  private readonly client: SchedulerClient;

  constructor(private readonly options: EventBridgeSchedulerOptions) {
    this.client = options.client ?? schedulerClient();
  }

  async upsert(schedule: ScheduleDefinition): Promise<void> {
    validateScheduleDefinition(schedule);
    const input: CreateScheduleCommandInput = {
      Name: schedule.name,
      GroupName: this.options.groupName,
      ScheduleExpression: schedule.expression,
      ScheduleExpressionTimezone: schedule.timezone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      ActionAfterCompletion: schedule.deleteAfterRun ? 'DELETE' : 'NONE',
      Target: {
        Arn: this.options.targetArn(schedule.target.function),
        RoleArn: this.options.roleArn,
        Input: JSON.stringify(schedule.target.payload ?? {}),
      },
    };
    // Update first: most upserts change an existing schedule; create when there is none yet,
    // and update again if a concurrent caller created it in between.
    try {
      await this.client.send(new UpdateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      try {
        await this.client.send(new CreateScheduleCommand(input));
      } catch (createError) {
        if (!(createError instanceof ConflictException)) throw createError;
        await this.client.send(new UpdateScheduleCommand(input));
      }
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

export function eventBridgeSchedulerFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Scheduler {
  return new EventBridgeScheduler({
    groupName: required('SCHEDULER_GROUP_NAME', env),
    roleArn: required('SCHEDULER_ROLE_ARN', env),
    targetArn: (functionName) => required(`SCHEDULER_TARGET_${upperSnake(functionName)}_ARN`, env),
  });
}
