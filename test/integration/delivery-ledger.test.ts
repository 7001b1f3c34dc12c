/**
 * The delivery ledger on both emulators: a recipient is claimed by one worker only (twenty at
 * once, one wins), a settled recipient is final, a lapsed lease waits out the reconcile window
 * before anyone may send again, SES's Send event settles an in-doubt send, a released
 * (throttled) recipient is claimable at once, and a run's records list in address order.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localDynamoClient, startDynalite, startDynamoDbLocal, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { DynamoDeliveryLedger } from '../../shared/adapters/aws/delivery-ledger.dynamodb';
import type { ClaimRequest } from '../../shared/delivery/ledger';

describe.each([
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
])('delivery ledger on %s', (_name, start) => {
  let dynamo: RunningDynamo;
  let ledger: DynamoDeliveryLedger;
  const runId = `run-${randomUUID()}`;
  const base = { workspaceId: 'ws1', campaignId: 'c1', runId, leaseMs: 60_000, reconcileMs: 300_000 };
  const claim = (email: string, owner: string, now: number, extra: Partial<ClaimRequest> = {}) => ledger.claim({ ...base, email, owner, attempt: `${owner}-${now}`, now, ...extra });

  beforeAll(async () => {
    dynamo = await start();
    const env = await createTables(dynamo.endpoint, `d${randomUUID().slice(0, 8)}`);
    const db = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint), { marshallOptions: { removeUndefinedValues: true } });
    ledger = new DynamoDeliveryLedger({ client: db, tableName: env.TABLE_DELIVERIES as string });
  }, 120_000);

  afterAll(async () => {
    await dynamo?.stop();
  });

  it('lets exactly one of twenty concurrent workers claim a recipient', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => claim('race@example.com', `w${i}`, 1_000)));
    expect(outcomes.filter((o) => o.kind === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'busy')).toHaveLength(19);
  });

  it('keeps a sent recipient final, and only the holding attempt may settle it', async () => {
    const won = await claim('a@example.com', 'w1', 1_000);
    expect(won).toEqual({ kind: 'claimed', attempt: 'w1-1000' });
    expect(await ledger.markSent({ runId, email: 'a@example.com' }, 'someone-else', 'm0', 'now')).toBe(false);
    expect(await ledger.markSent({ runId, email: 'a@example.com' }, 'w1-1000', 'm1', '2026-11-29T00:00:00Z')).toBe(true);
    expect(await claim('a@example.com', 'w2', 10_000_000)).toEqual({ kind: 'final', status: 'sent' });
    expect(await ledger.get({ runId, email: 'a@example.com' })).toMatchObject({ status: 'sent', messageId: 'm1', attempts: 1 });
  });

  it('waits out lease and reconcile window after a crash, unless the Send event settles it', async () => {
    await claim('b@example.com', 'w1', 1_000);
    await claim('c@example.com', 'w1', 1_000);
    // Lease lapsed (61 s) but the reconcile window (5 min) has not: still busy.
    const early = await claim('b@example.com', 'w2', 62_000);
    expect(early.kind).toBe('busy');
    if (early.kind === 'busy') expect(early.retryAfterMs).toBe(1_000 + 60_000 + 300_000 - 62_000);
    // SES's Send event arrives for c: final for everyone.
    expect(await ledger.recordSendEvent({ runId, email: 'c@example.com' }, 'ses-1', 'now')).toBe(true);
    expect(await claim('c@example.com', 'w2', 1_000_000)).toEqual({ kind: 'final', status: 'sent' });
    // No event for b after the window: claimable again, as attempt two.
    expect((await claim('b@example.com', 'w2', 400_000)).kind).toBe('claimed');
    expect((await ledger.get({ runId, email: 'b@example.com' }))?.attempts).toBe(2);
  });

  it('makes a released (throttled) recipient claimable at once, and settles unclaimed ones once', async () => {
    await claim('d@example.com', 'w1', 1_000);
    await ledger.release({ runId, email: 'd@example.com' }, 'w1-1000');
    expect((await claim('d@example.com', 'w2', 1_001)).kind).toBe('claimed');
    expect(await ledger.settleUnclaimed({ workspaceId: 'ws1', campaignId: 'c1', runId, email: 'e@example.com', status: 'suppressed' }, 'now')).toBe(true);
    expect(await ledger.settleUnclaimed({ workspaceId: 'ws1', campaignId: 'c1', runId, email: 'e@example.com', status: 'cancelled' }, 'now')).toBe(false);
    expect(await ledger.settleUnclaimed({ workspaceId: 'ws1', campaignId: 'c1', runId, email: 'a@example.com', status: 'cancelled' }, 'now')).toBe(false);
  });

  it('records a permanent failure with its reason and lists the run in address order', async () => {
    await claim('f@example.com', 'w1', 1_000);
    expect(await ledger.markFailed({ runId, email: 'f@example.com' }, 'w1-1000', 'MessageRejected: mailbox unavailable', 'now')).toBe(true);
    const all = [];
    for await (const page of ledger.listRun(runId)) all.push(...page);
    expect(all.map((r) => r.email)).toEqual([...all.map((r) => r.email)].sort());
    expect(all.find((r) => r.email === 'f@example.com')).toMatchObject({ status: 'failed', reason: 'MessageRejected: mailbox unavailable' });
  });
});
