/**
 * The delivery pipeline's promise under injected faults, in the sandbox: every SQS message
 * delivered twice, workers dying right after SES accepted a message (before the ledger heard of
 * it), 20% of SES calls throttled, 2% of mailboxes rejecting permanently. A 10,000-recipient
 * campaign must end with every deliverable recipient holding exactly one message, every failure
 * recorded with its reason, unsubscribed and suppressed addresses never mailed, and the counts
 * adding up.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressShare } from '../../infra/local/emulators/ses';
import { startSandbox, type Sandbox } from '../../infra/local/sandbox';
import { s3BlobStore } from '../../shared/adapters/aws/blob-store.s3';
import { deliveryLedgerFromEnv } from '../../shared/adapters/aws/delivery-ledger.dynamodb';
import { suppressionStoreFromEnv } from '../../shared/adapters/aws/suppression-store.dynamodb';
import { injectedCrashes, setDeliveryFaults } from '../../shared/delivery/faults';
import type { DeliveryRecord } from '../../shared/delivery/types';

// FAULT_RECIPIENTS shrinks the run while debugging; the test's claim is about 10,000.
const recipients = Number(process.env.FAULT_RECIPIENTS ?? 10_000);
const permanentRate = 0.02;
const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-faults-'));
let sandbox: Sandbox;
let admin: string;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${admin}` },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
}

beforeAll(async () => {
  sandbox = await startSandbox({
    dataDir,
    seed: true,
    quiet: true,
    console: false,
    // Raw mail straight to disk and index: the inbox's parser would dominate a 10,000-message run.
    fastMail: true,
    queueVisibilitySeconds: 8,
    env: { MAIL_LEASE_SECONDS: '10', MAIL_RECONCILE_SECONDS: '3', MAIL_CONTINUE_SECONDS: '1', MAIL_WATCH_SECONDS: '1' },
  });
  const signIn = await fetch(`${sandbox.apiUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: sandbox.demo?.adminEmail, password: sandbox.demo?.adminPassword }),
  });
  admin = ((await signIn.json()) as Json).idToken as string;
}, 180_000);

afterAll(async () => {
  setDeliveryFaults(undefined);
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('delivery under injected faults', () => {
  it('gives each of 10,000 recipients exactly one message, records every failure and adds up', async () => {
    const ws = sandbox.demo?.workspaceId as string;
    const main = Array.from({ length: recipients }, (_, i) => `r${i}@example.com`);
    const unsubscribed = ['u0@example.com', 'u1@example.com', 'u2@example.com'];
    const suppressed = ['s0@example.com', 's1@example.com'];
    for (const email of unsubscribed) expect((await call('POST', '/contacts', { email, status: 'unsubscribed' })).status).toBe(201);
    await suppressionStoreFromEnv().add(ws, suppressed.map((email) => ({ email, reason: 'bounce' as const, at: new Date().toISOString() })));
    const key = `lists/${ws}/faults/list.csv`;
    await s3BlobStore('uploads').put(key, `email,name\n${[...main, ...unsubscribed, ...suppressed].map((e, i) => `${e},收件人${i}`).join('\n')}\n`, 'text/csv');

    const created = await call('POST', '/campaigns', {
      name: 'fault injection',
      content: { subject: '{{ name }} 您好', fromEmail: 'news@pigeon.local', html: '<p>{{ name }}，<a href="https://shop.example.com/">商店</a> <a href="{{ unsubscribe_url }}">取消訂閱</a></p>', charset: 'UTF-8' },
      audience: { sources: [{ kind: 'upload', key, fileName: 'list.csv' }], exclusions: [] },
    });
    expect(created.status).toBe(201);

    sandbox.queueRunner.injectDuplicateDeliveries(true);
    sandbox.ses.setFaults({ throttleRate: 0.2, permanentRate });
    setDeliveryFaults({ crashAfterAccept: 0.002 });
    const launched = await call('POST', `/campaigns/${created.body.id}/launch`, {});
    expect(launched.status).toBe(202);
    const runId = launched.body.run.id as string;

    let run: Json = {};
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline) {
      run = (await call('GET', `/campaigns/${created.body.id}/runs/${runId}`)).body;
      if (['completed', 'failed', 'cancelled'].includes(run.status as string)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const crashes = injectedCrashes();
    sandbox.queueRunner.injectDuplicateDeliveries(false);
    sandbox.ses.setFaults(undefined);
    setDeliveryFaults(undefined);
    expect(run.status, JSON.stringify({ progress: run.progress, parts: run.parts, watchSeq: run.watchSeq })).toBe('completed');
    expect(crashes).toBeGreaterThan(0);

    // What SES accepted for this run, per recipient.
    const received = new Map<string, number>();
    for (const line of readFileSync(join(dataDir, 'mail-raw', 'index.jsonl'), 'utf8').split('\n')) {
      if (!line) continue;
      const message = JSON.parse(line) as { destination: string[]; tags: Record<string, string[]> };
      if (message.tags.run?.[0] !== runId) continue;
      for (const to of message.destination) received.set(to, (received.get(to) ?? 0) + 1);
    }
    const rejected = main.filter((email) => addressShare(email) < permanentRate);
    const deliverable = main.filter((email) => addressShare(email) >= permanentRate);
    expect(rejected.length).toBeGreaterThan(recipients / 100);
    expect(deliverable.filter((email) => received.get(email) !== 1)).toEqual([]);
    expect(rejected.filter((email) => received.has(email))).toEqual([]);
    expect([...unsubscribed, ...suppressed].filter((email) => received.has(email))).toEqual([]);
    expect(received.size).toBe(deliverable.length);

    // Every failure recorded with its reason; the counts add up.
    const records: DeliveryRecord[] = [];
    for await (const page of deliveryLedgerFromEnv().listRun(runId)) records.push(...page);
    const failed = records.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.email).sort()).toEqual([...rejected].sort());
    expect(failed.every((r) => /MessageRejected/.test(r.reason ?? ''))).toBe(true);
    expect(records.filter((r) => r.status === 'sent')).toHaveLength(deliverable.length);
    expect(run.audienceSummary).toMatchObject({ total: recipients, suppressed: unsubscribed.length + suppressed.length });
    expect(run.progress).toEqual({ total: recipients, queued: 0, sent: deliverable.length, failed: rejected.length, suppressed: 0, cancelled: 0 });
    expect(run.pointsUsed).toBe(deliverable.length);
  }, 660_000);
});
