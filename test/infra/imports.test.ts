/**
 * The imports stack: the upload trigger via EventBridge (no S3 → Lambda notification, so no
 * cross-stack cycle), the worker on the importJobs queue, least-privilege grants, cdk-nag clean.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { objectTriggers } from '../../infra/manifest';
import { build, resourcesOf, templates, type Built, type Templates } from './helpers';

let built: Built;
let t: Templates;

beforeAll(() => {
  built = build({ stage: 'dev' }, { nag: true });
  t = templates(built.stacks);
});

describe('imports stack', () => {
  it('turns on EventBridge notifications for the buckets with object triggers only (uploads, lake)', () => {
    const buckets = resourcesOf(t.stateful, 'AWS::S3::Bucket');
    const withEvents = buckets.filter(([, b]) => (b.Properties?.NotificationConfiguration as { EventBridgeConfiguration?: unknown } | undefined)?.EventBridgeConfiguration);
    const triggered = [...new Set(objectTriggers.map((trigger) => trigger.bucket))].sort();
    expect(triggered).toEqual(['lake', 'uploads']);
    expect(withEvents.map(([id]) => id).sort()).toEqual([expect.stringMatching(/^LakeBucket/), expect.stringMatching(/^UploadsBucket/)]);
    // No custom resource for bucket notifications.
    expect(resourcesOf(t.stateful, 'Custom::S3BucketNotifications')).toHaveLength(0);
  });

  it('routes Object Created events under imports/ of the uploads bucket to the upload function', () => {
    t.imports.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ prefix: 'imports/' }] } },
      },
      Targets: [Match.objectLike({ RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 4 }) })],
    });
    t.imports.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction' });
  });

  it('drains importJobs one message at a time with partial batch failures', () => {
    t.imports.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    t.imports.hasResourceProperties('AWS::Lambda::Function', { Timeout: 900, MemorySize: 2048, Environment: { Variables: Match.objectLike({ QUEUE_IMPORT_JOBS_URL: Match.anyValue(), TABLE_JOBS: Match.anyValue(), TABLE_CONTACTS: Match.anyValue(), BUCKET_UPLOADS: Match.anyValue() }) } });
  });

  it('gives the upload function read access only to the uploads bucket and contacts', () => {
    const policies = resourcesOf(t.imports, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('ImportUploadFunction'));
    const actions = JSON.stringify(policies.map(([, p]) => p.Properties?.PolicyDocument));
    expect(actions).not.toMatch(/s3:PutObject|s3:DeleteObject|sqs:SendMessage/);
    expect(actions).toMatch(/s3:GetObject/);
  });

  it('is cdk-nag clean', () => {
    const errors = Annotations.fromStack(built.stacks.imports).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => e.entry.data)).toEqual([]);
    const statefulErrors = Annotations.fromStack(built.stacks.stateful).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(statefulErrors).toEqual([]);
  });
});
