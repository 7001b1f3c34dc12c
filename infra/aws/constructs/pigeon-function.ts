/**
 * The one way Pigeon builds a Lambda function: NodejsFunction with the project's runtime, tracing,
 * logging and bundling settings, plus bind helpers that grant the least access a manifest
 * declaration asks for *and* set the environment variable through which the handler finds the
 * resource (`shared/config.ts` reads it and fails fast when it is missing).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode, Charset } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  buckets,
  queues,
  streams,
  tables,
  topics,
  type BucketName,
  type StreamName,
  type FunctionDeclaration,
  type QueueName,
  type ResourceRef,
  type TableName,
  type TopicName,
} from '../../manifest';
import { acknowledge, acknowledgeWildcards } from '../nag';

/** Repository root: entries in the manifest are relative to it. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Resources a function may be bound to, by manifest name (built by the stateful and messaging stacks). */
export interface PigeonResources {
  readonly tables: Readonly<Record<TableName, ITable>>;
  readonly buckets: Readonly<Record<BucketName, IBucket>>;
  readonly queues: Readonly<Record<QueueName, IQueue>>;
  readonly topics: Readonly<Record<TopicName, ITopic>>;
  /** SES sending: the stage's configuration set (events to the sesNotifications topic). */
  readonly mail?: { readonly configurationSetName: string };
  /** Delivery streams (the analytics stack's Firehose), for functions that write events to the lake. */
  readonly streams?: Readonly<Record<StreamName, firehose.IDeliveryStream>>;
  /** The event lake as Athena sees it (the analytics stack), for functions that run report queries. */
  readonly lake?: LakeQueryResources;
}

/** What a `{ lake: 'query' }` function needs: the workgroup, the Glue table and the S3 locations behind them. */
export interface LakeQueryResources {
  readonly workGroupName: string;
  readonly databaseName: string;
  readonly tableName: string;
  readonly lakeBucket: IBucket;
  /** The table's location in the lake bucket, e.g. `events/`. */
  readonly eventsPrefix: string;
  /** The workgroup's output location: bucket and prefix (e.g. `athena-results/`). */
  readonly resultsBucket: IBucket;
  readonly resultsPrefix: string;
  /** Encrypts the lake's objects and the query results (SSE-KMS). */
  readonly key: IKey;
}

export interface PigeonFunctionProps {
  /** Manifest key, e.g. `api`; becomes POWERTOOLS_SERVICE_NAME. */
  readonly name: string;
  readonly declaration: FunctionDeclaration;
  readonly stage: string;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  readonly environment?: Readonly<Record<string, string>>;
  /** A fixed physical name, for functions others must name before they exist (schedule targets). */
  readonly functionName?: string;
}

/** Loads `module` for CommonJS dependencies inside the ESM bundle (esbuild's shim needs a real `require`). */
const ESM_REQUIRE_BANNER = "import { createRequire as __pigeonCreateRequire } from 'node:module'; const require = __pigeonCreateRequire(import.meta.url);";

const RETENTION_DAYS = new Set<number>(Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number'));

export class PigeonFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  private readonly boundKeys = new Map<IKey, 'read' | 'readWrite'>();

  constructor(scope: Construct, id: string, props: PigeonFunctionProps) {
    super(scope, id);
    const entry = join(repoRoot, props.declaration.entry);
    if (!existsSync(entry)) throw new Error(`Function ${props.name}: entry ${props.declaration.entry} does not exist`);
    if (!RETENTION_DAYS.has(props.logRetentionDays)) {
      throw new Error(`Log retention ${props.logRetentionDays} days is not one CloudWatch offers (e.g. 30, 90, 365)`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });

    // An own role instead of AWSLambdaBasicExecutionRole: it may write to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Pigeon ${props.stage} ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      description: props.declaration.description,
      ...(props.functionName ? { functionName: props.functionName } : {}),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.declaration.memoryMb,
      timeout: Duration.seconds(props.declaration.timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Bundle the SDK: pinned versions, tree-shaken, no surprise from the runtime's copy.
        bundleAwsSDK: true,
        // The local-only DuckDB query engine (native, a devDependency) is imported dynamically
        // when PIGEON_RUNTIME=local; Lambda never loads it, so it stays out of every bundle.
        externalModules: ['@duckdb/node-api'],
        charset: Charset.UTF8,
        tsconfig: join(repoRoot, 'tsconfig.json'),
      },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        PIGEON_RUNTIME: 'aws',
        PIGEON_STAGE: props.stage,
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: `Pigeon/${props.stage}`,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
    });

    acknowledge(this, 'AwsSolutions-L1', 'Node.js 22 is the project runtime (DESIGN.md); moving to 24 is a deliberate, tested change');
    // X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level permissions.
    acknowledge(this.role, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray trace submission cannot be scoped to a resource');
  }

  addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /** Grants `access` to a manifest table (and its declared indexes) and sets its envVar. */
  bindTable(name: TableName, table: ITable, access: 'read' | 'readWrite'): this {
    const declaration = tables[name];
    const read = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'];
    const write = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
    // Named indexes rather than `index/*`: the manifest knows them, so no wildcard is needed.
    const indexArns = declaration.indexes.map((index) => `${table.tableArn}/index/${index.name}`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: access === 'read' ? read : [...read, ...write], resources: [table.tableArn, ...indexArns] }),
    );
    if (table.encryptionKey) this.bindKey(table.encryptionKey, access);
    this.function.addEnvironment(declaration.envVar, table.tableName);
    return this;
  }

  /** Grants object access to a manifest bucket and sets its envVar. */
  bindBucket(name: BucketName, bucket: IBucket, access: 'read' | 'readWrite'): this {
    const declaration = buckets[name];
    const objects = ['s3:GetObject'];
    if (access === 'readWrite') objects.push('s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload');
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: objects, resources: [bucket.arnForObjects('*')] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    // A bucket's ARN is a token or an S3 ARN; other services' `arn:…/*` findings are not this one's.
    acknowledgeWildcards(this.role, `Object keys are chosen at run time (workspace/…); access is limited to the ${name} bucket`, [
      /^Resource::(?!arn:)[^*]*\/\*$/,
      /^Resource::arn:[^:]+:s3:::[^*]*\/\*$/,
    ]);
    if (bucket.encryptionKey) this.bindKey(bucket.encryptionKey, access);
    this.function.addEnvironment(declaration.envVar, bucket.bucketName);
    return this;
  }

  /** `send` to produce, `consume` to receive and delete; sets the queue URL's envVar. */
  bindQueue(name: QueueName, queue: IQueue, access: 'send' | 'consume'): this {
    const declaration = queues[name];
    if (access === 'send') queue.grantSendMessages(this.role);
    else queue.grantConsumeMessages(this.role);
    if (queue.encryptionMasterKey) this.bindKey(queue.encryptionMasterKey, access === 'send' ? 'readWrite' : 'read');
    this.function.addEnvironment(declaration.envVar, queue.queueUrl);
    return this;
  }

  /**
   * `publish`: grants sns:Publish and sets the topic ARN's envVar. `subscribe`: the subscription
   * itself is made by the stack (an SnsEventSource); the function needs no permission for it.
   */
  bindTopic(name: TopicName, topic: ITopic, access: 'publish' | 'subscribe' = 'publish'): this {
    if (access === 'subscribe') return this;
    const declaration = topics[name];
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    if (topic.masterKey) this.bindKey(topic.masterKey, 'readWrite');
    this.function.addEnvironment(declaration.envVar, topic.topicArn);
    return this;
  }

  /** SES sending with the configuration set only (any verified identity of the account), and SES_CONFIGURATION_SET. */
  bindMail(mail: { readonly configurationSetName: string } | undefined): this {
    if (!mail) throw new Error('This function sends mail: pass the configuration set in PigeonResources.mail');
    const stack = Stack.of(this);
    const identities = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
    const configurationSet = stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: mail.configurationSetName });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [identities, configurationSet],
        // Only with the stage's configuration set, so every message is tracked.
        conditions: { StringEquals: { 'ses:ConfigurationSetName': mail.configurationSetName } },
      }),
    );
    acknowledgeWildcards(this.role, 'Sender identities are verified by the operator after deploy; sending is limited to the stage\'s configuration set', [/^Resource::arn:.*:ses:.*:identity\/\*$/]);
    this.function.addEnvironment('SES_CONFIGURATION_SET', mail.configurationSetName);
    return this;
  }

  /** firehose:PutRecord(Batch) on the stream, and its name in the declaration's envVar. */
  bindStream(name: StreamName, stream: firehose.IDeliveryStream | undefined): this {
    if (!stream) throw new Error(`This function puts records on the ${name} stream: pass it in PigeonResources.streams`);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'], resources: [stream.deliveryStreamArn] }));
    this.function.addEnvironment(streams[name].envVar, stream.deliveryStreamName);
    return this;
  }

  /**
   * Report queries over the lake: Athena in the stage's workgroup only; the Glue catalog, database
   * and events table; the lake's events/ objects; the workgroup's results prefix, which Athena
   * reads and writes with the caller's credentials; and the key both are encrypted with. Sets
   * ATHENA_WORKGROUP and ATHENA_DATABASE.
   */
  bindLake(lake: PigeonResources['lake']): this {
    if (!lake) throw new Error('This function queries the lake: pass the analytics stack\'s workgroup and table in PigeonResources.lake');
    const stack = Stack.of(this);
    const workGroup = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: lake.workGroupName });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
        resources: [workGroup],
      }),
    );
    const glue = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, ...(resourceName ? { resourceName } : {}) });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [glue('catalog'), glue('database', lake.databaseName), glue('table', `${lake.databaseName}/${lake.tableName}`)],
      }),
    );
    // Read-only on the lake, and only the table's location (not Firehose's errors/ output).
    const events = lake.lakeBucket.arnForObjects(`${lake.eventsPrefix}*`);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [events] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [lake.lakeBucket.bucketArn] }));
    // Query results: Athena writes them, and GetQueryResults reads them, as the caller.
    const results = lake.resultsBucket.arnForObjects(`${lake.resultsPrefix}*`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], resources: [results] }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [lake.resultsBucket.bucketArn] }),
    );
    acknowledgeWildcards(this.role, `Athena reads the lake's objects under ${lake.eventsPrefix} (read only), whose keys are dated partitions written by Firehose`, [
      new RegExp(`^Resource::.*/${escapeRegExp(lake.eventsPrefix)}\\*$`),
    ]);
    acknowledgeWildcards(this.role, `Athena names each query's result objects at run time; access is limited to ${lake.resultsPrefix} in the results bucket`, [
      new RegExp(`^Resource::.*/${escapeRegExp(lake.resultsPrefix)}\\*$`),
    ]);
    // Decrypt the lake's objects, encrypt and decrypt the results (SSE-KMS with the data key).
    this.bindKey(lake.key, 'readWrite');
    this.function.addEnvironment('ATHENA_WORKGROUP', lake.workGroupName);
    this.function.addEnvironment('ATHENA_DATABASE', lake.databaseName);
    return this;
  }

  /** Applies a declaration's `uses` list: every resource it names, with the access it names. */
  use(uses: readonly ResourceRef[], resources: PigeonResources): this {
    for (const ref of uses) {
      if ('table' in ref) this.bindTable(ref.table, resources.tables[ref.table], ref.access);
      else if ('bucket' in ref) this.bindBucket(ref.bucket, resources.buckets[ref.bucket], ref.access);
      else if ('queue' in ref) this.bindQueue(ref.queue, resources.queues[ref.queue], ref.access);
      else if ('topic' in ref) this.bindTopic(ref.topic, resources.topics[ref.topic], ref.access);
      else if ('stream' in ref) this.bindStream(ref.stream, resources.streams?.[ref.stream]);
      else if ('lake' in ref) this.bindLake(resources.lake);
      else this.bindMail(resources.mail);
    }
    return this;
  }

  /** KMS use of a resource's key, widened (never narrowed) when several resources share it. */
  private bindKey(key: IKey, access: 'read' | 'readWrite'): void {
    const current = this.boundKeys.get(key);
    if (current === 'readWrite' || current === access) return;
    this.boundKeys.set(key, access);
    const actions = access === 'read' ? ['kms:Decrypt', 'kms:DescribeKey'] : ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [key.keyArn] }));
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
