/**
 * The whole platform on one machine: `startSandbox()` starts every emulator, creates every
 * resource the manifest declares, sets the environment the handlers read (the same variables
 * CDK sets in AWS), imports the handlers and wires them to the local gateway, queue runner,
 * scheduler and S3 events. `npm start` and the integration tests both use it.
 *
 * Data lives under `dataDir`: dynamodb/ (dynalite), s3/ (s3rver), queues/, schedules.json,
 * mail/ + mail-raw/ (SES emulator), keys/ (local issuer and cipher keys). While it runs,
 * `<dataDir>/sandbox.json` tells `npm run invoke` where everything is.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent, S3Event, S3EventRecord, SNSEvent } from 'aws-lambda';
import { buckets, functions, objectTriggers, queues, schedules, streams, topics, type StreamDeclaration, type BucketName, type FunctionDeclaration, type FunctionName, type QueueDeclaration } from '../manifest';
import { DuckDbQueryEngine } from '../../shared/adapters/local/query-engine.duckdb';
import { createTables, localRegion, startDynalite, type RunningDynamo } from './emulators/dynamodb';
import { startFirehoseEmulator, type RunningFirehose } from './emulators/firehose';
import { freePort } from './emulators/net';
import { startS3rver, type RunningS3 } from './emulators/s3';
import { startSesEmulator, type LocalSesEvent, type RunningSes } from './emulators/ses';
import { startConsoleServer, startGateway, type RunningServer } from './gateway';
import { contextFor, importHandler, isFunctionName, repoRoot, type LambdaHandler } from './lambda';
import { QueueRunner, type QueueConfig } from './queue-runner';
import { LocalSchedulerService } from './scheduler';

export const LOCAL_PREFIX = 'pigeon-local';
export const LOCAL_STAGE = 'local';

export interface SandboxPorts {
  readonly api?: number;
  readonly console?: number;
  readonly mail?: number;
  readonly dynamodb?: number;
  readonly s3?: number;
  readonly sqs?: number;
  readonly scheduler?: number;
  readonly firehose?: number;
}

export interface SandboxOptions {
  readonly dataDir: string;
  /** Wipe dataDir first. */
  readonly reset?: boolean;
  /** Seed the demo workspace (idempotent: a second run changes nothing). */
  readonly seed?: boolean;
  /** Serve console/dist (true), build it first when missing or older than its sources ('build'), or no console (false). */
  readonly console?: boolean | 'build';
  readonly quiet?: boolean;
  /** Fixed ports; any left out are free ports chosen at start. */
  readonly ports?: SandboxPorts;
  /** Extra variables for the handlers (e.g. MAIL_LEASE_SECONDS for a test), over the sandbox's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** Queue consumers' concurrency at most (default 4; the manifest's lanes ask for more in AWS). */
  readonly maxConsumerConcurrency?: number;
  /** Raw mail skips the SES emulator's parser and web inbox (kept as .eml and indexed): benchmarks. */
  readonly fastMail?: boolean;
  /** Every queue's visibility timeout (tests that crash consumers do not wait minutes for a retry). */
  readonly queueVisibilitySeconds?: number;
  /** How long the local Firehose buffers events before writing a lake object (default 2 s). */
  readonly lakeBufferSeconds?: number;
}

export interface DemoSignIn {
  readonly workspaceId: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
  readonly created: boolean;
}

export interface Sandbox {
  readonly apiUrl: string;
  readonly consoleUrl: string;
  readonly mailUrl: string;
  readonly sqsUrl: string;
  readonly schedulerUrl: string;
  readonly dataDir: string;
  /** Every variable set for the handlers. */
  readonly env: Readonly<Record<string, string>>;
  readonly ports: Required<SandboxPorts>;
  readonly demo?: DemoSignIn;
  readonly queueRunner: QueueRunner;
  readonly scheduler: LocalSchedulerService;
  /** The SES front: injected faults for reliability tests. */
  readonly ses: RunningSes;
  /** DuckDB over the lake bucket (the local Athena). */
  readonly queryEngine: DuckDbQueryEngine;
  /** The local Firehose: counts, and fault injection. */
  readonly firehose: RunningFirehose;
  /** Writes every buffered event into the lake now (the projector then runs on the new objects). */
  flushEvents(): Promise<void>;
  /** Calls a function's handler with an event, as `npm run invoke` does. */
  invoke(name: FunctionName, event: unknown): Promise<unknown>;
  /** Listens to s3rver's S3 events (ObjectCreated:*, ObjectRemoved:*) of every bucket. */
  onS3Event(listener: (event: S3Event) => void): void;
  stop(): Promise<void>;
}


/**
 * s3rver's S3 notification record → the EventBridge "Object Created" event S3 sends in AWS (the
 * uploads bucket notifies EventBridge; a rule per trigger prefix invokes the function), so one
 * handler shape serves both hosts.
 */
export function objectCreatedEvent(record: S3EventRecord): EventBridgeEvent<'Object Created', Record<string, unknown>> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: record.eventTime || new Date().toISOString(),
    region: localRegion,
    resources: [`arn:aws:s3:::${record.s3.bucket.name}`],
    detail: {
      version: '0',
      bucket: { name: record.s3.bucket.name },
      object: { key: record.s3.object.key, size: record.s3.object.size, etag: record.s3.object.eTag, sequencer: record.s3.object.sequencer },
      'request-id': record.responseElements?.['x-amz-request-id'] ?? randomUUID(),
      requester: '000000000000',
      'source-ip-address': record.requestParameters?.sourceIPAddress ?? '127.0.0.1',
      reason: record.eventName.replace(/^ObjectCreated:/, '') === 'CompleteMultipartUpload' ? 'CompleteMultipartUpload' : 'PutObject',
    },
  };
}

/** An SNS notification as Lambda receives it from a topic subscription. */
export function snsEventOf(topicArn: string, message: string): SNSEvent {
  const id = randomUUID();
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${id}`,
        Sns: {
          Type: 'Notification',
          MessageId: id,
          TopicArn: topicArn,
          Subject: '',
          Message: message,
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: '',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      },
    ],
  };
}

export const localBucketName = (bucket: BucketName): string => `${LOCAL_PREFIX}-${bucket.toLowerCase()}`;
export const localQueueName = (queue: string): string => `${LOCAL_PREFIX}-${queue}`;
export const localStreamName = (stream: string): string => `${LOCAL_PREFIX}-${stream}`;
export const localDlqName = (queue: string): string => `${LOCAL_PREFIX}-${queue}-dlq`;

/** Queue configs for the runner: every manifest queue and its dead-letter queue. */
export function localQueueConfigs(overrides: Partial<Pick<QueueConfig, 'visibilityTimeoutSeconds'>> = {}): QueueConfig[] {
  return (Object.entries(queues) as [string, QueueDeclaration][]).flatMap(([logical, declaration]) => [
    {
      name: localQueueName(logical),
      visibilityTimeoutSeconds: overrides.visibilityTimeoutSeconds ?? declaration.visibilityTimeoutSeconds,
      retentionSeconds: declaration.retentionDays * 86_400,
      redrive: { deadLetterQueue: localDlqName(logical), maxReceiveCount: declaration.maxReceiveCount },
    },
    // SQS's longest retention for the dead letters, as the messaging stack sets it.
    { name: localDlqName(logical), visibilityTimeoutSeconds: declaration.visibilityTimeoutSeconds, retentionSeconds: 14 * 86_400 },
  ]);
}

// Handlers read their configuration once, at import. A second sandbox in the same process can
// reuse them only if it gives them the same environment (same dataDir and ports).
let importedWith: Record<string, string> | undefined;

/** The newest modification time among the console's sources (src/, index.html, vite config). */
function newestConsoleSource(consoleDir: string): number {
  const sources = [join(consoleDir, 'index.html'), join(consoleDir, 'vite.config.ts')];
  for (const entry of readdirSync(join(consoleDir, 'src'), { recursive: true, encoding: 'utf8' })) sources.push(join(consoleDir, 'src', entry));
  return Math.max(...sources.filter((file) => existsSync(file)).map((file) => statSync(file).mtimeMs));
}

/** A build is due when there is none or a source changed after it, so no stale console is served. */
function consoleBuildDue(consoleDir: string): boolean {
  const index = join(consoleDir, 'dist', 'index.html');
  return !existsSync(index) || statSync(index).mtimeMs < newestConsoleSource(consoleDir);
}

async function buildConsole(quiet: boolean): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(repoRoot, 'console/vite.config.ts'), logLevel: quiet ? 'silent' : 'info' });
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dataDir = resolve(options.dataDir);
  const log = options.quiet ? () => undefined : (line: string) => console.log(`[sandbox] ${line}`);
  if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  const ports: Required<SandboxPorts> = {
    api: options.ports?.api ?? (await freePort()),
    console: options.ports?.console ?? (await freePort()),
    mail: options.ports?.mail ?? (await freePort()),
    dynamodb: options.ports?.dynamodb ?? (await freePort()),
    s3: options.ports?.s3 ?? (await freePort()),
    sqs: options.ports?.sqs ?? (await freePort()),
    scheduler: options.ports?.scheduler ?? (await freePort()),
    firehose: options.ports?.firehose ?? (await freePort()),
  };
  const apiUrl = `http://127.0.0.1:${ports.api}`;
  const consoleUrl = `http://127.0.0.1:${ports.console}`;

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((error: unknown) => log(`stop failed: ${String(error)}`));
  };
  const savedEnv = new Map<string, string | undefined>();

  try {
    // --- storage emulators and the manifest's resources ---
    const dynamo: RunningDynamo = await startDynalite({ path: join(dataDir, 'dynamodb'), port: ports.dynamodb });
    stops.push(() => dynamo.stop());
    const tableEnv = await createTables(dynamo.endpoint, LOCAL_PREFIX);

    const s3Dir = join(dataDir, 's3');
    mkdirSync(s3Dir, { recursive: true });
    const bucketNames = Object.keys(buckets) as BucketName[];
    const s3: RunningS3 = await startS3rver({ directory: s3Dir, buckets: bucketNames.map(localBucketName), port: ports.s3 });
    stops.push(() => s3.stop());

    // SES events reach the subscribers of the sesNotifications topic, as SNS would deliver them.
    let publishSesEvent: (event: LocalSesEvent) => void = () => undefined;
    const ses: RunningSes = await startSesEmulator({ dataDir, port: ports.mail, parseRaw: !options.fastMail, onEvent: (event) => publishSesEvent(event) });
    stops.push(() => ses.stop());

    // The lake's Firehose: stopped (and flushed) before s3rver, since stops run in reverse.
    const firehose: RunningFirehose = await startFirehoseEmulator({
      port: ports.firehose,
      s3Endpoint: s3.endpoint,
      region: localRegion,
      streams: Object.fromEntries(
        (Object.entries(streams) as [string, StreamDeclaration][]).map(([logical, declaration]) => [
          localStreamName(logical),
          { bucket: localBucketName(declaration.bucket), prefix: declaration.prefix, bufferSeconds: options.lakeBufferSeconds ?? 2, bufferBytes: 5 * 1024 * 1024 },
        ]),
      ),
    });
    stops.push(() => firehose.stop());

    const queueRunner = await QueueRunner.start({ queues: localQueueConfigs(options.queueVisibilitySeconds ? { visibilityTimeoutSeconds: options.queueVisibilitySeconds } : {}), dataDir: join(dataDir, 'queues'), port: ports.sqs });
    stops.push(() => queueRunner.stop());

    // --- the environment, exactly as CDK's bind helpers set it in AWS ---
    const env: Record<string, string> = {
      PIGEON_RUNTIME: 'local',
      PIGEON_STAGE: LOCAL_STAGE,
      AWS_REGION: localRegion,
      // Emulators accept any credentials; fixed ones keep real profiles out of the sandbox.
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      ...tableEnv,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_SQS: queueRunner.endpoint,
      AWS_ENDPOINT_URL_SESV2: ses.url,
      AWS_ENDPOINT_URL_FIREHOSE: firehose.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      LOCAL_S3_DIR: s3Dir,
      LOCAL_SCHEDULER_URL: `http://127.0.0.1:${ports.scheduler}`,
      LOCAL_KEYS_DIR: join(dataDir, 'keys'),
      JWT_ISSUER: `${apiUrl}/local-issuer`,
      JWT_AUDIENCE: 'pigeon-console',
      JWKS_URL: `${apiUrl}/.well-known/jwks.json`,
      CONSOLE_ORIGIN: consoleUrl,
      POWERTOOLS_SERVICE_NAME: 'pigeon',
      POWERTOOLS_METRICS_NAMESPACE: 'Pigeon',
      POWERTOOLS_LOG_LEVEL: options.quiet ? 'ERROR' : 'INFO',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      SES_CONFIGURATION_SET: `${LOCAL_PREFIX}-mail`,
      // Tracked links point at the local API's tracking routes; images and files at s3rver.
      TRACKING_BASE_URL: `${apiUrl}/t`,
      ASSETS_BASE_URL: `${s3.endpoint}/${localBucketName('assets')}`,
      // A laptop-sized pace: watch runs and retry leftovers every couple of seconds.
      MAIL_WATCH_SECONDS: '2',
      MAIL_CONTINUE_SECONDS: '2',
      MAIL_LEASE_SECONDS: '30',
      MAIL_RECONCILE_SECONDS: '5',
      // The local SES accepts any sender; these are the ones the pre-send check calls verified.
      MAIL_VERIFIED_DOMAINS: 'pigeon.local,example.com',
      // The local SES has no limit; these stand in for an account's (per process: workers share it).
      MAIL_SEND_RATE: '400',
      MAIL_MIN_RATE: '200',
      MAIL_MAX_RATE: '2000',
      ...options.env,
    };
    for (const bucket of bucketNames) env[buckets[bucket].envVar] = localBucketName(bucket);
    for (const [logical, declaration] of Object.entries(queues) as [string, QueueDeclaration][]) {
      env[declaration.envVar] = queueRunner.queueUrl(localQueueName(logical));
    }
    for (const [logical, declaration] of Object.entries(streams) as [string, StreamDeclaration][]) env[declaration.envVar] = localStreamName(logical);
    for (const [logical, declaration] of Object.entries(topics)) {
      env[declaration.envVar] = `arn:aws:sns:${localRegion}:000000000000:${LOCAL_PREFIX}-${logical}`;
    }
    for (const [key, value] of Object.entries(env)) {
      savedEnv.set(key, process.env[key]);
      process.env[key] = value;
    }

    if (importedWith) {
      const changed = Object.keys(env).filter((key) => importedWith?.[key] !== env[key]);
      if (changed.length > 0) {
        throw new Error(
          `Handlers in this process were loaded for another sandbox (${changed.join(', ')} differ): reuse its dataDir and ports, or start a new process`,
        );
      }
    }

    // --- handlers, imported only now that the environment is complete ---
    const handlers = new Map<FunctionName, LambdaHandler>();
    for (const name of Object.keys(functions) as FunctionName[]) handlers.set(name, await importHandler(name));
    importedWith = env;
    const invoke = async (name: FunctionName, event: unknown): Promise<unknown> => {
      const handler = handlers.get(name);
      if (!handler) throw new Error(`No function ${name}`);
      return handler(event, contextFor(name));
    };

    // Event source mappings: each function that consumes a queue drains it.
    for (const [name, declaration] of Object.entries(functions) as [FunctionName, FunctionDeclaration][]) {
      for (const use of declaration.uses) {
        if ('queue' in use && use.access === 'consume') {
          queueRunner.attachConsumer(localQueueName(use.queue), {
            name,
            handler: handlers.get(name) as LambdaHandler,
            timeoutSeconds: declaration.timeoutSeconds,
            batchSize: queues[use.queue].consumerBatchSize ?? 10,
            concurrency: Math.min(options.maxConsumerConcurrency ?? 4, (queues[use.queue] as QueueDeclaration).consumerConcurrency ?? 1),
            onError: (error) => log(`${name} failed a batch: ${String(error)}`),
          });
        }
      }
    }

    // Topic subscriptions: SNS-shaped events to every subscriber.
    const subscribers = (Object.entries(functions) as [FunctionName, FunctionDeclaration][])
      .filter(([, declaration]) => declaration.uses.some((use) => 'topic' in use && use.topic === 'sesNotifications' && use.access === 'subscribe'))
      .map(([name]) => name);
    publishSesEvent = (event) => {
      for (const name of subscribers) {
        invoke(name, snsEventOf(env[topics.sesNotifications.envVar] as string, JSON.stringify(event))).catch((error: unknown) => log(`${name} failed an SES event: ${String(error)}`));
      }
    };

    // Bucket notifications.
    s3.onEvent((event) => {
      for (const record of event.Records) {
        for (const trigger of objectTriggers) {
          if (record.s3.bucket.name !== localBucketName(trigger.bucket)) continue;
          if (trigger.prefix && !record.s3.object.key.startsWith(trigger.prefix)) continue;
          if (!record.eventName.startsWith('ObjectCreated')) continue;
          invoke(trigger.function, objectCreatedEvent(record)).catch((error: unknown) => log(`${trigger.function} failed on ${record.s3.object.key}: ${String(error)}`));
        }
      }
    });

    const scheduler = await LocalSchedulerService.start({
      file: join(dataDir, 'schedules.json'),
      port: ports.scheduler,
      invoke: (name, payload) => invoke(name as FunctionName, payload),
      knownFunction: isFunctionName,
      onError: (name, error) => log(`schedule ${name} failed: ${String(error)}`),
    });
    stops.push(() => scheduler.stop());
    // The manifest's fixed schedules, as the scheduling stack creates them in AWS.
    for (const [name, schedule] of Object.entries(schedules)) {
      scheduler.upsert({ name: `${LOCAL_PREFIX}-${name}`, expression: schedule.expression, target: { function: schedule.function, payload: {} } });
    }

    const queryEngine = new DuckDbQueryEngine(join(s3Dir, localBucketName('lake')));
    stops.push(() => queryEngine.close());

    // --- the gateway, the issuer's keys, the console ---
    const { loadLocalIssuer } = await import('../../shared/auth/local-issuer');
    const issuer = await loadLocalIssuer(env.LOCAL_KEYS_DIR as string);
    const gateway: RunningServer = await startGateway({
      port: ports.api,
      stage: LOCAL_STAGE,
      api: handlers.get('api') as LambdaHandler,
      authorizer: handlers.get('authorizer') as LambdaHandler,
      jwks: async () => issuer.jwks(),
      corsOrigin: consoleUrl,
      log: options.quiet ? undefined : (line) => log(line),
      tracking: handlers.get('tracking') as LambdaHandler,
    });
    stops.push(() => gateway.stop());

    if (options.console !== false) {
      const distDir = join(repoRoot, 'console', 'dist');
      if (options.console === 'build' && consoleBuildDue(join(repoRoot, 'console'))) {
        log('building the console …');
        await buildConsole(options.quiet ?? false);
      }
      const consoleServer = await startConsoleServer({ port: ports.console, distDir, config: () => ({ apiUrl, stage: LOCAL_STAGE }) });
      stops.push(() => consoleServer.stop());
    }

    let demo: DemoSignIn | undefined;
    if (options.seed) {
      const { seedDemoWorkspace } = await import('../../shared/identity/demo-seed');
      const result = await seedDemoWorkspace();
      demo = { workspaceId: result.workspaceId, adminEmail: result.adminEmail, adminPassword: result.adminPassword, created: result.created };
      log(result.created ? 'seeded the demo workspace' : 'demo workspace already there');
    }

    const sandboxFile = join(dataDir, 'sandbox.json');
    const info = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      apiUrl,
      consoleUrl,
      mailUrl: ses.url,
      sqsUrl: queueRunner.endpoint,
      schedulerUrl: scheduler.url,
      env,
    };
    writeFileSync(sandboxFile, JSON.stringify(info, null, 2));
    stops.push(async () => rmSync(sandboxFile, { force: true }));

    let stopping: Promise<void> | undefined;
    return {
      apiUrl,
      consoleUrl,
      mailUrl: ses.url,
      sqsUrl: queueRunner.endpoint,
      schedulerUrl: scheduler.url,
      dataDir,
      env,
      ports,
      demo,
      queueRunner,
      scheduler,
      ses,
      queryEngine,
      firehose,
      flushEvents: () => firehose.flush(),
      invoke,
      onS3Event: (listener) => s3.onEvent(listener),
      stop: () => {
        stopping ??= (async () => {
          await stopAll();
          for (const [key, value] of savedEnv) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    for (const [key, value] of savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    throw error;
  }
}
