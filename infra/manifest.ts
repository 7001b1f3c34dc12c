/**
 * The one declaration of every stateful resource and every function.
 *
 * The CDK stacks (infra/aws) and the local sandbox (infra/local) both read this file, so the
 * cloud and the laptop cannot drift apart. Logical names only: physical names are left to
 * CloudFormation (AWS) or derived from these keys (locally), so two stages deploy side by side.
 *
 * Each resource also names the environment variable through which a function learns its
 * physical name; `shared/config.ts` reads those variables and fails fast when one is missing.
 */

export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDeclaration {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDeclaration {
  readonly description: string;
  readonly envVar: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes: readonly IndexDeclaration[];
  /** Clean-up only: code always checks expiry itself (the emulators have no TTL). */
  readonly ttlAttribute?: string;
}

export interface QueueDeclaration {
  readonly description: string;
  readonly envVar: string;
  /** Message queues: which channel's worker drains it (lanes of one channel share a worker). */
  readonly channel?: 'mail' | 'sms' | 'fax';
  /** Mail lanes: priority (triggered), bulk (formal), low (test); SMS and fax use priority and bulk. */
  readonly lane?: 'priority' | 'bulk' | 'low';
  readonly visibilityTimeoutSeconds: number;
  readonly retentionDays: number;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Messages in the dead-letter queue at or above which the alarm fires. */
  readonly dlqAlarmThreshold: number;
  /** Messages per consumer invocation (the event source mapping's batch size; 10 when absent). */
  readonly consumerBatchSize?: number;
  /** Concurrent consumer invocations at most (the event source mapping's maximum concurrency, ≥ 2; unbounded when absent). */
  readonly consumerConcurrency?: number;
}

export interface BucketDeclaration {
  readonly description: string;
  readonly envVar: string;
  /** Days after which objects expire (none: kept). */
  readonly expireAfterDays?: number;
  /** Browsers upload straight to it through presigned URLs. */
  readonly browserUploads?: boolean;
}

export interface TopicDeclaration {
  readonly description: string;
  readonly envVar: string;
}

/** A Firehose delivery stream (AWS) / the local Firehose front (sandbox) writing into a bucket's prefix. */
export interface StreamDeclaration {
  readonly description: string;
  readonly envVar: string;
  readonly bucket: BucketName;
  /** Objects land under `<prefix>dt=YYYY-MM-DD/` (arrival date, UTC). */
  readonly prefix: string;
  /** Seconds Firehose buffers before writing an object (the sandbox uses its own, shorter value). */
  readonly bufferSeconds: number;
}

/** A fixed schedule (EventBridge Scheduler in AWS, the local scheduler in the sandbox) invoking a function. */
export interface ScheduleDeclaration {
  readonly description: string;
  /** EventBridge Scheduler expression: `cron(…)` or `rate(…)`, UTC. */
  readonly expression: string;
  readonly function: FunctionName;
}

export type ResourceRef =
  | { readonly table: TableName; readonly access: 'read' | 'readWrite' }
  | { readonly bucket: BucketName; readonly access: 'read' | 'readWrite' }
  | { readonly queue: QueueName; readonly access: 'send' | 'consume' }
  | { readonly topic: TopicName; readonly access: 'publish' | 'subscribe' }
  /** Sends e-mail through SES with the stage's configuration set (SES_CONFIGURATION_SET). */
  | { readonly mail: 'send' }
  /** Puts records on a delivery stream (firehose:PutRecord / PutRecordBatch). */
  | { readonly stream: StreamName; readonly access: 'put' }
  /** Runs report queries over the lake: Athena in the stage's workgroup, the Glue table, the lake's objects (ATHENA_WORKGROUP, ATHENA_DATABASE). */
  | { readonly lake: 'query' };

/** A function started when an object lands in a bucket (an S3 notification in AWS, s3rver's event locally). */
export interface ObjectTrigger {
  readonly bucket: BucketName;
  /** Only keys under this prefix start the function. */
  readonly prefix: string;
  readonly function: FunctionName;
}

export interface FunctionDeclaration {
  readonly description: string;
  /** Path from the repository root to the handler module (exports `handler`). */
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly uses: readonly ResourceRef[];
}

const pk: KeyAttribute = { name: 'pk', type: 'S' };
const sk: KeyAttribute = { name: 'sk', type: 'S' };

export const tables = {
  contacts: {
    description: 'Contacts of every workspace, their e-mail claims and search entries, and each workspace\'s custom fields, groups and newsletter categories (sort keys DEF#…)',
    envVar: 'TABLE_CONTACTS',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        name: 'byName',
        partitionKey: { name: 'gsi1pk', type: 'S' },
        sortKey: { name: 'gsi1sk', type: 'S' },
      },
    ],
  },
  identity: {
    description: 'Workspaces, departments, users and partner API keys',
    envVar: 'TABLE_IDENTITY',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        name: 'byLookup',
        partitionKey: { name: 'gsi1pk', type: 'S' },
        sortKey: { name: 'gsi1sk', type: 'S' },
      },
    ],
  },
  campaigns: {
    description: 'Campaigns, their content versions and approvals',
    envVar: 'TABLE_CAMPAIGNS',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        name: 'byStatus',
        partitionKey: { name: 'gsi1pk', type: 'S' },
        sortKey: { name: 'gsi1sk', type: 'S' },
      },
    ],
  },
  deliveries: {
    description: 'The delivery ledger: one item per campaign and recipient',
    envVar: 'TABLE_DELIVERIES',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      {
        name: 'byRecipient',
        partitionKey: { name: 'gsi1pk', type: 'S' },
        sortKey: { name: 'gsi1sk', type: 'S' },
      },
    ],
  },
  suppression: {
    description: 'Addresses never to be sent to again (bounces, complaints, unsubscribes)',
    envVar: 'TABLE_SUPPRESSION',
    partitionKey: pk,
    sortKey: sk,
    indexes: [],
  },
  jobs: {
    description: 'Long-running jobs (imports, exports) with their options, progress and results',
    envVar: 'TABLE_JOBS',
    partitionKey: pk,
    sortKey: sk,
    indexes: [],
  },
  engagement: {
    description: 'What the engagement projector derives from the event lake: recipient timelines, campaign counters and comments, score settings',
    envVar: 'TABLE_ENGAGEMENT',
    partitionKey: pk,
    sortKey: sk,
    indexes: [],
    ttlAttribute: 'expiresAt',
  },
  idempotency: {
    description: 'Idempotency records and request nonces, each with an expiry checked in code',
    envVar: 'TABLE_IDEMPOTENCY',
    partitionKey: { name: 'id', type: 'S' },
    indexes: [],
    ttlAttribute: 'expiration',
  },
} as const satisfies Record<string, TableDeclaration>;

// Lanes are separate queues drained by one worker; each lane's own concurrency cap keeps a big
// formal send from starving triggered mail, and tests from slowing either.
const laneConcurrency = { priority: 20, bulk: 10, low: 2 } as const;

function queue(channel: 'mail' | 'sms' | 'fax', lane: 'priority' | 'bulk' | 'low'): QueueDeclaration {
  return {
    description: `${channel} messages, ${lane} lane`,
    envVar: `QUEUE_${channel.toUpperCase()}_${lane.toUpperCase()}_URL`,
    channel,
    lane,
    // A mail part (≤ 50 recipients) sends well within the worker's 120 s; visibility covers one run.
    visibilityTimeoutSeconds: channel === 'fax' ? 300 : 180,
    retentionDays: 4,
    maxReceiveCount: 5,
    dlqAlarmThreshold: 1,
    ...(channel === 'mail' ? { consumerBatchSize: 1, consumerConcurrency: laneConcurrency[lane] } : {}),
  };
}

export const queues = {
  mailPriority: queue('mail', 'priority'),
  mailBulk: queue('mail', 'bulk'),
  mailLow: queue('mail', 'low'),
  smsPriority: queue('sms', 'priority'),
  smsBulk: queue('sms', 'bulk'),
  faxPriority: queue('fax', 'priority'),
  faxBulk: queue('fax', 'bulk'),
  // Job queues carry "run (or continue) job X" messages; a worker checkpoints in the jobs table
  // and re-queues itself before its time runs out, so visibility covers one 15-minute run.
  importJobs: {
    description: 'Contact import jobs: start or continue one import',
    envVar: 'QUEUE_IMPORT_JOBS_URL',
    visibilityTimeoutSeconds: 960,
    retentionDays: 4,
    maxReceiveCount: 3,
    dlqAlarmThreshold: 1,
    // One job per invocation: each run owns the invocation's whole time budget.
    consumerBatchSize: 1,
  },
  // Launch and schedules put runs here; the planner also re-queues itself to watch a run finish.
  campaignRuns: {
    description: 'Campaign runs to plan (freeze the audience, reserve points, fan out to the mail lanes) and to watch until every part is done',
    envVar: 'QUEUE_CAMPAIGN_RUNS_URL',
    visibilityTimeoutSeconds: 960,
    retentionDays: 4,
    maxReceiveCount: 3,
    dlqAlarmThreshold: 1,
    // One run per invocation: planning a large audience owns the invocation's time budget.
    consumerBatchSize: 1,
  },
  reportJobs: {
    description: 'Report work: generate a campaign\'s report snapshots, write a recipient list, or e-mail a report dispatch',
    envVar: 'QUEUE_REPORT_JOBS_URL',
    visibilityTimeoutSeconds: 960,
    retentionDays: 4,
    maxReceiveCount: 3,
    dlqAlarmThreshold: 1,
    // One piece of work per invocation: a generation owns the invocation's time budget.
    consumerBatchSize: 1,
  },
  exportJobs: {
    description: 'Contact export jobs: start or continue one export',
    envVar: 'QUEUE_EXPORT_JOBS_URL',
    visibilityTimeoutSeconds: 960,
    retentionDays: 4,
    maxReceiveCount: 3,
    dlqAlarmThreshold: 1,
    // One job per invocation: each run owns the invocation's whole time budget.
    consumerBatchSize: 1,
  },
} as const satisfies Record<string, QueueDeclaration>;

export const buckets = {
  uploads: {
    description: 'Contact imports and EDM archives uploaded from the console or by partners',
    envVar: 'BUCKET_UPLOADS',
    expireAfterDays: 30,
    browserUploads: true,
  },
  assets: {
    description: 'Images and files hosted for e-mail content',
    envVar: 'BUCKET_ASSETS',
    browserUploads: true,
  },
  lake: {
    description: 'The event lake: tracking and delivery events partitioned by date',
    envVar: 'BUCKET_LAKE',
  },
  reports: {
    description: 'Report snapshots generated from the lake',
    envVar: 'BUCKET_REPORTS',
    expireAfterDays: 400,
  },
} as const satisfies Record<string, BucketDeclaration>;

export const streams = {
  events: {
    description: 'Every send, delivery, bounce, complaint, open, click, page view, unsubscribe, subscribe, forward and comment, one JSON line each, into the lake',
    envVar: 'EVENTS_STREAM_NAME',
    bucket: 'lake',
    prefix: 'events/',
    bufferSeconds: 60,
  },
} as const satisfies Record<string, StreamDeclaration>;

export const topics = {
  sesNotifications: {
    description: 'SES bounce, complaint and delivery notifications',
    envVar: 'TOPIC_SES_NOTIFICATIONS_ARN',
  },
} as const satisfies Record<string, TopicDeclaration>;

export const functions = {
  api: {
    description: 'The REST API: every route behind API Gateway',
    entry: 'functions/api/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 29,
    uses: [
      { table: 'contacts', access: 'readWrite' },
      { table: 'identity', access: 'readWrite' },
      { table: 'idempotency', access: 'readWrite' },
      // Imports: job records, presigned upload / report URLs, the "run import" message.
      { table: 'jobs', access: 'readWrite' },
      { bucket: 'uploads', access: 'readWrite' },
      { queue: 'importJobs', access: 'send' },
      // Exports: the job record (jobs, above), the "run export" message, presigned download links.
      { queue: 'exportJobs', access: 'send' },
      { bucket: 'reports', access: 'readWrite' },
      // Campaigns: campaigns, runs, approvals and quotas; launch queues a run (schedules go through the Scheduler group).
      { table: 'campaigns', access: 'readWrite' },
      { queue: 'campaignRuns', access: 'send' },
      // Content from files is unpacked into the hosted assets (ZIP EDMs, DOCX images).
      { bucket: 'assets', access: 'readWrite' },
      { table: 'suppression', access: 'readWrite' },
      // Engagement: recipient timelines, campaign counters and comments, score settings.
      { table: 'engagement', access: 'readWrite' },
      // Reports: statuses and settings (jobs), snapshots and downloads (reports, above); generation is queued.
      { queue: 'reportJobs', access: 'send' },
    ],
  },
  authorizer: {
    description: 'Lambda authorizer: console JWTs and signed partner API keys',
    entry: 'functions/authorizer/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    uses: [
      { table: 'identity', access: 'read' },
      { table: 'idempotency', access: 'readWrite' },
    ],
  },
  importUpload: {
    description: 'Import upload trigger: previews a file uploaded under imports/ (format, encoding, mapping, sample rows)',
    entry: 'functions/import-upload/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 60,
    uses: [
      { table: 'jobs', access: 'readWrite' },
      { table: 'contacts', access: 'read' },
      { bucket: 'uploads', access: 'read' },
    ],
  },
  importWorker: {
    description: 'Import worker: cleans, de-duplicates and writes one import\'s contacts in checkpoints, continuing itself through importJobs',
    entry: 'functions/import-worker/handler.ts',
    memoryMb: 2048,
    timeoutSeconds: 900,
    uses: [
      { queue: 'importJobs', access: 'consume' },
      { queue: 'importJobs', access: 'send' },
      { table: 'jobs', access: 'readWrite' },
      { table: 'contacts', access: 'readWrite' },
      { bucket: 'uploads', access: 'readWrite' },
    ],
  },
  exportWorker: {
    description: 'Export worker: writes contact exports (CSV / XLSX files in the reports bucket), continuing itself through exportJobs',
    entry: 'functions/export-worker/handler.ts',
    memoryMb: 1024,
    // One run writes at least one whole file of up to 1,000,000 rows; exportJobs' visibility (960 s) covers it.
    timeoutSeconds: 900,
    uses: [
      { queue: 'exportJobs', access: 'consume' },
      { queue: 'exportJobs', access: 'send' },
      { table: 'contacts', access: 'read' },
      { table: 'jobs', access: 'readWrite' },
      { bucket: 'reports', access: 'readWrite' },
    ],
  },
  campaignPlanner: {
    description: 'Campaign planner: freezes a run\'s audience, reserves points, fans the parts out to the mail lane, and watches the run until every part is done',
    entry: 'functions/campaign-planner/handler.ts',
    memoryMb: 1536,
    timeoutSeconds: 900,
    uses: [
      { queue: 'campaignRuns', access: 'consume' },
      // Watching a run: the planner re-queues a delayed "watch" message to itself.
      { queue: 'campaignRuns', access: 'send' },
      { queue: 'mailPriority', access: 'send' },
      { queue: 'mailBulk', access: 'send' },
      { queue: 'mailLow', access: 'send' },
      { table: 'campaigns', access: 'readWrite' },
      { table: 'contacts', access: 'read' },
      { table: 'identity', access: 'read' },
      { table: 'suppression', access: 'read' },
      { table: 'deliveries', access: 'read' },
      { bucket: 'uploads', access: 'readWrite' },
    ],
  },
  mailWorker: {
    description: 'Mail worker: renders and sends one part of a run through SES, each recipient at most once (the delivery ledger)',
    entry: 'functions/mail-worker/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 120,
    uses: [
      { queue: 'mailPriority', access: 'consume' },
      { queue: 'mailBulk', access: 'consume' },
      { queue: 'mailLow', access: 'consume' },
      // Continuations: what throttling or a paused run left over goes back to the lane, delayed.
      { queue: 'mailPriority', access: 'send' },
      { queue: 'mailBulk', access: 'send' },
      { queue: 'mailLow', access: 'send' },
      { queue: 'campaignRuns', access: 'send' },
      { table: 'campaigns', access: 'readWrite' },
      { table: 'deliveries', access: 'readWrite' },
      { table: 'suppression', access: 'read' },
      { bucket: 'uploads', access: 'read' },
      { bucket: 'assets', access: 'read' },
      { mail: 'send' },
    ],
  },
  sesNotifications: {
    description: 'SES events (send, delivery, bounce, complaint, reject) from SNS: settles in-doubt sends, suppresses bounced and complaining addresses, marks their contacts',
    entry: 'functions/ses-notifications/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 60,
    uses: [
      { topic: 'sesNotifications', access: 'subscribe' },
      { table: 'deliveries', access: 'readWrite' },
      { table: 'suppression', access: 'readWrite' },
      { table: 'contacts', access: 'readWrite' },
      { stream: 'events', access: 'put' },
    ],
  },
  tracking: {
    description: 'Public tracking endpoints (function URL behind CloudFront): open pixel, click redirect, page views, unsubscribe, subscribe, forward, comment, code images; every action an event in the lake',
    entry: 'functions/tracking/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    uses: [
      { stream: 'events', access: 'put' },
      // Unsubscribe and subscribe change contacts and the suppression list at once (before the next send).
      { table: 'contacts', access: 'readWrite' },
      { table: 'suppression', access: 'readWrite' },
      { table: 'campaigns', access: 'read' },
      // CAPTCHA answers are good once (nonces).
      { table: 'idempotency', access: 'readWrite' },
      // Forwards: the friends' part goes to the uploads bucket and the priority mail lane.
      { bucket: 'uploads', access: 'readWrite' },
      { queue: 'mailPriority', access: 'send' },
      // Double opt-in confirmations.
      { mail: 'send' },
    ],
  },
  engagementProjector: {
    description: 'Engagement projector: turns each new lake object into recipient timelines, campaign counters and comments, first opens and clicks on the ledger, and contact counters and scores',
    entry: 'functions/engagement-projector/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 300,
    uses: [
      { bucket: 'lake', access: 'read' },
      { table: 'engagement', access: 'readWrite' },
      { table: 'deliveries', access: 'readWrite' },
      { table: 'contacts', access: 'readWrite' },
    ],
  },
  scoreDecay: {
    description: 'Daily loyalty score sweep: brings every scored contact to today\'s decayed value (written only when the whole number changes)',
    entry: 'functions/score-decay/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 900,
    uses: [
      { table: 'contacts', access: 'readWrite' },
      { table: 'engagement', access: 'read' },
    ],
  },
  reportWorker: {
    description: 'Report worker: runs report queries over the lake (Athena / DuckDB) and stores snapshots, writes recipient lists (CSV / XLSX), and e-mails report dispatches (PDF / XLSX)',
    entry: 'functions/report-worker/handler.ts',
    memoryMb: 2048,
    timeoutSeconds: 900,
    uses: [
      { queue: 'reportJobs', access: 'consume' },
      { lake: 'query' },
      { table: 'jobs', access: 'readWrite' },
      { table: 'campaigns', access: 'read' },
      { table: 'engagement', access: 'read' },
      { bucket: 'reports', access: 'readWrite' },
      { mail: 'send' },
    ],
  },
  reportDispatch: {
    description: 'Hourly report dispatch sweep: queues the e-mailing of every campaign report dispatch due this hour',
    entry: 'functions/report-dispatch/handler.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    uses: [
      { table: 'jobs', access: 'readWrite' },
      { queue: 'reportJobs', access: 'send' },
    ],
  },
} as const satisfies Record<string, FunctionDeclaration>;

export type TableName = keyof typeof tables;
export type QueueName = keyof typeof queues;
export type BucketName = keyof typeof buckets;
export type TopicName = keyof typeof topics;
export type StreamName = keyof typeof streams;
export type FunctionName = keyof typeof functions;

/**
 * Object triggers: which function an upload starts. Filled by the import function
 * (`{ bucket: 'uploads', prefix: 'imports/', function: … }`).
 */
export const objectTriggers: readonly ObjectTrigger[] = [
  { bucket: 'uploads', prefix: 'imports/', function: 'importUpload' },
  // Each object Firehose writes into the lake is projected once it lands.
  { bucket: 'lake', prefix: 'events/', function: 'engagementProjector' },
];

export const schedules = {
  scoreDecay: { description: 'Decay loyalty scores once a day', expression: 'cron(30 3 * * ? *)', function: 'scoreDecay' },
  reportDispatch: { description: 'E-mail the report dispatches due this hour', expression: 'cron(0 * * * ? *)', function: 'reportDispatch' },
} as const satisfies Record<string, ScheduleDeclaration>;

export const manifest = { tables, queues, buckets, topics, streams, functions, objectTriggers, schedules } as const;
