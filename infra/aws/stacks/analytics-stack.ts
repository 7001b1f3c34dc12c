/**
 * The event lake: a Firehose stream writes events into the lake bucket under
 * `events/dt=YYYY-MM-DD/`, a Glue table describes them (partition projection on dt, so no crawler
 * and no MSCK REPAIR), and an Athena workgroup queries them with its results in the reports bucket
 * and a hard limit on scanned bytes. The local sandbox's DuckDB engine reads the same layout.
 */
import { Duration, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { lakeEventColumns } from '../../../shared/lake/event';
import { acknowledge, acknowledgeWildcards } from '../nag';
import type { StageConfig } from '../stage';

export interface AnalyticsStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly lakeBucket: s3.IBucket;
  readonly reportsBucket: s3.IBucket;
  readonly dataKey: kms.IKey;
}

/** Where events land; the Glue table and the sandbox's query engine use the same layout. */
export const EVENTS_PREFIX = 'events/';
export const ATHENA_RESULTS_PREFIX = 'athena-results/';

/** Columns of one event line (JSON): the same list the sandbox's DuckDB views use (shared/lake/event.ts). */
export const EVENT_COLUMNS: readonly glue.CfnTable.ColumnProperty[] = lakeEventColumns.map(([name, type, , comment]) => ({ name, type, ...(comment ? { comment } : {}) }));

export class AnalyticsStack extends Stack {
  readonly deliveryStream: firehose.DeliveryStream;
  readonly database: glue.CfnDatabase;
  readonly eventsTable: glue.CfnTable;
  readonly workGroup: athena.CfnWorkGroup;
  /** Glue database name (stage-scoped: Glue has no generated names). */
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { stage } = props;

    const firehoseLogs = new logs.LogGroup(this, 'FirehoseLogs', {
      retention: stage.logRetentionDays as logs.RetentionDays,
      removalPolicy: stage.removalPolicy,
    });
    this.deliveryStream = new firehose.DeliveryStream(this, 'Events', {
      encryption: firehose.StreamEncryption.awsOwnedKey(),
      destination: new firehose.S3Bucket(props.lakeBucket, {
        dataOutputPrefix: `${EVENTS_PREFIX}dt=!{timestamp:yyyy-MM-dd}/`,
        errorOutputPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
        bufferingInterval: Duration.minutes(1),
        bufferingSize: Size.mebibytes(64),
        compression: firehose.Compression.GZIP,
        encryptionKey: props.dataKey,
        loggingConfig: new firehose.EnableLogging(firehoseLogs),
      }),
    });
    acknowledgeWildcards(
      this.deliveryStream,
      'Firehose writes objects under date prefixes it derives at run time, into the lake bucket only (CDK grant)',
      [/^Resource::.*\/\*$/, /^Action::s3:(Abort|DeleteObject|GetObject|GetBucket|List|PutObject)/, /^Action::kms:(ReEncrypt|GenerateDataKey)\*$/],
    );

    // Glue names are physical and account-wide, so they carry the stage (Glue has no generated names).
    this.databaseName = `pigeon_${stage.name.replace(/-/g, '_')}`;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: this.account,
      databaseInput: { name: this.databaseName, description: `Pigeon ${stage.name} event lake` },
    });

    const eventsLocation = `s3://${props.lakeBucket.bucketName}/${EVENTS_PREFIX}`;
    this.eventsTable = new glue.CfnTable(this, 'EventsTable', {
      catalogId: this.account,
      databaseName: this.databaseName,
      tableInput: {
        name: 'events',
        description: 'Tracking and delivery events, one JSON object per line, partitioned by UTC date',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [{ name: 'dt', type: 'string' }],
        parameters: {
          classification: 'json',
          compressionType: 'gzip',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2024-01-01,NOW',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${eventsLocation}dt=\${dt}/`,
        },
        storageDescriptor: {
          location: eventsLocation,
          columns: [...EVENT_COLUMNS],
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'true' },
          },
        },
      },
    });
    this.eventsTable.addResourceDependency(this.database);
    acknowledge(this, 'CloudFormation-Validate::W7001', "aws-cdk-lib's Firehose construct adds its regional CIDR mapping whether or not it is used");

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `pigeon-${stage.name}`,
      description: `Pigeon ${stage.name}: report queries over the event lake`,
      state: 'ENABLED',
      recursiveDeleteOption: !stage.prodLike,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: stage.athenaBytesScannedCutoff,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.reportsBucket.bucketName}/${ATHENA_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.dataKey.keyArn },
        },
      },
    });
  }
}
