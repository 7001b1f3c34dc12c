/**
 * The local stand-in for SQS and Lambda's SQS event source mapping.
 *
 * It speaks the subset of SQS's JSON protocol the SDK adapter uses (SendMessage,
 * SendMessageBatch, ReceiveMessage, DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility,
 * GetQueueAttributes, GetQueueUrl, PurgeQueue), so shared/adapters/aws/queue.sqs.ts runs
 * unchanged against it through AWS_ENDPOINT_URL_SQS. And it drains queues into consumer
 * functions as Lambda does: batches of up to 10 as a real SQSEvent, partial batch failures
 * through `batchItemFailures`, a visibility timeout before a failed message is seen again, and
 * redrive to the dead-letter queue once a message has been received maxReceiveCount times.
 * Queue contents are written to disk, so they survive a sandbox restart.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { lambdaContext, type LambdaHandler } from './lambda';
import { listenOnLoopback } from './emulators/net';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';
const MAX_BODY_BYTES = 1_048_576;
const MAX_BATCH = 10;

export interface QueueConfig {
  /** Physical name (the last segment of the queue URL). */
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly retentionSeconds?: number;
  readonly delaySeconds?: number;
  /** Set on a source queue: where messages go after maxReceiveCount receives. */
  readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
}

interface AttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes: Record<string, AttributeValue>;
  readonly md5OfAttributes?: string;
  readonly sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  receiptHandle?: string;
}

interface QueueState {
  readonly config: QueueConfig;
  messages: StoredMessage[];
  consumer?: Consumer;
  inFlightBatches: number;
}

interface Consumer {
  readonly name: string;
  readonly handler: LambdaHandler;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly timeoutSeconds: number;
  readonly onError?: (error: unknown) => void;
}

export interface QueueRunnerOptions {
  readonly queues: readonly QueueConfig[];
  /** Folder for queue contents; none keeps them in memory. */
  readonly dataDir?: string;
  readonly port?: number;
  /** How often consumers look for visible messages. */
  readonly pollIntervalMs?: number;
}

class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly queryCode = code,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const md5 = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

/** MD5 of message attributes exactly as SQS computes it (names sorted, length-prefixed fields). */
export function md5OfMessageAttributes(attributes: Record<string, AttributeValue>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of names) {
    const value = attributes[name] as AttributeValue;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

export class QueueRunner {
  private readonly queues = new Map<string, QueueState>();
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private flushTimer?: NodeJS.Timeout;
  private readonly dirty = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly waiters = new Set<() => void>();
  private injectedFailures = 0;
  private duplicateDeliveries = false;
  private stopped = false;
  private baseUrl = '';

  private constructor(private readonly options: QueueRunnerOptions) {
    for (const config of options.queues) {
      this.queues.set(config.name, { config, messages: this.load(config.name), inFlightBatches: 0 });
    }
  }

  static async start(options: QueueRunnerOptions): Promise<QueueRunner> {
    const runner = new QueueRunner(options);
    await runner.listen(options.port ?? 0);
    runner.timer = setInterval(() => runner.pump(), options.pollIntervalMs ?? 100);
    return runner;
  }

  /** The SQS endpoint (AWS_ENDPOINT_URL_SQS). */
  get endpoint(): string {
    return this.baseUrl;
  }

  queueUrl(name: string): string {
    if (!this.queues.has(name)) throw new Error(`No local queue ${name}`);
    return `${this.baseUrl}/${LOCAL_ACCOUNT}/${name}`;
  }

  /** Attaches a function as the queue's consumer, as an event source mapping would. */
  attachConsumer(
    queue: string,
    consumer: { name: string; handler: LambdaHandler; batchSize?: number; concurrency?: number; timeoutSeconds?: number; onError?: (error: unknown) => void },
  ): void {
    const state = this.state(queue);
    state.consumer = {
      name: consumer.name,
      handler: consumer.handler,
      batchSize: Math.min(consumer.batchSize ?? MAX_BATCH, MAX_BATCH),
      concurrency: consumer.concurrency ?? 1,
      timeoutSeconds: consumer.timeoutSeconds ?? 30,
      onError: consumer.onError,
    };
  }

  /** Test aid: every message sent from now on is delivered twice (two copies, possibly at once). */
  injectDuplicateDeliveries(enabled: boolean): void {
    this.duplicateDeliveries = enabled;
  }

  /** Test aid: the next `count` SendMessageBatch entries fail with a retryable server fault. */
  injectBatchEntryFailures(count: number): void {
    this.injectedFailures = count;
  }

  /** Resolves once no consumer has a visible message left to take and no batch is running. */
  async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const now = Date.now();
      const busy = [...this.queues.values()].some(
        (q) => q.inFlightBatches > 0 || (q.consumer && q.messages.some((m) => m.visibleAt <= now)),
      );
      if (!busy) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('queues not drained in time');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.flushTimer);
    for (const wake of this.waiters) wake();
    await Promise.allSettled([...this.running]);
    this.flush();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  // ---- storage -------------------------------------------------------------------------------

  private file(name: string): string | undefined {
    return this.options.dataDir ? join(this.options.dataDir, `${name}.json`) : undefined;
  }

  private load(name: string): StoredMessage[] {
    const file = this.file(name);
    if (!file || !existsSync(file)) return [];
    return (JSON.parse(readFileSync(file, 'utf8')) as { messages: StoredMessage[] }).messages;
  }

  /** Writes are batched: a burst of sends costs one write, not one per message. */
  private touch(name: string): void {
    if (!this.options.dataDir) return;
    this.dirty.add(name);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, 100);
  }

  private flush(): void {
    if (!this.options.dataDir) return;
    mkdirSync(this.options.dataDir, { recursive: true });
    for (const name of this.dirty) {
      const file = this.file(name) as string;
      const state = this.queues.get(name);
      writeFileSync(`${file}.tmp`, JSON.stringify({ messages: state?.messages ?? [] }));
      renameSync(`${file}.tmp`, file);
    }
    this.dirty.clear();
  }

  // ---- queue operations ------------------------------------------------------------------------

  private state(name: string): QueueState {
    const state = this.queues.get(name);
    if (!state) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
    return state;
  }

  private stateOfUrl(url: unknown): QueueState {
    if (typeof url !== 'string' || url === '') throw new SqsError('MissingParameter', 'QueueUrl is required');
    return this.state(url.split('/').filter(Boolean).pop() ?? '');
  }

  private enqueue(state: QueueState, body: unknown, delaySeconds: unknown, attributes: unknown): StoredMessage {
    if (typeof body !== 'string' || body.length === 0) throw new SqsError('MissingParameter', 'MessageBody is required');
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new SqsError('InvalidParameterValue', `MessageBody exceeds ${MAX_BODY_BYTES} bytes`);
    const delay = delaySeconds === undefined ? (state.config.delaySeconds ?? 0) : Number(delaySeconds);
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) throw new SqsError('InvalidParameterValue', 'DelaySeconds must be 0 to 900');
    const attrs = (attributes ?? {}) as Record<string, AttributeValue>;
    const now = Date.now();
    const message: StoredMessage = {
      id: randomUUID(),
      body,
      md5OfBody: md5(body),
      attributes: attrs,
      md5OfAttributes: md5OfMessageAttributes(attrs),
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    };
    state.messages.push(message);
    // At-least-once, at its worst: a second copy that a consumer may take at the same time.
    if (this.duplicateDeliveries) state.messages.push({ ...message, id: randomUUID() });
    this.touch(state.config.name);
    return message;
  }

  /**
   * Takes up to `max` visible messages, making them invisible for the visibility timeout.
   * Messages past retention are dropped; messages already received maxReceiveCount times move
   * to the dead-letter queue instead of being delivered again (SQS's redrive).
   */
  private take(state: QueueState, max: number, visibilitySeconds?: number): StoredMessage[] {
    const now = Date.now();
    const taken: StoredMessage[] = [];
    const retentionMs = (state.config.retentionSeconds ?? 4 * 86_400) * 1000;
    const redrive = state.config.redrive;
    const keep: StoredMessage[] = [];
    let changed = false;
    for (const message of state.messages) {
      if (now - message.sentAt > retentionMs) {
        changed = true;
        continue;
      }
      if (taken.length < max && message.visibleAt <= now) {
        if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
          const dlq = this.state(redrive.deadLetterQueue);
          dlq.messages.push({ ...message, visibleAt: now, receiptHandle: undefined });
          this.touch(dlq.config.name);
          changed = true;
          continue;
        }
        message.receiveCount += 1;
        message.firstReceivedAt ??= now;
        message.visibleAt = now + (visibilitySeconds ?? state.config.visibilityTimeoutSeconds) * 1000;
        message.receiptHandle = `${message.id}#${randomBytes(12).toString('base64url')}`;
        taken.push(message);
        changed = true;
      }
      keep.push(message);
    }
    state.messages = keep;
    if (changed) this.touch(state.config.name);
    return taken;
  }

  private deleteByHandle(state: QueueState, handle: unknown): void {
    if (typeof handle !== 'string' || handle === '') throw new SqsError('ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
    const before = state.messages.length;
    // A stale handle (the message was received again since) deletes nothing, as in SQS.
    state.messages = state.messages.filter((m) => m.receiptHandle !== handle);
    if (state.messages.length !== before) this.touch(state.config.name);
  }

  private counts(state: QueueState) {
    const now = Date.now();
    let visible = 0;
    let notVisible = 0;
    let delayed = 0;
    for (const m of state.messages) {
      if (m.visibleAt <= now) visible += 1;
      else if (m.receiveCount === 0) delayed += 1;
      else notVisible += 1;
    }
    return { visible, notVisible, delayed };
  }

  // ---- consumers (the event source mapping) ---------------------------------------------------

  private pump(): void {
    if (this.stopped) return;
    for (const state of this.queues.values()) {
      const consumer = state.consumer;
      if (!consumer || state.inFlightBatches >= consumer.concurrency) continue;
      const batch = this.take(state, consumer.batchSize);
      if (batch.length === 0) continue;
      state.inFlightBatches += 1;
      const run = this.deliver(state, consumer, batch).finally(() => {
        state.inFlightBatches -= 1;
        this.running.delete(run);
      });
      this.running.add(run);
    }
  }

  private record(state: QueueState, message: StoredMessage): SQSRecord {
    const messageAttributes: SQSMessageAttributes = {};
    for (const [name, value] of Object.entries(message.attributes)) {
      messageAttributes[name] = {
        dataType: value.DataType,
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: value.BinaryValue } : {}),
        stringListValues: [],
        binaryListValues: [],
      };
    }
    return {
      messageId: message.id,
      receiptHandle: message.receiptHandle ?? '',
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'AIDALOCALSANDBOX',
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
      },
      messageAttributes,
      md5OfBody: message.md5OfBody,
      ...(message.md5OfAttributes ? { md5OfMessageAttributes: message.md5OfAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${state.config.name}`,
      awsRegion: LOCAL_REGION,
    };
  }

  private async deliver(state: QueueState, consumer: Consumer, batch: StoredMessage[]): Promise<void> {
    const event: SQSEvent = { Records: batch.map((m) => this.record(state, m)) };
    let failed: Set<string>;
    try {
      const result = (await consumer.handler(event, lambdaContext(consumer.name, consumer.timeoutSeconds))) as SQSBatchResponse | undefined;
      // Lambda's ReportBatchItemFailures: only the named messages stay; an unknown id fails the batch.
      const ids = new Set(batch.map((m) => m.id));
      const named = (result?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
      failed = named.every((id) => ids.has(id)) ? new Set(named) : ids;
    } catch (error) {
      consumer.onError?.(error);
      failed = new Set(batch.map((m) => m.id));
    }
    // Failed messages stay invisible until their visibility timeout runs out, then come back.
    const done = new Set(batch.filter((m) => !failed.has(m.id)).map((m) => m.receiptHandle));
    if (done.size > 0) {
      state.messages = state.messages.filter((m) => !done.has(m.receiptHandle));
      this.touch(state.config.name);
    }
  }

  // ---- the SQS JSON protocol --------------------------------------------------------------------

  private async listen(port: number): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.baseUrl = await listenOnLoopback(this.server, port);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith('AmazonSQS.')) {
        throw new SqsError('InvalidAction', 'Only the SQS JSON protocol (X-Amz-Target: AmazonSQS.*) is served here');
      }
      const input = (chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}) as Record<string, unknown>;
      reply(200, await this.dispatch(target.slice('AmazonSQS.'.length), input));
    } catch (error) {
      const e = error instanceof SqsError ? error : new SqsError('InternalError', String(error), 'InternalError', 500);
      reply(e.status, { __type: `com.amazonaws.sqs#${e.code}`, message: e.message }, {
        'x-amzn-query-error': `${e.queryCode};${e.status < 500 ? 'Sender' : 'Receiver'}`,
      });
    }
  }

  private async dispatch(action: string, input: Record<string, unknown>): Promise<unknown> {
    switch (action) {
      case 'GetQueueUrl': {
        const state = this.state(String(input.QueueName ?? ''));
        return { QueueUrl: this.queueUrl(state.config.name) };
      }
      case 'SendMessage': {
        const m = this.enqueue(this.stateOfUrl(input.QueueUrl), input.MessageBody, input.DelaySeconds, input.MessageAttributes);
        return { MessageId: m.id, MD5OfMessageBody: m.md5OfBody, ...(m.md5OfAttributes ? { MD5OfMessageAttributes: m.md5OfAttributes } : {}) };
      }
      case 'SendMessageBatch': {
        const state = this.stateOfUrl(input.QueueUrl);
        const entries = (input.Entries ?? []) as Record<string, unknown>[];
        if (entries.length === 0) throw new SqsError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.', 'AWS.SimpleQueueService.EmptyBatchRequest');
        if (entries.length > MAX_BATCH) throw new SqsError('TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest');
        if (new Set(entries.map((e) => e.Id)).size !== entries.length) throw new SqsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
        const Successful: unknown[] = [];
        const Failed: unknown[] = [];
        for (const entry of entries) {
          if (this.injectedFailures > 0) {
            this.injectedFailures -= 1;
            Failed.push({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'Injected failure' });
            continue;
          }
          try {
            const m = this.enqueue(state, entry.MessageBody, entry.DelaySeconds, entry.MessageAttributes);
            Successful.push({ Id: entry.Id, MessageId: m.id, MD5OfMessageBody: m.md5OfBody, ...(m.md5OfAttributes ? { MD5OfMessageAttributes: m.md5OfAttributes } : {}) });
          } catch (error) {
            const e = error as SqsError;
            Failed.push({ Id: entry.Id, SenderFault: true, Code: e.code, Message: e.message });
          }
        }
        return { Successful, Failed };
      }
      case 'ReceiveMessage': {
        const state = this.stateOfUrl(input.QueueUrl);
        const max = Number(input.MaxNumberOfMessages ?? 1);
        if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH) throw new SqsError('InvalidParameterValue', 'MaxNumberOfMessages must be 1 to 10');
        const visibility = input.VisibilityTimeout === undefined ? undefined : Number(input.VisibilityTimeout);
        const waitMs = Math.min(Number(input.WaitTimeSeconds ?? 0), 20) * 1000;
        const deadline = Date.now() + waitMs;
        let taken = this.take(state, max, visibility);
        // Long polling: wait for a message or the deadline, whichever comes first.
        while (taken.length === 0 && Date.now() < deadline && !this.stopped) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              clearTimeout(timer);
              this.waiters.delete(wake);
              resolve();
            };
            const timer = setTimeout(wake, 50);
            this.waiters.add(wake);
          });
          taken = this.take(state, max, visibility);
        }
        return {
          Messages: taken.map((m) => ({
            MessageId: m.id,
            ReceiptHandle: m.receiptHandle,
            MD5OfBody: m.md5OfBody,
            Body: m.body,
            Attributes: {
              ApproximateReceiveCount: String(m.receiveCount),
              SentTimestamp: String(m.sentAt),
              ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
              SenderId: 'AIDALOCALSANDBOX',
            },
            ...(Object.keys(m.attributes).length ? { MessageAttributes: m.attributes, MD5OfMessageAttributes: m.md5OfAttributes } : {}),
          })),
        };
      }
      case 'DeleteMessage':
        this.deleteByHandle(this.stateOfUrl(input.QueueUrl), input.ReceiptHandle);
        return {};
      case 'DeleteMessageBatch': {
        const state = this.stateOfUrl(input.QueueUrl);
        const entries = (input.Entries ?? []) as { Id: string; ReceiptHandle: string }[];
        entries.forEach((e) => this.deleteByHandle(state, e.ReceiptHandle));
        return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
      }
      case 'ChangeMessageVisibility': {
        const state = this.stateOfUrl(input.QueueUrl);
        const message = state.messages.find((m) => m.receiptHandle === input.ReceiptHandle);
        if (!message) throw new SqsError('MessageNotInflight', 'The message is not in flight.', 'AWS.SimpleQueueService.MessageNotInflight');
        message.visibleAt = Date.now() + Number(input.VisibilityTimeout ?? 0) * 1000;
        this.touch(state.config.name);
        return {};
      }
      case 'GetQueueAttributes': {
        const state = this.stateOfUrl(input.QueueUrl);
        const { visible, notVisible, delayed } = this.counts(state);
        const all: Record<string, string> = {
          ApproximateNumberOfMessages: String(visible),
          ApproximateNumberOfMessagesNotVisible: String(notVisible),
          ApproximateNumberOfMessagesDelayed: String(delayed),
          VisibilityTimeout: String(state.config.visibilityTimeoutSeconds),
          DelaySeconds: String(state.config.delaySeconds ?? 0),
          MessageRetentionPeriod: String(state.config.retentionSeconds ?? 4 * 86_400),
          QueueArn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${state.config.name}`,
          ...(state.config.redrive
            ? {
                RedrivePolicy: JSON.stringify({
                  deadLetterTargetArn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${state.config.redrive.deadLetterQueue}`,
                  maxReceiveCount: state.config.redrive.maxReceiveCount,
                }),
              }
            : {}),
        };
        const wanted = (input.AttributeNames ?? ['All']) as string[];
        const Attributes = wanted.includes('All') ? all : Object.fromEntries(Object.entries(all).filter(([k]) => wanted.includes(k)));
        return { Attributes };
      }
      case 'PurgeQueue': {
        const state = this.stateOfUrl(input.QueueUrl);
        state.messages = [];
        this.touch(state.config.name);
        return {};
      }
      default:
        throw new SqsError('InvalidAction', `${action} is not supported by the local queue runner`);
    }
  }
}
