/**
 * cdk-nag (v3) for Pigeon: the AwsSolutions pack, plus acknowledgements of IAM wildcard findings
 * whose exact text is only known after synthesis.
 *
 * cdk-nag v3 acknowledges each IAM5 finding by its full text (e.g.
 * `AwsSolutions-IAM5[Resource::Pigeon-dev-Stateful:ExportsOutput…Arn…/*]`), and cross-stack
 * references only take their final form while the app synthesises. `acknowledgeWildcards()`
 * therefore records, next to the code that grants the access, *which* findings are expected (by
 * pattern) and *why*; `PigeonNagChecks` turns those into exact acknowledgements just before the
 * AwsSolutions rules run. Anything not matched still fails the synth.
 */
import { type CfnResource, Validations, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { CfnPolicy, CfnRole } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

interface WildcardAck {
  readonly rule: 'IAM4' | 'IAM5';
  readonly reason: string;
  /** Each finding (`Action::s3:GetObject*`, `Resource::<…>/*`) matching one of these is acknowledged. */
  readonly patterns: readonly RegExp[];
}

const wildcardAcks = new WeakMap<IConstruct, WildcardAck[]>();

/**
 * Acknowledges the AwsSolutions-IAM5 (wildcard permission) findings under `scope` that match
 * `patterns`, for `reason`. Use narrow patterns: one unexpected wildcard should still fail.
 */
export function acknowledgeWildcards(scope: IConstruct, reason: string, patterns: readonly RegExp[]): void {
  record(scope, { rule: 'IAM5', reason, patterns });
}

/**
 * Acknowledges AwsSolutions-IAM4 (AWS managed policy) findings under `scope` whose policy matches
 * one of `patterns` (the ARN's partition is a literal or `<AWS::Partition>` depending on the env).
 */
export function acknowledgeManagedPolicies(scope: IConstruct, reason: string, patterns: readonly RegExp[]): void {
  record(scope, { rule: 'IAM4', reason, patterns });
}

function record(scope: IConstruct, ack: WildcardAck): void {
  const list = wildcardAcks.get(scope) ?? [];
  list.push(ack);
  wildcardAcks.set(scope, list);
}

/** Acknowledges one rule (or one exact finding) on a construct and everything below it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

function findings(rule: WildcardAck['rule'], node: CfnResource): string[] {
  const result = rule === 'IAM5' ? rules.iam.IAMNoWildcardPermissions(node) : rules.iam.IAMNoManagedPolicies(node);
  return Array.isArray(result) ? result : [];
}

function ancestorsAndSelf(node: IConstruct): IConstruct[] {
  const chain: IConstruct[] = [];
  for (let current: IConstruct | undefined = node; current; current = current.node.scope) chain.push(current);
  return chain;
}

/** Turns the recorded patterns into exact acknowledgements on every IAM policy and role below them. */
export function resolveWildcardAcknowledgements(root: IConstruct): void {
  for (const node of root.node.findAll()) {
    if (!(node instanceof CfnPolicy || node instanceof CfnRole)) continue;
    const acks = ancestorsAndSelf(node).flatMap((scope) => wildcardAcks.get(scope) ?? []);
    if (acks.length === 0) continue;
    for (const rule of ['IAM4', 'IAM5'] as const) {
      for (const finding of findings(rule, node)) {
        const ack = acks.find((candidate) => candidate.rule === rule && candidate.patterns.some((pattern) => pattern.test(finding)));
        if (ack) Validations.of(node).acknowledge({ id: `AwsSolutions-${rule}[${finding}]`, reason: ack.reason });
      }
    }
  }
}

/**
 * The AwsSolutions pack, resolving pattern acknowledgements first. Register it on the app with
 * `Validations.of(app).addPlugins(new PigeonNagChecks())`; CDK calls validate() → validateScope().
 */
export class PigeonNagChecks extends AwsSolutionsChecks {
  override validateScope(scope: IConstruct): PolicyValidationPluginReport {
    resolveWildcardAcknowledgements(scope);
    return super.validateScope(scope);
  }
}
