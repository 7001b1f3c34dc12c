/**
 * The local queue runner's SQS semantics, driven through the production SQS adapter
 * (shared/adapters/aws/queue.sqs.ts) and the real SDK client over its JSON protocol.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, PurgeQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QueueSendError, SqsQueue } from '../../shared/adapters/aws/queue.sqs';
import { QueueRunner } from '../../infra/local/queue-runner';

const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-queue-'));
let runner: QueueRunner;
let client: SQSClient;

const queues = [
  { name: 'work', visibilityTimeoutSeconds: 1, redrive: { deadLetterQueue: 'work-dlq', maxReceiveCount: 2 } },
  { name: 'work-dlq', visibilityTimeoutSeconds: 1 },
  { name: 'plain', visibilityTimeoutSeconds: 1 },
];

async function counts(queue: string) {
  const { Attributes = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: runner.queueUrl(queue), AttributeNames: ['All'] }));
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

const until = async (check: () => boolean | Promise<boolean>, ms = 8000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

beforeAll(async () => {
  runner = await QueueRunner.start({ queues, dataDir, pollIntervalMs: 20 });
  client = new SQSClient({ endpoint: runner.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  client.destroy();
  await runner.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  for (const q of queues) await client.send(new PurgeQueueCommand({ QueueUrl: runner.queueUrl(q.name) }));
});

describe('queue runner through the SQS adapter', () => {
  it('sends many in batches of ten, with message ids and body MD5s the SDK checks', async () => {
    const queue = new SqsQueue(runner.queueUrl('plain'), client);
    const results = await queue.sendMany(Array.from({ length: 23 }, (_, i) => ({ body: { n: i, text: '信鴿' }, attributes: { kind: 'test' } })));
    expect(results).toHaveLength(23);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(23);
    expect((await counts('plain')).visible).toBe(23);
    // ReceiveMessage through the SDK: it verifies MD5OfBody and fails on a mismatch.
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: runner.queueUrl('plain'), MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    expect(Messages).toHaveLength(10);
    expect(JSON.parse(Messages[0]?.Body ?? '{}')).toMatchObject({ text: '信鴿' });
    expect(Messages[0]?.MessageAttributes?.kind?.StringValue).toBe('test');
    expect(await counts('plain')).toMatchObject({ visible: 13, inFlight: 10 });
  });

  it('retries batch entries that failed on the server side, and names those that never went', async () => {
    const queue = new SqsQueue(runner.queueUrl('plain'), client, { baseDelayMs: 5, maxAttempts: 3 });
    runner.injectBatchEntryFailures(3);
    expect(await queue.sendMany(Array.from({ length: 12 }, (_, i) => ({ body: i })))).toHaveLength(12);
    expect((await counts('plain')).visible).toBe(12);

    runner.injectBatchEntryFailures(100);
    const error = await queue.sendMany([{ body: 'a' }, { body: 'b' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueSendError);
    expect((error as QueueSendError).failedIndexes).toEqual([0, 1]);
    runner.injectBatchEntryFailures(0);
  });

  it('delays a message for its DelaySeconds', async () => {
    const queue = new SqsQueue(runner.queueUrl('plain'), client);
    await queue.send({ body: 'later', delaySeconds: 1 });
    expect(await counts('plain')).toMatchObject({ visible: 0, delayed: 1 });
    await until(async () => (await counts('plain')).visible === 1);
  });

  it('delivers SQSEvents to a consumer; partial batch failures come back after the visibility timeout, then go to the DLQ', async () => {
    const seen = new Map<string, number[]>();
    runner.attachConsumer('work', {
      name: 'worker',
      handler: async (event: SQSEvent): Promise<SQSBatchResponse> => {
        expect(event.Records.length).toBeLessThanOrEqual(10);
        const failures = [];
        for (const record of event.Records) {
          expect(record.eventSource).toBe('aws:sqs');
          const body = JSON.parse(record.body) as string;
          (seen.get(body) ?? seen.set(body, []).get(body))?.push(Number(record.attributes.ApproximateReceiveCount));
          if (body.startsWith('bad')) failures.push({ itemIdentifier: record.messageId });
        }
        return { batchItemFailures: failures };
      },
    });
    const queue = new SqsQueue(runner.queueUrl('work'), client);
    await queue.sendMany([{ body: 'good-1' }, { body: 'bad-1' }, { body: 'good-2' }]);

    await until(() => (seen.get('good-1')?.length ?? 0) === 1 && (seen.get('bad-1')?.length ?? 0) === 1);
    // The failed one is invisible, not lost, for the visibility timeout (1 s)…
    expect(await counts('work')).toMatchObject({ visible: 0, inFlight: 1 });
    // …then delivered again with a higher receive count, and after maxReceiveCount (2) redriven.
    await until(async () => (await counts('work-dlq')).visible === 1);
    expect(seen.get('bad-1')).toEqual([1, 2]);
    expect(seen.get('good-1')).toEqual([1]);
    expect(seen.get('good-2')).toEqual([1]);
    expect(await counts('work')).toMatchObject({ visible: 0, inFlight: 0 });
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: runner.queueUrl('work-dlq') }));
    expect(JSON.parse(Messages[0]?.Body ?? '""')).toBe('bad-1');
  });

  it('a thrown error fails the whole batch', async () => {
    let calls = 0;
    runner.attachConsumer('plain', {
      name: 'thrower',
      handler: async () => {
        calls += 1;
        throw new Error('boom');
      },
    });
    await new SqsQueue(runner.queueUrl('plain'), client).sendMany([{ body: 1 }, { body: 2 }]);
    await until(() => calls === 1);
    expect(await counts('plain')).toMatchObject({ inFlight: 2 });
  });

  it('keeps queue contents across a restart', async () => {
    const restartDir = mkdtempSync(join(tmpdir(), 'pigeon-queue-restart-'));
    const config = [{ name: 'kept', visibilityTimeoutSeconds: 30 }];
    const first = await QueueRunner.start({ queues: config, dataDir: restartDir });
    const firstClient = new SQSClient({ endpoint: first.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    await new SqsQueue(first.queueUrl('kept'), firstClient).send({ body: { keep: true } });
    firstClient.destroy();
    await first.stop();

    const second = await QueueRunner.start({ queues: config, dataDir: restartDir });
    const secondClient = new SQSClient({ endpoint: second.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const { Messages = [] } = await secondClient.send(new ReceiveMessageCommand({ QueueUrl: second.queueUrl('kept') }));
    expect(Messages.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([{ keep: true }]);
    secondClient.destroy();
    await second.stop();
    rmSync(restartDir, { recursive: true, force: true });
  });
});
