/**
 * The campaign and quota DynamoDB adapters on both emulators: campaigns listed newest first with
 * a cursor, runs of a campaign in one query, conditional run updates and atomic progress counts,
 * and quota reservations that never overdraw — 20 concurrent runs on a balance for 10 — with
 * idempotent retries and settlement.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localDynamoClient, startDynalite, startDynamoDbLocal, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { DynamoCampaignStore } from '../../shared/adapters/aws/campaign-store.dynamodb';
import { DynamoQuotaStore } from '../../shared/adapters/aws/quota-store.dynamodb';
import type { Campaign } from '../../shared/campaigns/model';
import { newRun } from '../../shared/campaigns/launch';
import { createRunBookkeeping } from '../../shared/campaigns/runs';
import { ulid } from '../../shared/contacts/ids';
import { StaleVersionError } from '../../shared/contacts/contact-store';
import { QuotaShortError } from '../../shared/quotas/model';
import { reservePoints, settlePoints } from '../../shared/quotas/quotas';

const at = '2026-11-24T02:00:00.000Z';
const clock = { now: () => new Date() };

const campaign = (ws: string, id: string, extra: Partial<Campaign> = {}): Campaign => ({
  id,
  workspaceId: ws,
  name: `c ${id}`,
  type: 'formal',
  status: 'draft',
  content: { subject: 'Hi {{ name }}', fromEmail: 'news@pigeon.local', html: '<p>hi</p>', charset: 'UTF-8', attachments: [] },
  audience: { sources: [{ kind: 'list', lines: ['a@example.com'] }], exclusions: [] },
  audit: [],
  createdBy: 'u1',
  createdAt: at,
  updatedAt: at,
  version: 1,
  ...extra,
});

describe.each([
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
])('campaign and quota stores on %s', (_name, start) => {
  let dynamo: RunningDynamo;
  let campaigns: DynamoCampaignStore;
  let quotas: DynamoQuotaStore;
  const ws = `ws-${randomUUID()}`;

  beforeAll(async () => {
    dynamo = await start();
    const env = await createTables(dynamo.endpoint, `c${randomUUID().slice(0, 8)}`);
    const db = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint), { marshallOptions: { removeUndefinedValues: true } });
    campaigns = new DynamoCampaignStore({ client: db, tableName: env.TABLE_CAMPAIGNS as string });
    quotas = new DynamoQuotaStore({ client: db, tableName: env.TABLE_CAMPAIGNS as string });
  }, 120_000);

  afterAll(async () => {
    await dynamo?.stop();
  });

  it('lists campaigns newest first across pages, and writes only at the expected version', async () => {
    const ids = [0, 1, 2, 3, 4].map((i) => ulid(Date.parse(at) + i * 1000));
    for (const id of ids) await campaigns.putCampaign(campaign(ws, id));
    await quotas.setBalance(ws, { kind: 'user', id: 'u1' }, 5, 'admin', at); // same partition, never listed as a campaign
    const first = await campaigns.listCampaigns(ws, { limit: 3 });
    expect(first.items.map((c) => c.id)).toEqual([ids[4], ids[3], ids[2]]);
    const second = await campaigns.listCampaigns(ws, { limit: 3, cursor: first.next });
    expect(second.items.map((c) => c.id)).toEqual([ids[1], ids[0]]);

    const stored = (await campaigns.getCampaign(ws, ids[0]!))!;
    await campaigns.putCampaign({ ...stored, name: 'renamed', version: 2 }, 1);
    await expect(campaigns.putCampaign({ ...stored, name: 'lost update', version: 2 }, 1)).rejects.toBeInstanceOf(StaleVersionError);
    await expect(campaigns.deleteCampaign(ws, ids[0]!, 1)).rejects.toBeInstanceOf(StaleVersionError);
    await campaigns.deleteCampaign(ws, ids[0]!, 2);
    expect(await campaigns.getCampaign(ws, ids[0]!)).toBeUndefined();
    expect(await campaigns.getCampaign('another-ws', ids[1]!)).toBeUndefined();
  });

  it('keeps runs per campaign, newest first, with conditional updates and concurrent progress counts', async () => {
    const c = campaign(ws, ulid());
    const runs = [0, 1, 2].map((i) => newRun(c, { id: 'u1' }, new Date(Date.parse(at) + i * 1000).toISOString(), { status: 'sending' }));
    for (const run of runs) await campaigns.createRun(run);
    expect((await campaigns.listRuns(ws, c.id)).map((r) => r.id)).toEqual([runs[2]!.id, runs[1]!.id, runs[0]!.id]);
    expect(await campaigns.getRun('another-ws', c.id, runs[0]!.id)).toBeUndefined();
    const triggered = campaign(ws, ulid(), { type: 'triggered' });
    await campaigns.putCampaign(triggered);
    const testRun = newRun(triggered, { id: 'u1' }, at, { status: 'sending', type: 'test' });
    await campaigns.createRun(testRun);
    expect((await campaigns.getCampaign(ws, triggered.id))?.type).toBe('triggered');
    expect((await campaigns.getRun(ws, triggered.id, testRun.id))?.type).toBe('test');

    const run = runs[0]!;
    const planned = await campaigns.updateRun(ws, c.id, run.id, { parts: 3, progress: { ...run.progress, total: 30, queued: 30 } }, { status: ['planning', 'sending'], version: 1 });
    expect(planned).toMatchObject({ parts: 3, version: 2, status: 'sending' });
    await expect(campaigns.updateRun(ws, c.id, run.id, { parts: 4 }, { version: 1 })).rejects.toBeInstanceOf(StaleVersionError);
    await expect(campaigns.updateRun(ws, c.id, run.id, { status: 'sending' }, { status: 'paused' })).rejects.toBeInstanceOf(StaleVersionError);
    await expect(campaigns.updateRun('another-ws', c.id, run.id, { parts: 9 })).rejects.toBeInstanceOf(StaleVersionError);

    await Promise.all(Array.from({ length: 10 }, () => campaigns.addRunProgress(ws, c.id, run.id, { sent: 2, failed: 1 })));
    expect((await campaigns.getRun(ws, c.id, run.id))?.progress).toMatchObject({ total: 30, sent: 20, failed: 10 });
  });

  it('never overdraws: 20 concurrent runs of 1 point on a balance of 10 → exactly 10 reserve', async () => {
    const deps = { quotas, clock };
    const owner = { kind: 'department', id: `d-${randomUUID()}` } as const;
    await quotas.setBalance(ws, owner, 10, 'admin', at);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => reservePoints(deps, ws, { departmentId: owner.id }, `run-${owner.id}-${i}`, 1)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(refused.every((r) => (r as PromiseRejectedResult).reason instanceof QuotaShortError)).toBe(true);
    expect(await quotas.get(ws, owner)).toMatchObject({ balance: 10, reserved: 10, available: 0, used: 0 });
  });

  it('holds on user and department, names the short one, retries idempotently and settles once', async () => {
    const deps = { quotas, clock };
    const user = { kind: 'user', id: `u-${randomUUID()}` } as const;
    const dept = { kind: 'department', id: `d-${randomUUID()}` } as const;
    const holders = { userId: user.id, departmentId: dept.id };
    await quotas.setBalance(ws, user, 100, 'admin', at);
    await quotas.setBalance(ws, dept, 30, 'admin', at);

    const short = await reservePoints(deps, ws, holders, 'big', 50).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(QuotaShortError);
    expect((short as Error).message).toBe(`Needs 50 points; 30 left for department ${dept.id} (short by 20)`);
    expect((await quotas.get(ws, user))?.reserved).toBe(0);

    await reservePoints(deps, ws, holders, 'r1', 20);
    await reservePoints(deps, ws, holders, 'r1', 20);
    // A retry after a crash between the two holds: the reservation record says "reserving".
    expect(await quotas.hold(ws, user, 'r1', 20)).toEqual({ kind: 'already' });
    expect(await quotas.get(ws, user)).toMatchObject({ reserved: 20, available: 80 });

    // An admin top-up while points are held keeps the hold.
    await quotas.setBalance(ws, dept, 40, 'admin', at);
    expect(await quotas.get(ws, dept)).toMatchObject({ balance: 40, reserved: 20, available: 20 });

    await settlePoints(deps, ws, 'r1', 12);
    await settlePoints(deps, ws, 'r1', 12);
    expect(await quotas.get(ws, user)).toMatchObject({ balance: 88, reserved: 0, used: 12, available: 88 });
    expect(await quotas.get(ws, dept)).toMatchObject({ balance: 28, reserved: 0, used: 12, available: 28 });
    expect((await quotas.list(ws)).map((q) => q.owner.id)).toEqual(expect.arrayContaining([user.id, dept.id]));
  });

  it('finishes a run: run completed, points settled from progress, campaign completed with an audit entry', async () => {
    const runsApi = createRunBookkeeping({ campaigns, quotas, clock });
    const c = campaign(ws, ulid(), { status: 'sending' });
    const run = newRun(c, { id: 'u-fin' }, at, { status: 'sending' });
    await campaigns.putCampaign({ ...c, lastRunId: run.id });
    await campaigns.createRun(run);
    const owner = { kind: 'user', id: 'u-fin' } as const;
    await quotas.setBalance(ws, owner, 10, 'admin', at);
    await runsApi.reservePoints(ws, { userId: 'u-fin' }, run.id, 5);
    await runsApi.addRunProgress(ws, c.id, run.id, { sent: 4, failed: 1 });
    const { run: done, campaign: after } = await runsApi.finishRun(ws, c.id, run.id, { status: 'completed' });
    expect(done).toMatchObject({ status: 'completed', pointsUsed: 4, pointsReserved: 5 });
    expect(after).toMatchObject({ status: 'completed' });
    expect(after?.audit.at(-1)).toMatchObject({ by: 'delivery', from: 'sending', to: 'completed' });
    expect(await quotas.get(ws, owner)).toMatchObject({ balance: 6, used: 4, reserved: 0 });
    // Finishing again changes nothing.
    await runsApi.finishRun(ws, c.id, run.id, { status: 'completed' });
    expect(await quotas.get(ws, owner)).toMatchObject({ balance: 6, used: 4 });
  });

  it('recurring fires: one run per fire (idempotent by run id), back to scheduled when it ends; a failed run returns a one-off to approved', async () => {
    const runsApi = createRunBookkeeping({ campaigns, quotas, clock });
    const daily = campaign(ws, ulid(), { status: 'scheduled', schedule: { expression: 'cron(0 9 * * ? *)', timezone: 'Asia/Taipei' }, launchedBy: 'u-rec', launchedByDepartment: 'd-rec' });
    await campaigns.putCampaign(daily);
    const fireId = ulid();
    const run = await runsApi.createRunFromCampaign(ws, daily.id, { runId: fireId });
    expect(await runsApi.createRunFromCampaign(ws, daily.id, { runId: fireId })).toMatchObject({ id: fireId });
    expect(run).toMatchObject({ id: fireId, status: 'sending', launchedBy: 'u-rec', launchedByDepartment: 'd-rec', content: daily.content });
    expect(await campaigns.getCampaign(ws, daily.id)).toMatchObject({ status: 'sending', lastRunId: fireId });
    await expect(runsApi.createRunFromCampaign(ws, daily.id)).rejects.toThrow(/not on a recurring schedule/);
    const { campaign: after } = await runsApi.finishRun(ws, daily.id, fireId, { status: 'completed', pointsUsed: 0 });
    expect(after).toMatchObject({ status: 'scheduled' });

    const once = campaign(ws, ulid(), { status: 'sending' });
    const failing = newRun(once, { id: 'u1' }, at, { status: 'sending' });
    await campaigns.putCampaign({ ...once, lastRunId: failing.id });
    await campaigns.createRun(failing);
    const failed = await runsApi.finishRun(ws, once.id, failing.id, { status: 'failed', error: { code: 'quota.short', detail: 'Needs 5 points; 1 left for user u1 (short by 4)' } });
    expect(failed.run).toMatchObject({ status: 'failed', error: { code: 'quota.short' } });
    expect(failed.campaign).toMatchObject({ status: 'approved' });
    expect(failed.campaign?.audit.at(-1)).toMatchObject({ from: 'sending', to: 'approved', comment: expect.stringMatching(/^quota.short: Needs 5/) });
    await expect(runsApi.setCampaignStatus(ws, once.id, 'sending', { by: 'planner', action: 'plan' }, { from: ['scheduled'] })).rejects.toThrow(/is approved, not scheduled/);
  });
});
