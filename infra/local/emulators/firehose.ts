/**
 * A local Firehose front: the Firehose JSON 1.1 protocol the SDK v3 client speaks
 * (X-Amz-Target Firehose_20150804.PutRecord / PutRecordBatch / DescribeDeliveryStream /
 * ListDeliveryStreams), so shared/adapters/aws/event-sink.firehose.ts runs unchanged against it
 * through AWS_ENDPOINT_URL_FIREHOSE.
 *
 * Like a DirectPut stream with an S3 destination and GZIP compression, it buffers each stream's
 * records (their bytes concatenated, no separator added) and writes one gzip object per buffer
 * into the destination bucket through the S3 SDK client (s3rver, path-style), under Firehose's
 * key shape `<prefix>dt=YYYY-MM-DD/<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>.gz`, where the time is
 * the UTC arrival time of the buffer's oldest record (Firehose's `!{timestamp:yyyy-MM-dd}`). A
 * buffer is written when it reaches bufferBytes, bufferSeconds after its first record, on
 * flush() and on stop(). A failed S3 write keeps the records and retries with backoff; records
 * are never dropped once acknowledged (while the process lives: buffers are in memory).
 *
 * Limits as Firehose's: 500 records per PutRecordBatch, 1,000 KiB per record (before base64),
 * 4 MiB of record data per request. Faults for reliability tests: `failRate`, the share of
 * records a PutRecordBatch answers with ServiceUnavailableException in RequestResponses.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localCredentials } from './dynamodb';
import { listenOnLoopback } from './net';

const gzipAsync = promisify(gzip);

export const LOCAL_FIREHOSE_ACCOUNT = '000000000000';
const TARGET_PREFIX = 'Firehose_20150804.';
const MAX_RECORDS = 500;
const MAX_RECORD_BYTES = 1_024_000;
const MAX_REQUEST_DATA_BYTES = 4 * 1024 * 1024;
/** A request body larger than this cannot be a valid PutRecordBatch (4 MiB of data in base64, and JSON). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface FirehoseStreamConfig {
  /** Destination bucket (its physical name in s3rver). */
  readonly bucket: string;
  /** Key prefix, e.g. 'events/'; `dt=YYYY-MM-DD/` is added below it. */
  readonly prefix: string;
  /** Write a buffer this many seconds after its first record (Firehose: 0 to 900). */
  readonly bufferSeconds: number;
  /** Write a buffer once it holds this many bytes (uncompressed). */
  readonly bufferBytes: number;
}

export interface FirehoseEmulatorOptions {
  readonly port?: number;
  /** s3rver's endpoint (path-style). */
  readonly s3Endpoint: string;
  readonly region: string;
  /** Stream name → its S3 destination. */
  readonly streams: Readonly<Record<string, FirehoseStreamConfig>>;
  /** Share of records (0 to 1) a PutRecordBatch reports as ServiceUnavailableException. Default 0. */
  readonly failRate?: number;
  /** First delay before an S3 write that failed is retried; doubles up to 30 s. Default 500. */
  readonly retryDelayMs?: number;
}

export interface FirehoseStats {
  /** Records acknowledged (PutRecord, and PutRecordBatch entries without an ErrorCode). */
  readonly accepted: number;
  /** Records in objects written to S3. Equal to accepted once everything is flushed. */
  readonly written: number;
  /** Objects written to S3. */
  readonly objects: number;
  /** PutRecordBatch calls answered (errors included). */
  readonly putRecordBatchCalls: number;
  /** PutRecord calls answered (errors included). */
  readonly putRecordCalls: number;
  /** Records answered with an injected ServiceUnavailableException. */
  readonly failedRecords: number;
  /** S3 writes that failed (and were retried). */
  readonly s3Failures: number;
  /** Records acknowledged but not yet in S3. */
  readonly buffered: number;
}

export interface RunningFirehose {
  /** The Firehose endpoint (AWS_ENDPOINT_URL_FIREHOSE). */
  readonly endpoint: string;
  /** Writes every stream's buffer now, and waits for all writes (retrying failed ones once more); rejects if some records could not be written. */
  flush(): Promise<void>;
  stats(): FirehoseStats;
  /** Changes the injected share of failed records. */
  setFailRate(rate: number): void;
  /** Flushes first, then closes the server; rejects (after closing) if some records could not be written. */
  stop(): Promise<void>;
}

class FirehoseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Firehose's S3 object key for a buffer whose oldest record arrived at `arrival` (UTC). */
export function firehoseObjectKey(prefix: string, stream: string, arrival: Date, id: string = randomUUID()): string {
  const day = `${arrival.getUTCFullYear()}-${pad(arrival.getUTCMonth() + 1)}-${pad(arrival.getUTCDate())}`;
  const time = `${pad(arrival.getUTCHours())}-${pad(arrival.getUTCMinutes())}-${pad(arrival.getUTCSeconds())}`;
  return `${prefix}dt=${day}/${stream}-1-${day}-${time}-${id}.gz`;
}

/** Records waiting for one S3 object. */
interface Chunk {
  readonly parts: Buffer[];
  bytes: number;
  records: number;
  readonly firstAt: Date;
}

interface StreamState {
  readonly name: string;
  readonly config: FirehoseStreamConfig;
  readonly createdAt: Date;
  buffer?: Chunk;
  timer?: NodeJS.Timeout;
  /** Chunks whose write failed, waiting for the retry timer (or the next flush). */
  failed: Chunk[];
  retryTimer?: NodeJS.Timeout;
  retryDelay: number;
}

export async function startFirehoseEmulator(options: FirehoseEmulatorOptions): Promise<RunningFirehose> {
  const s3 = new S3Client({ endpoint: options.s3Endpoint, region: options.region, forcePathStyle: true, credentials: localCredentials });
  const baseRetryDelay = options.retryDelayMs ?? 500;
  let failRate = options.failRate ?? 0;
  const counters = { accepted: 0, written: 0, objects: 0, putRecordBatchCalls: 0, putRecordCalls: 0, failedRecords: 0, s3Failures: 0 };
  const streams = new Map<string, StreamState>();
  for (const [name, config] of Object.entries(options.streams)) {
    streams.set(name, { name, config, createdAt: new Date(), failed: [], retryDelay: baseRetryDelay });
  }
  const writes = new Set<Promise<void>>();
  let lastWriteError: unknown;
  let stopped = false;

  const arn = (name: string) => `arn:aws:firehose:${options.region}:${LOCAL_FIREHOSE_ACCOUNT}:deliverystream/${name}`;

  function streamOf(input: Record<string, unknown>): StreamState {
    const name = input.DeliveryStreamName;
    if (typeof name !== 'string' || name === '') throw new FirehoseError('InvalidArgumentException', 'DeliveryStreamName is required.');
    const state = streams.get(name);
    if (!state) throw new FirehoseError('ResourceNotFoundException', `Firehose ${name} under account ${LOCAL_FIREHOSE_ACCOUNT} not found.`);
    return state;
  }

  function decode(record: unknown, index: number): Buffer {
    const data = (record as { Data?: unknown } | undefined)?.Data;
    if (typeof data !== 'string') throw new FirehoseError('InvalidArgumentException', `Record ${index} has no Data.`);
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length > MAX_RECORD_BYTES) {
      throw new FirehoseError('InvalidArgumentException', `Record ${index} is ${bytes.length} bytes; the limit is ${MAX_RECORD_BYTES} bytes (1,000 KiB) per record.`);
    }
    return bytes;
  }

  // ---- buffering and delivery to S3 ------------------------------------------------------------

  function append(state: StreamState, data: Buffer): void {
    if (!state.buffer) {
      state.buffer = { parts: [], bytes: 0, records: 0, firstAt: new Date() };
      state.timer = setTimeout(() => seal(state), state.config.bufferSeconds * 1000);
    }
    const buffer = state.buffer;
    buffer.parts.push(data);
    buffer.bytes += data.length;
    buffer.records += 1;
    counters.accepted += 1;
    if (buffer.bytes >= state.config.bufferBytes) seal(state);
  }

  /** Closes the stream's current buffer and starts writing it. */
  function seal(state: StreamState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    const chunk = state.buffer;
    state.buffer = undefined;
    if (chunk) write(state, chunk);
  }

  function write(state: StreamState, chunk: Chunk): void {
    const run = (async () => {
      try {
        const body = await gzipAsync(Buffer.concat(chunk.parts));
        await s3.send(new PutObjectCommand({ Bucket: state.config.bucket, Key: firehoseObjectKey(state.config.prefix, state.name, chunk.firstAt), Body: body }));
        counters.written += chunk.records;
        counters.objects += 1;
        state.retryDelay = baseRetryDelay;
      } catch (error) {
        // Never dropped: the chunk waits for a retry (timer, or the next flush).
        counters.s3Failures += 1;
        lastWriteError = error;
        state.failed.push(chunk);
        scheduleRetry(state);
      }
    })();
    writes.add(run);
    void run.finally(() => writes.delete(run));
  }

  function scheduleRetry(state: StreamState): void {
    if (state.retryTimer || stopped) return;
    state.retryTimer = setTimeout(() => {
      state.retryTimer = undefined;
      retryFailed(state);
    }, state.retryDelay);
    state.retryDelay = Math.min(state.retryDelay * 2, 30_000);
  }

  function retryFailed(state: StreamState): void {
    clearTimeout(state.retryTimer);
    state.retryTimer = undefined;
    const failed = state.failed;
    state.failed = [];
    for (const chunk of failed) write(state, chunk);
  }

  async function flush(): Promise<void> {
    for (const state of streams.values()) {
      seal(state);
      retryFailed(state);
    }
    while (writes.size > 0) await Promise.all([...writes]);
    const left = [...streams.values()].reduce((sum, s) => sum + s.failed.reduce((n, c) => n + c.records, 0), 0);
    if (left > 0) throw new Error(`Firehose emulator: ${left} record(s) could not be written to S3 yet (kept, retrying): ${String(lastWriteError)}`);
  }

  // ---- the Firehose JSON 1.1 protocol ------------------------------------------------------------

  function dispatch(action: string, input: Record<string, unknown>): unknown {
    switch (action) {
      case 'PutRecord': {
        counters.putRecordCalls += 1;
        const state = streamOf(input);
        const data = decode(input.Record, 0);
        append(state, data);
        return { RecordId: randomBytes(42).toString('base64url'), Encrypted: false };
      }
      case 'PutRecordBatch': {
        counters.putRecordBatchCalls += 1;
        const state = streamOf(input);
        const records = input.Records;
        if (!Array.isArray(records) || records.length === 0) throw new FirehoseError('InvalidArgumentException', 'Records must hold 1 to 500 records.');
        if (records.length > MAX_RECORDS) {
          throw new FirehoseError('InvalidArgumentException', `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORDS} (got ${records.length}).`);
        }
        // Every record is checked before any is taken: a refused request accepts nothing.
        const decoded = records.map((record, i) => decode(record, i));
        const total = decoded.reduce((sum, d) => sum + d.length, 0);
        if (total > MAX_REQUEST_DATA_BYTES) throw new FirehoseError('InvalidArgumentException', `Records total ${total} bytes; the limit is ${MAX_REQUEST_DATA_BYTES} bytes (4 MiB) per request.`);
        let failed = 0;
        // One random draw per request (a draw per record costs more than the rest of the call).
        const batchId = randomBytes(24).toString('base64url');
        const RequestResponses = decoded.map((data, i) => {
          if (failRate > 0 && Math.random() < failRate) {
            failed += 1;
            return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
          }
          append(state, data);
          return { RecordId: `${batchId}${String(i).padStart(4, '0')}` };
        });
        counters.failedRecords += failed;
        return { FailedPutCount: failed, Encrypted: false, RequestResponses };
      }
      case 'DescribeDeliveryStream': {
        const state = streamOf(input);
        return {
          DeliveryStreamDescription: {
            DeliveryStreamName: state.name,
            DeliveryStreamARN: arn(state.name),
            DeliveryStreamStatus: 'ACTIVE',
            DeliveryStreamType: 'DirectPut',
            VersionId: '1',
            CreateTimestamp: state.createdAt.getTime() / 1000,
            HasMoreDestinations: false,
            Destinations: [
              {
                DestinationId: 'destinationId-000000000001',
                ExtendedS3DestinationDescription: {
                  RoleARN: `arn:aws:iam::${LOCAL_FIREHOSE_ACCOUNT}:role/local-firehose`,
                  BucketARN: `arn:aws:s3:::${state.config.bucket}`,
                  Prefix: `${state.config.prefix}dt=!{timestamp:yyyy-MM-dd}/`,
                  BufferingHints: { IntervalInSeconds: state.config.bufferSeconds, SizeInMBs: Math.max(1, Math.round(state.config.bufferBytes / 1_048_576)) },
                  CompressionFormat: 'GZIP',
                  EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
                },
              },
            ],
          },
        };
      }
      case 'ListDeliveryStreams': {
        const limit = Number(input.Limit ?? 10_000);
        const after = typeof input.ExclusiveStartDeliveryStreamName === 'string' ? input.ExclusiveStartDeliveryStreamName : undefined;
        const names = [...streams.keys()].sort().filter((name) => after === undefined || name > after);
        return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit };
      }
      default:
        throw new FirehoseError('UnknownOperationException', `${action} is not supported by the local Firehose emulator`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), 'content-length': String(Buffer.byteLength(text)), ...headers });
      res.end(text);
    };
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) throw new FirehoseError('InvalidArgumentException', `Request body over ${MAX_BODY_BYTES} bytes.`);
        chunks.push(chunk as Buffer);
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
        throw new FirehoseError('UnknownOperationException', `Only the Firehose JSON protocol (X-Amz-Target: ${TARGET_PREFIX}*) is served here`);
      }
      let input: Record<string, unknown>;
      try {
        input = (chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}) as Record<string, unknown>;
      } catch {
        throw new FirehoseError('SerializationException', 'The request body is not valid JSON.');
      }
      reply(200, dispatch(target.slice(TARGET_PREFIX.length), input ?? {}));
    } catch (error) {
      const e = error instanceof FirehoseError ? error : new FirehoseError('ServiceUnavailableException', String(error), 500);
      reply(e.status, { __type: e.code, message: e.message }, { 'x-amzn-errortype': e.code });
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  // Many SDK connections at once (group commit keeps it low, but tests also send in parallel).
  server.keepAliveTimeout = 30_000;
  const endpoint = await listenOnLoopback(server, options.port ?? 0);

  return {
    endpoint,
    flush,
    stats: () => ({ ...counters, buffered: counters.accepted - counters.written }),
    setFailRate: (rate) => {
      failRate = rate;
    },
    stop: async () => {
      let error: unknown;
      try {
        await flush();
      } catch (e) {
        error = e;
      }
      stopped = true;
      for (const state of streams.values()) {
        clearTimeout(state.timer);
        clearTimeout(state.retryTimer);
      }
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      s3.destroy();
      if (error) throw error;
    },
  };
}
