/**
 * Queue port over SQS (SDK v3). The same adapter runs against the sandbox's queue runner, which
 * speaks SQS's JSON protocol, through AWS_ENDPOINT_URL_SQS.
 */
import {
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { clientOptions, queueUrl } from '../../config';
import type { QueueName } from '../../../infra/manifest';
import type { OutgoingMessage, Queue, SendResult } from '../../ports/queue';

let sharedClient: SQSClient | undefined;

/** One client per container, built on first use. */
export function sqsClient(): SQSClient {
  sharedClient ??= new SQSClient(clientOptions('SQS'));
  return sharedClient;
}

export class QueueSendError extends Error {
  override readonly name = 'QueueSendError';
  constructor(
    /** Indexes (into the array given to sendMany) of the messages that were not sent. */
    readonly failedIndexes: readonly number[],
    readonly reasons: readonly string[],
  ) {
    super(`${failedIndexes.length} message(s) not sent: ${[...new Set(reasons)].join('; ')}`);
  }
}

export interface SqsQueueOptions {
  /** Attempts per batch entry before sendMany gives up on it (retryable failures only). */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
}

function attributesOf(message: OutgoingMessage): Record<string, MessageAttributeValue> | undefined {
  if (!message.attributes) return undefined;
  return Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
}

export class SqsQueue implements Queue {
  constructor(
    private readonly url: string,
    private readonly client: SQSClient = sqsClient(),
    private readonly options: SqsQueueOptions = {},
  ) {}

  async send(message: OutgoingMessage): Promise<SendResult> {
    const output = await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.url,
        MessageBody: JSON.stringify(message.body),
        DelaySeconds: message.delaySeconds,
        MessageAttributes: attributesOf(message),
      }),
    );
    return { messageId: output.MessageId as string };
  }

  /**
   * Sends in batches of ten. Entries SQS reports as failed are retried with backoff unless the
   * failure was the sender's fault (retrying a malformed message cannot help); whatever still
   * failed is reported together, so the caller knows exactly which messages did not go.
   */
  async sendMany(messages: readonly OutgoingMessage[]): Promise<SendResult[]> {
    const results: SendResult[] = new Array<SendResult>(messages.length);
    const failed: number[] = [];
    const reasons: string[] = [];
    const maxAttempts = this.options.maxAttempts ?? 4;
    const baseDelay = this.options.baseDelayMs ?? 100;
    for (let start = 0; start < messages.length; start += 10) {
      let pending = messages.slice(start, start + 10).map((message, i) => ({ index: start + i, message }));
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        const entries: SendMessageBatchRequestEntry[] = pending.map(({ index, message }) => ({
          Id: String(index),
          MessageBody: JSON.stringify(message.body),
          DelaySeconds: message.delaySeconds,
          MessageAttributes: attributesOf(message),
        }));
        const output = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.url, Entries: entries }));
        for (const ok of output.Successful ?? []) results[Number(ok.Id)] = { messageId: ok.MessageId as string };
        const retry: typeof pending = [];
        for (const failure of output.Failed ?? []) {
          const entry = pending.find((p) => String(p.index) === failure.Id);
          if (!entry) continue;
          if (failure.SenderFault || attempt >= maxAttempts) {
            failed.push(entry.index);
            reasons.push(`${failure.Code ?? 'Error'}: ${failure.Message ?? ''}`.trim());
          } else retry.push(entry);
        }
        pending = retry;
        if (pending.length > 0) await new Promise((r) => setTimeout(r, baseDelay * 2 ** (attempt - 1)));
      }
    }
    if (failed.length > 0) throw new QueueSendError(failed.sort((a, b) => a - b), reasons);
    return results;
  }
}

/** The queue a function was bound to in the manifest, from its environment variable. */
export function sqsQueue(name: QueueName): Queue {
  return new SqsQueue(queueUrl(name));
}
