/**
 * EventSink over a Firehose delivery stream (SDK v3). The same adapter runs against the sandbox's
 * Firehose front (infra/local/emulators/firehose.ts) through AWS_ENDPOINT_URL_FIREHOSE, which the
 * SDK reads by itself.
 *
 * Group commit: every put() in the process joins one queue of records (each its JSON plus '\n').
 * A PutRecordBatch call takes what has accumulated, up to Firehose's limits (500 records, 4 MiB
 * per request, 1,000 KiB per record); while a call is in flight the next batch accumulates, and
 * only a full batch starts alongside it (up to maxInFlight calls). A caller's promise settles
 * when its own records are acknowledged. Records Firehose reports as failed (FailedPutCount,
 * RequestResponses[].ErrorCode such as ServiceUnavailableException) and calls that failed in a
 * retryable way are retried with backoff, a bounded number of times; then the callers whose
 * records are still not accepted are rejected, and their records not yet sent are dropped from
 * the queue (those already accepted stay in the lake: the caller retrying may duplicate them,
 * so readers should dedupe on the event id, as for every at-least-once path).
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { required } from '../../config';
import type { EventSink } from '../../ports/event-sink';

/** Firehose's limits for PutRecordBatch. */
export const FIREHOSE_LIMITS = {
  recordsPerCall: 500,
  /** 1,000 KiB per record, before base64. */
  recordBytes: 1_024_000,
  /** 4 MiB per request. */
  requestBytes: 4 * 1024 * 1024,
} as const;

/**
 * What one record adds to a PutRecordBatch request on the wire: its base64 Data and the JSON
 * around it (`{"Data":""},`). Budgeting the encoded size keeps every request under 4 MiB however
 * strictly the limit is read.
 */
export const requestBytesOf = (recordBytes: number): number => 4 * Math.ceil(recordBytes / 3) + 12;

/** How many records from the front of `sizes` (record byte lengths) go into the next call. */
export function batchLength(sizes: readonly number[], limits: { records: number; requestBytes: number } = { records: FIREHOSE_LIMITS.recordsPerCall, requestBytes: FIREHOSE_LIMITS.requestBytes }): number {
  let bytes = 64; // {"DeliveryStreamName":"…","Records":[…]} without the stream name's length: generous
  let count = 0;
  for (const size of sizes) {
    if (count >= limits.records) break;
    const next = bytes + requestBytesOf(size);
    // A record alone always goes (put() already refused anything over the record limit).
    if (count > 0 && next > limits.requestBytes) break;
    bytes = next;
    count += 1;
  }
  return count;
}

/** Delay before retry number `attempt` (1-based): exponential, capped, half of it jittered. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: number = Math.random()): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return ceiling / 2 + (ceiling / 2) * random;
}

export class EventRecordTooLargeError extends Error {
  override readonly name = 'EventRecordTooLargeError';
  constructor(
    /** Index of the offending record in the array given to put(). */
    readonly index: number,
    readonly bytes: number,
  ) {
    super(
      `Event record ${index} is ${bytes} bytes as a JSON line, over Firehose's limit of ${FIREHOSE_LIMITS.recordBytes} bytes (1,000 KiB) per record; nothing from this put() was sent`,
    );
  }
}

export class EventSinkError extends Error {
  override readonly name = 'EventSinkError';
  constructor(
    message: string,
    /** Firehose error codes seen for the records that were not accepted. */
    readonly codes: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface FirehoseEventSinkOptions {
  /** Attempts per record (the first send included) before its caller is rejected. Default 8. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt up to maxDelayMs. Default 100. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** PutRecordBatch calls in flight at once; beyond the first, only full batches start. Default 4. */
  readonly maxInFlight?: number;
}

interface Caller {
  remaining: number;
  settled: boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Pending {
  readonly data: Uint8Array;
  readonly caller: Caller;
  attempts: number;
}

interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const retryableNames = new Set(['ServiceUnavailableException', 'ThrottlingException', 'LimitExceededException', 'InternalFailure', 'InternalServerError', 'RequestTimeout', 'TimeoutError']);

/** Whether a whole-call failure may pass if tried again (throttling, 5xx, the network). */
function retryable(error: unknown): boolean {
  const e = (error ?? {}) as SdkError;
  if (e.$retryable || retryableNames.has(e.name ?? '')) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === undefined ? !(error instanceof TypeError) : status >= 500 || status === 429;
}

export class FirehoseEventSink implements EventSink {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly client: FirehoseClient,
    private readonly streamName: string,
    options: FirehoseEventSinkOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
  }

  async put(records: readonly object[]): Promise<void> {
    if (records.length === 0) return;
    // Checked before anything is queued: a refused put() sends none of its records.
    const lines = records.map((record, index) => {
      const json = JSON.stringify(record) as string | undefined;
      if (json === undefined) throw new TypeError(`Event record ${index} is not JSON-serialisable`);
      const data = Buffer.from(`${json}\n`, 'utf8');
      if (data.length > FIREHOSE_LIMITS.recordBytes) throw new EventRecordTooLargeError(index, data.length);
      return data;
    });
    await new Promise<void>((resolve, reject) => {
      const caller: Caller = { remaining: lines.length, settled: false, resolve, reject };
      for (const data of lines) this.queue.push({ data, caller, attempts: 0 });
      this.schedule();
    });
  }

  /** Pumps once per turn of the event loop, so puts made together share a call. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const n = batchLength(this.queue.slice(0, FIREHOSE_LIMITS.recordsPerCall).map((p) => p.data.length));
      const full = n < this.queue.length || n >= FIREHOSE_LIMITS.recordsPerCall;
      // Group commit: while a call is in flight, a batch that is not full keeps accumulating.
      if (this.inFlight > 0 && !full) return;
      const batch = this.queue.splice(0, n);
      this.inFlight += 1;
      void this.send(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    for (const p of batch) p.attempts += 1;
    let responses;
    try {
      const output = await this.client.send(new PutRecordBatchCommand({ DeliveryStreamName: this.streamName, Records: batch.map((p) => ({ Data: p.data })) }));
      responses = output.RequestResponses ?? [];
    } catch (error) {
      const e = (error ?? {}) as SdkError;
      const code = e.name ?? 'Error';
      if (retryable(error)) this.retry(batch, [code], e.message ?? String(error));
      else this.fail(batch, new EventSinkError(`Firehose stream ${this.streamName} refused PutRecordBatch: ${code}: ${e.message ?? String(error)}`, [code], { cause: error }));
      return;
    }
    if (responses.length !== batch.length) {
      // Cannot tell which records went: send them all again (at-least-once).
      this.retry(batch, ['InvalidResponse'], `PutRecordBatch answered ${responses.length} results for ${batch.length} records`);
      return;
    }
    const again: Pending[] = [];
    const codes: string[] = [];
    let message = '';
    batch.forEach((p, i) => {
      const result = responses[i];
      if (result?.ErrorCode) {
        again.push(p);
        codes.push(result.ErrorCode);
        message ||= result.ErrorMessage ?? '';
      } else this.acknowledge(p.caller);
    });
    if (again.length > 0) this.retry(again, codes, message);
  }

  private acknowledge(caller: Caller): void {
    caller.remaining -= 1;
    if (caller.remaining === 0 && !caller.settled) {
      caller.settled = true;
      caller.resolve();
    }
  }

  private retry(items: Pending[], codes: readonly string[], message: string): void {
    const alive = items.filter((p) => !p.caller.settled);
    const exhausted = alive.filter((p) => p.attempts >= this.maxAttempts);
    if (exhausted.length > 0) {
      const distinct = [...new Set(codes)];
      this.fail(
        exhausted,
        new EventSinkError(
          `Firehose stream ${this.streamName} did not accept ${exhausted.length} record(s) after ${this.maxAttempts} attempts: ${distinct.join(', ')}${message ? ` (${message})` : ''}`,
          distinct,
        ),
      );
    }
    const later = alive.filter((p) => p.attempts < this.maxAttempts);
    if (later.length === 0) return;
    const attempt = Math.max(...later.map((p) => p.attempts));
    setTimeout(() => {
      // Back at the front: retried records go before newer ones.
      this.queue.unshift(...later.filter((p) => !p.caller.settled));
      this.schedule();
    }, backoffMs(attempt, this.baseDelayMs, this.maxDelayMs));
  }

  /** Rejects the callers of `items`, and drops their records still waiting to be sent. */
  private fail(items: readonly Pending[], error: Error): void {
    const callers = new Set(items.map((p) => p.caller));
    for (const caller of callers) {
      if (caller.settled) continue;
      caller.settled = true;
      caller.reject(error);
    }
    this.queue = this.queue.filter((p) => !p.caller.settled);
  }
}

let sharedClient: FirehoseClient | undefined;
let sharedSink: FirehoseEventSink | undefined;

/** One client per container, built on first use; the endpoint comes from AWS_ENDPOINT_URL_FIREHOSE if set. */
export function firehoseClient(): FirehoseClient {
  sharedClient ??= new FirehoseClient({ region: required('AWS_REGION') });
  return sharedClient;
}

/**
 * The events stream named by EVENTS_STREAM_NAME. One sink per container: every caller shares
 * its queue, which is what lets concurrent puts coalesce into one PutRecordBatch call.
 */
export function eventSinkFromEnv(): EventSink {
  sharedSink ??= new FirehoseEventSink(firehoseClient(), required('EVENTS_STREAM_NAME'));
  return sharedSink;
}
