/**
 * Deploy-time settings, read once from CDK context (`-c key=value` or cdk.json). Everything a
 * stack varies by stage lives here, so stacks never read context themselves.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';

export interface StageConfig {
  /** Lower-case stage name, part of every stack name (`Pigeon-<stage>-<Part>`). */
  readonly name: string;
  /** Production-like stages keep their data when a stack is deleted and turn on paid protections. */
  readonly prodLike: boolean;
  /** What happens to stateful resources when their stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** Create the account-wide API Gateway CloudWatch role (needed once per account and region). */
  readonly apiGatewayCloudWatchRole: boolean;
  /** Cognito Plus feature plan with enforced threat protection (billed per active user). */
  readonly cognitoThreatProtection: boolean;
  /** E-mail address told about alarms (dead-letter queues); none: the alarm topic has no subscriber. */
  readonly alarmEmail?: string;
  /** Athena refuses queries that would scan more than this many bytes. */
  readonly athenaBytesScannedCutoff: number;
  /** Days CloudWatch keeps function and API access logs. */
  readonly logRetentionDays: number;
}

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;

function flag(node: Node, key: string, fallback: boolean): boolean {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  return value === true || value === 'true';
}

function positiveNumber(node: Node, key: string, fallback: number): number {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`Context ${key} must be a positive number, not "${String(value)}"`);
  return parsed;
}

export function isProdLike(stage: string): boolean {
  return /^(prod|production|live|staging)(-|$)/.test(stage);
}

/** Reads the stage settings from context; fails fast on a malformed value. */
export function stageConfig(node: Node): StageConfig {
  const name = String(node.tryGetContext('stage') ?? 'dev');
  if (!STAGE_PATTERN.test(name)) {
    throw new Error(`Stage "${name}" must match ${STAGE_PATTERN} (it becomes part of stack and resource names)`);
  }
  const prodLike = flag(node, 'prodLike', isProdLike(name));
  const alarmEmail: unknown = node.tryGetContext('alarmEmail');
  return {
    name,
    prodLike,
    removalPolicy: prodLike ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    apiGatewayCloudWatchRole: flag(node, 'apiGatewayCloudWatchRole', true),
    cognitoThreatProtection: flag(node, 'cognitoThreatProtection', prodLike),
    ...(typeof alarmEmail === 'string' && alarmEmail !== '' ? { alarmEmail } : {}),
    athenaBytesScannedCutoff: Math.round(positiveNumber(node, 'athenaScanLimitGb', 10) * 1024 ** 3),
    logRetentionDays: positiveNumber(node, 'logRetentionDays', prodLike ? 365 : 30),
  };
}
