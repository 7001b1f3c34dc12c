/**
 * Manifest object triggers (`objectTriggers`) in AWS: an EventBridge rule per trigger matching the
 * bucket's "Object Created" events under the trigger's prefix, with the function as its target.
 *
 * The stateful stack turns on EventBridge notifications for every bucket a trigger names, so the
 * rule lives in the stack of the function it starts and the stateful stack never references that
 * function (no cross-stack cycle, no S3 notifications custom resource).
 */
import type { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { objectTriggers, type FunctionName } from '../../manifest';
import type { PigeonFunction, PigeonResources } from './pigeon-function';

export interface ObjectTriggerTargetOptions {
  /** EventBridge's own retries when it cannot invoke the function (throttling, service errors). */
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  /** Where EventBridge puts events it could not deliver after its retries. */
  readonly deadLetterQueue?: IQueue;
}

/**
 * One rule per manifest trigger of `functionName`, each with `fn` as its target; ids are
 * `<idPrefix><i>` (i counts that function's triggers). Fails when the manifest has none.
 */
export function objectTriggerRules(
  scope: Construct,
  idPrefix: string,
  functionName: FunctionName,
  fn: PigeonFunction,
  buckets: PigeonResources['buckets'],
  target: ObjectTriggerTargetOptions,
): events.Rule[] {
  const triggers = objectTriggers.filter((trigger) => trigger.function === functionName);
  if (triggers.length === 0) throw new Error(`The manifest has no objectTriggers for ${functionName}`);
  return triggers.map(
    (trigger, i) =>
      new events.Rule(scope, `${idPrefix}${i}`, {
        description: `Objects created under ${trigger.prefix} in the ${trigger.bucket} bucket start ${functionName}`,
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [buckets[trigger.bucket].bucketName] }, object: { key: [{ prefix: trigger.prefix }] } },
        },
        targets: [
          new targets.LambdaFunction(fn.function, {
            retryAttempts: target.retryAttempts,
            maxEventAge: target.maxEventAge,
            ...(target.deadLetterQueue ? { deadLetterQueue: target.deadLetterQueue } : {}),
          }),
        ],
      }),
  );
}
