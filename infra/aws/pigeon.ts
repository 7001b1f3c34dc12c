/**
 * Builds every Pigeon stack of one stage into an app. app.ts (the CDK entry) and the infra tests
 * both call it, so the tests check exactly what `cdk deploy` deploys.
 *
 * Order and dependencies: Console (hosting) → Stateful → Analytics (Firehose into the lake),
 * Messaging, Auth, Scheduling → Api → ConsoleContent; Tracking (function URL behind CloudFront,
 * engagement projector) after Stateful, Messaging and Analytics; Delivery (planner, mail worker,
 * SES notifications) after Tracking, whose distribution is the base of tracked links; Reports
 * (report worker, hourly dispatch sweep) after Stateful, Messaging and Analytics, whose workgroup
 * and Glue table it queries by name (so it depends on Analytics explicitly).
 * Resources cross stacks only as typed props.
 */
import { Validations, type App, type Environment } from 'aws-cdk-lib';
import type { PigeonResources } from './constructs/pigeon-function';
import { PigeonNagChecks } from './nag';
import { stageConfig, type StageConfig } from './stage';
import { AnalyticsStack, ATHENA_RESULTS_PREFIX, EVENTS_PREFIX } from './stacks/analytics-stack';
import { ApiStack } from './stacks/api-stack';
import { AuthStack } from './stacks/auth-stack';
import { ConsoleContentStack, ConsoleStack } from './stacks/console-stack';
import { ExportsStack } from './stacks/exports-stack';
import { ImportsStack } from './stacks/imports-stack';
import { MessagingStack } from './stacks/messaging-stack';
import { SchedulingStack } from './stacks/scheduling-stack';
import { DeliveryStack, plannerFunctionName } from './stacks/delivery-stack';
import { ReportsStack } from './stacks/reports-stack';
import { StatefulStack } from './stacks/stateful-stack';
import { TrackingStack } from './stacks/tracking-stack';

export interface PigeonStacks {
  readonly stage: StageConfig;
  readonly console: ConsoleStack;
  readonly stateful: StatefulStack;
  readonly messaging: MessagingStack;
  readonly auth: AuthStack;
  readonly api: ApiStack;
  readonly analytics: AnalyticsStack;
  readonly scheduling: SchedulingStack;
  readonly tracking: TrackingStack;
  readonly delivery: DeliveryStack;
  readonly reports: ReportsStack;
  readonly consoleContent: ConsoleContentStack;
  readonly imports: ImportsStack;
  readonly exports: ExportsStack;
}

export interface BuildOptions {
  /** Run cdk-nag's AwsSolutions pack during synth (the CLI app always does). */
  readonly nag?: boolean;
  /** Where the console's build lives (tests point it at a fixture). */
  readonly consoleDistDir?: string;
  /** Account/region; default CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION (set by the CLI), else agnostic. */
  readonly env?: Environment;
}

/** Account and region from the CLI's profile when known; otherwise environment-agnostic (offline synth). */
function environment(): Environment | undefined {
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  return account || region ? { ...(account ? { account } : {}), ...(region ? { region } : {}) } : undefined;
}

/** The Glue table's name as the analytics stack declares it (a literal there). */
function eventsTableName(analytics: AnalyticsStack): string {
  const name: unknown = (analytics.eventsTable.tableInput as { name?: unknown }).name;
  if (typeof name !== 'string') throw new Error('The analytics stack\'s events table has no literal name');
  return name;
}

export function buildPigeon(app: App, options: BuildOptions = {}): PigeonStacks {
  const stage = stageConfig(app.node);
  const env = options.env ?? environment();
  const common = (part: string) => ({
    stackName: `Pigeon-${stage.name}-${part}`,
    description: `Pigeon (${stage.name}): ${part}`,
    ...(env ? { env } : {}),
    tags: { project: 'pigeon', stage: stage.name },
    stage,
  });
  const id = (part: string) => `Pigeon-${stage.name}-${part}`;

  const consoleStack = new ConsoleStack(app, id('Console'), common('Console'));
  const stateful = new StatefulStack(app, id('Stateful'), { ...common('Stateful'), consoleOrigin: consoleStack.origin });
  const messaging = new MessagingStack(app, id('Messaging'), common('Messaging'));
  const auth = new AuthStack(app, id('Auth'), common('Auth'));
  const scheduling = new SchedulingStack(app, id('Scheduling'), common('Scheduling'));
  const analytics = new AnalyticsStack(app, id('Analytics'), {
    ...common('Analytics'),
    lakeBucket: stateful.buckets.lake,
    reportsBucket: stateful.buckets.reports,
    dataKey: stateful.dataKey,
  });
  // Only the functions whose manifest `uses` name a resource reference it (and so its stack).
  const resources: PigeonResources = {
    tables: stateful.tables,
    buckets: stateful.buckets,
    queues: messaging.queues,
    topics: messaging.topics,
    streams: { events: analytics.deliveryStream },
    mail: { configurationSetName: messaging.configurationSet.configurationSetName },
    // Literal names (the workgroup and the Glue database and table have fixed, stage-scoped names):
    // no export ties the functions' policies to the analytics stack's resources.
    lake: {
      workGroupName: analytics.workGroup.name,
      databaseName: analytics.databaseName,
      tableName: eventsTableName(analytics),
      lakeBucket: stateful.buckets.lake,
      eventsPrefix: EVENTS_PREFIX,
      resultsBucket: stateful.buckets.reports,
      resultsPrefix: ATHENA_RESULTS_PREFIX,
      key: stateful.dataKey,
    },
  };
  const api = new ApiStack(app, id('Api'), {
    ...common('Api'),
    resources,
    scheduling: { groupName: scheduling.scheduleGroup.scheduleGroupName, roleArn: scheduling.executionRole.roleArn, plannerFunctionName: plannerFunctionName(stage.name) },
    assetsUrl: stateful.assetsUrl,
    userPool: auth.userPool,
    consoleClient: auth.consoleClient,
    issuerUrl: auth.issuerUrl,
    jwksUrl: auth.jwksUrl,
    apiKeysKey: stateful.apiKeysKey,
    consoleOrigin: consoleStack.origin,
  });
  const consoleContent = new ConsoleContentStack(app, id('ConsoleContent'), {
    ...common('ConsoleContent'),
    bucket: consoleStack.bucket,
    distribution: consoleStack.distribution,
    apiUrl: api.url,
    ...(options.consoleDistDir ? { distDir: options.consoleDistDir } : {}),
  });

  const imports = new ImportsStack(app, id('Imports'), {
    ...common('Imports'),
    resources,
  });

  const exportsStack = new ExportsStack(app, id('Exports'), {
    ...common('Exports'),
    resources,
  });

  const tracking = new TrackingStack(app, id('Tracking'), {
    ...common('Tracking'),
    resources,
    trackingKey: stateful.trackingKey,
    logsBucket: stateful.logsBucket,
    alarmTopic: messaging.alarmTopic,
  });

  const delivery = new DeliveryStack(app, id('Delivery'), {
    ...common('Delivery'),
    resources,
    trackingBaseUrl: tracking.trackingBaseUrl,
    assetsUrl: stateful.assetsUrl,
    trackingKey: stateful.trackingKey,
    schedulerRoleArn: scheduling.executionRole.roleArn,
  });

  const reports = new ReportsStack(app, id('Reports'), {
    ...common('Reports'),
    resources,
    alarmTopic: messaging.alarmTopic,
  });
  // The workgroup and the table are named, not referenced: deploy them first.
  reports.addStackDependency(analytics, 'queries the Athena workgroup and the Glue events table');

  if (options.nag ?? true) Validations.of(app).addPlugins(new PigeonNagChecks());
  return { stage, console: consoleStack, stateful, messaging, auth, api, analytics, scheduling, consoleContent, imports, exports: exportsStack, tracking, delivery, reports };
}
