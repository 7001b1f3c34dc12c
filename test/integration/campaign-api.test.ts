/**
 * The campaign routes end to end through the API handler (router, role check, problems) against
 * dynalite, the local queue runner (the campaignRuns queue) and the local scheduler: compose,
 * edit, approval in sequence with the launcher refused, rejection with a comment, launch → a run
 * and a CampaignRunMessage, pause / resume / cancel, resend, test sends (11 refused), schedules
 * (at() with the run id, cron() without), quotas refusing a launch with a clear 409, department
 * visibility, clone and delete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localCredentials, localRegion, startDynalite, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { QueueRunner } from '../../infra/local/queue-runner';
import { LocalSchedulerService } from '../../infra/local/scheduler';
import type { Principal } from '../../shared/api/operation';
import { apiEvent, lambdaContext, loadSampleEvent } from '../unit/http-fixtures';

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyResult>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const origin = 'http://127.0.0.1:5173';
const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-campaigns-'));
let dynamo: RunningDynamo;
let runner: QueueRunner;
let scheduler: LocalSchedulerService;
let sqs: SQSClient;
let handler: Handler;
const saved = { ...process.env };
const fired: unknown[] = [];

const ws = `ws-${Date.now()}`;
const person = (id: string, role: Principal['role'], departmentId?: string): Principal => ({ kind: 'user', id, workspaceId: ws, role, ...(departmentId ? { departmentId } : {}) });
const admin = person('admin1', 'admin');
const op = person('op1', 'operator', 'sales');
const opHr = person('op2', 'operator', 'hr');
const m1 = person('m1', 'manager', 'sales');
const m2 = person('m2', 'manager', 'sales');
const viewer = person('v1', 'viewer', 'sales');

beforeAll(async () => {
  dynamo = await startDynalite();
  const tables = await createTables(dynamo.endpoint, `cmp${Date.now()}`);
  runner = await QueueRunner.start({ queues: [{ name: 'campaign-runs', visibilityTimeoutSeconds: 30 }], dataDir, pollIntervalMs: 50 });
  scheduler = await LocalSchedulerService.start({ invoke: async (_name, payload) => void fired.push(payload) });
  sqs = new SQSClient({ endpoint: runner.endpoint, region: localRegion, credentials: localCredentials });
  Object.assign(process.env, tables, {
    PIGEON_RUNTIME: 'local',
    PIGEON_STAGE: 'test',
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: runner.endpoint,
    QUEUE_CAMPAIGN_RUNS_URL: runner.queueUrl('campaign-runs'),
    LOCAL_SCHEDULER_URL: scheduler.url,
    CONSOLE_ORIGIN: origin,
    LOCAL_KEYS_DIR: mkdtempSync(join(tmpdir(), 'pigeon-keys-')),
    JWT_ISSUER: 'http://127.0.0.1/local-issuer',
    JWT_AUDIENCE: 'pigeon-console',
    JWKS_URL: 'http://127.0.0.1/.well-known/jwks.json',
    POWERTOOLS_SERVICE_NAME: 'pigeon-api-test',
    POWERTOOLS_METRICS_NAMESPACE: 'PigeonTest',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  ({ handler } = (await import('../../functions/api/handler')) as { handler: Handler });
}, 60_000);

afterAll(async () => {
  sqs?.destroy();
  await scheduler?.stop();
  await runner?.stop();
  await dynamo?.stop();
  process.env = saved;
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(principal: Principal, method: string, resource: string, params: Record<string, string> = {}, body?: unknown, headers?: Record<string, string>) {
  const result = await handler(apiEvent({ method, resource, pathParameters: params, principal, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) }), lambdaContext());
  return { status: result.statusCode, json: (result.body ? JSON.parse(result.body) : undefined) as Json, headers: result.headers ?? {} };
}

const content = { subject: '{{ name | default: "會員" }}，本週優惠', fromEmail: 'news@pigeon.local', fromName: '信鴿', html: '<p>Hi {{ name }}</p><a href="{{ unsubscribe_url }}">unsubscribe</a>' };
const audience = { sources: [{ kind: 'list', lines: ['a@example.com,Amy', 'b@example.com'] }] };

async function create(by: Principal, extra: Json = {}) {
  const created = await call(by, 'POST', '/campaigns', {}, { name: 'Weekly', content, audience, ...extra });
  expect(created.status).toBe(201);
  return created.json;
}

async function receiveRunMessages(): Promise<Json[]> {
  const out: Json[] = [];
  for (let i = 0; i < 3; i++) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: runner.queueUrl('campaign-runs'), MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    for (const m of Messages) {
      out.push(JSON.parse(m.Body ?? '{}') as Json);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: runner.queueUrl('campaign-runs'), ReceiptHandle: m.ReceiptHandle }));
    }
    if (Messages.length === 0 && out.length > 0) break;
  }
  return out;
}

const id = (c: Json) => ({ id: c.id as string });

describe('campaign API', () => {
  it('creates a draft with clear field errors first, edits it, and keeps other departments out', async () => {
    const bad = await call(op, 'POST', '/campaigns', {}, { name: '', content: { ...content, fromEmail: 'nope' }, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: Json) => e.field)).toEqual(expect.arrayContaining(['name', 'content.fromEmail', 'extra']));

    const c = await create(op);
    expect(c).toMatchObject({ status: 'draft', type: 'formal', departmentId: 'sales', createdBy: 'op1', version: 1, content: { charset: 'UTF-8', attachments: [] } });
    const edited = await call(op, 'PATCH', '/campaigns/{id}', id(c), { name: 'Weekly #2' }, { 'If-Match': '"1"' });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ name: 'Weekly #2', version: 2 });
    expect((await call(op, 'PATCH', '/campaigns/{id}', id(c), { name: 'stale' }, { 'If-Match': '"1"' })).status).toBe(412);

    expect((await call(opHr, 'GET', '/campaigns/{id}', id(c))).status).toBe(404);
    expect((await call(viewer, 'GET', '/campaigns/{id}', id(c))).status).toBe(200);
    const hrList = await call(opHr, 'GET', '/campaigns');
    expect(hrList.json.items.map((x: Json) => x.id)).not.toContain(c.id);
    const adminList = await call(admin, 'GET', '/campaigns');
    expect(adminList.json.items[0].id).toBe(c.id);
    expect((await call(viewer, 'POST', '/campaigns', {}, { name: 'x', content })).status).toBe(403);
  });

  it('approval in sequence (層簽): the launcher cannot approve, approvers decide in turn, a reject needs a comment', async () => {
    const put = await call(admin, 'PUT', '/settings/approval', {}, { rolesRequiringApproval: ['operator', 'manager'], mode: 'sequential', approverIds: ['m1', 'm2'] });
    expect(put.status).toBe(200);
    expect((await call(op, 'PUT', '/settings/approval', {}, {})).status).toBe(403);
    expect((await call(op, 'GET', '/settings/approval')).json).toMatchObject({ mode: 'sequential', approverIds: ['m1', 'm2'] });

    const c = await create(op);
    const early = await call(op, 'POST', '/campaigns/{id}/launch', id(c), {});
    expect(early.status).toBe(409);
    expect(early.json.detail).toMatch(/need approval/);

    const submitted = await call(op, 'POST', '/campaigns/{id}/submit', id(c), {});
    expect(submitted.json).toMatchObject({ status: 'awaiting_approval', approval: { mode: 'sequential', requestedBy: 'op1', steps: [{ approverId: 'm1' }, { approverId: 'm2' }] } });
    expect((await call(op, 'PATCH', '/campaigns/{id}', id(c), { name: 'sneaky' })).json.status).toBe('draft');
    await call(op, 'POST', '/campaigns/{id}/submit', id(c), { comment: 'please' });

    const outOfTurn = await call(m2, 'POST', '/campaigns/{id}/approve', id(c), {});
    expect(outOfTurn.status).toBe(409);
    expect(outOfTurn.json.detail).toMatch(/Waiting for m1/);
    expect((await call(m1, 'POST', '/campaigns/{id}/approve', id(c), { comment: 'ok' })).json.status).toBe('awaiting_approval');
    const approved = await call(m2, 'POST', '/campaigns/{id}/approve', id(c), {});
    expect(approved.json.status).toBe('approved');
    expect(approved.json.audit.map((a: Json) => [a.action, a.from, a.to, a.by])).toEqual([
      ['create', undefined, 'draft', 'op1'],
      ['submit', 'draft', 'awaiting_approval', 'op1'],
      ['edit', 'awaiting_approval', 'draft', 'op1'],
      ['submit', 'draft', 'awaiting_approval', 'op1'],
      ['approve', undefined, undefined, 'm1'],
      ['approve', 'awaiting_approval', 'approved', 'm2'],
    ]);

    // An edit after approval voids it.
    const edited = await call(op, 'PATCH', '/campaigns/{id}', id(c), { name: 'Weekly (fixed)' });
    expect(edited.json).toMatchObject({ status: 'draft' });
    expect(edited.json.audit.at(-1)).toMatchObject({ action: 'edit', from: 'approved', to: 'draft', comment: expect.stringMatching(/approval needed again/) });

    // A manager's own campaign: m1 is left out of its approvers and cannot approve it.
    const own = await create(m1);
    const ownSubmitted = await call(m1, 'POST', '/campaigns/{id}/submit', id(own), {});
    expect(ownSubmitted.json.approval.steps).toEqual([{ approverId: 'm2' }]);
    const self = await call(m1, 'POST', '/campaigns/{id}/approve', id(own), {});
    expect(self.status).toBe(403);
    expect(self.json.detail).toMatch(/own campaign/);
    const noComment = await call(m2, 'POST', '/campaigns/{id}/reject', id(own), {});
    expect(noComment.status).toBe(400);
    expect(noComment.json.errors[0].field).toBe('comment');
    const rejected = await call(m2, 'POST', '/campaigns/{id}/reject', id(own), { comment: 'wrong list' });
    expect(rejected.json).toMatchObject({ status: 'draft', audit: expect.arrayContaining([expect.objectContaining({ action: 'reject', comment: 'wrong list', by: 'm2' })]) });
  });

  it('approval in parallel (會簽) needs every approver, in any order', async () => {
    await call(admin, 'PUT', '/settings/approval', {}, { rolesRequiringApproval: ['operator'], mode: 'parallel', approverIds: ['m1', 'm2'] });
    const c = await create(op);
    await call(op, 'POST', '/campaigns/{id}/submit', id(c), {});
    expect((await call(m2, 'POST', '/campaigns/{id}/approve', id(c), {})).json.status).toBe('awaiting_approval');
    expect((await call(m2, 'POST', '/campaigns/{id}/approve', id(c), {})).status).toBe(409);
    expect((await call(m1, 'POST', '/campaigns/{id}/approve', id(c), {})).json.status).toBe('approved');
  });

  it('launches: a run with a snapshot, one CampaignRunMessage, pause / resume / cancel, then a resend', async () => {
    await call(admin, 'PUT', '/settings/approval', {}, { rolesRequiringApproval: [] });
    await receiveRunMessages();
    const c = await create(op);
    const launched = await call(op, 'POST', '/campaigns/{id}/launch', id(c), {});
    expect(launched.status).toBe(202);
    const run = launched.json.run as Json;
    expect(launched.json.campaign).toMatchObject({ status: 'sending', lastRunId: run.id, launchedBy: 'op1' });
    expect(run).toMatchObject({ status: 'sending', type: 'formal', launchedBy: 'op1', launchedByDepartment: 'sales', content: { subject: content.subject }, audience });
    expect(await receiveRunMessages()).toEqual([{ workspaceId: ws, campaignId: c.id, runId: run.id }]);

    expect((await call(op, 'PATCH', '/campaigns/{id}', id(c), { name: 'too late' })).status).toBe(409);
    expect((await call(op, 'POST', '/campaigns/{id}/launch', id(c), {})).status).toBe(409);
    expect((await call(op, 'DELETE', '/campaigns/{id}', id(c))).status).toBe(409);

    expect((await call(op, 'POST', '/campaigns/{id}/pause', id(c))).json).toMatchObject({ campaign: { status: 'paused' }, run: { status: 'paused' } });
    expect((await call(op, 'POST', '/campaigns/{id}/resume', id(c))).json).toMatchObject({ campaign: { status: 'sending' }, run: { status: 'sending' } });
    const cancelled = await call(op, 'POST', '/campaigns/{id}/cancel', id(c), { comment: 'wrong day' });
    expect(cancelled.json).toMatchObject({ campaign: { status: 'cancelled' }, run: { status: 'cancelled', finishedAt: expect.any(String) } });
    expect(cancelled.json.campaign.audit.at(-1)).toMatchObject({ action: 'cancel', from: 'sending', to: 'cancelled', by: 'op1', comment: 'wrong day' });

    const resent = await call(op, 'POST', '/campaigns/{id}/resend', id(c), { who: 'nonOpeners' });
    expect(resent.status).toBe(202);
    expect(resent.json.run).toMatchObject({ status: 'sending', resendOf: { runId: run.id, who: 'nonOpeners' }, audience: { sources: [{ kind: 'campaign', campaignId: c.id, runId: run.id, who: 'nonOpeners' }] } });
    expect((await receiveRunMessages()).map((m) => m.runId)).toEqual([resent.json.run.id]);

    const runs = await call(viewer, 'GET', '/campaigns/{id}/runs', id(c));
    expect(runs.json.items.map((r: Json) => r.id)).toEqual([resent.json.run.id, run.id]);
    const one = await call(viewer, 'GET', '/campaigns/{id}/runs/{runId}', { id: c.id, runId: run.id });
    expect(one.json).toMatchObject({ id: run.id, status: 'cancelled' });
    expect((await call(viewer, 'GET', '/campaigns/{id}/runs/{runId}', { id: c.id, runId: 'nope' })).status).toBe(404);
  });

  it('schedules: at() makes a scheduled run and a one-time schedule carrying it; cron() a recurring one without', async () => {
    const once = await create(op);
    const at = await call(op, 'POST', '/campaigns/{id}/launch', id(once), { schedule: { expression: 'at(2099-12-04T09:00:00)', timezone: 'Asia/Taipei' } });
    expect(at.status).toBe(202);
    expect(at.json).toMatchObject({ campaign: { status: 'scheduled', schedule: { expression: 'at(2099-12-04T09:00:00)' } }, run: { status: 'scheduled' } });
    const stored = scheduler.list().find((s) => s.name === `campaign-${once.id}`);
    expect(stored).toMatchObject({ expression: 'at(2099-12-04T09:00:00)', timezone: 'Asia/Taipei', deleteAfterRun: true, target: { function: 'campaignPlanner', payload: { workspaceId: ws, campaignId: once.id, runId: at.json.run.id } } });
    expect(await receiveRunMessages()).toEqual([]);

    const past = await create(op);
    const bad = await call(op, 'POST', '/campaigns/{id}/launch', id(past), { schedule: { expression: 'at(2001-01-01T00:00:00)' } });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].field).toBe('schedule.expression');

    const daily = await create(op);
    const cron = await call(op, 'POST', '/campaigns/{id}/launch', id(daily), { schedule: { expression: 'cron(0 9 * * ? *)', timezone: 'Asia/Taipei' } });
    expect(cron.json.run).toBeUndefined();
    expect(scheduler.list().find((s) => s.name === `campaign-${daily.id}`)?.target.payload).toEqual({ workspaceId: ws, campaignId: daily.id });

    const cancelled = await call(op, 'POST', '/campaigns/{id}/cancel', id(once));
    expect(cancelled.json).toMatchObject({ campaign: { status: 'cancelled' }, run: { status: 'cancelled' } });
    expect(scheduler.list().find((s) => s.name === `campaign-${once.id}`)).toBeUndefined();
  });

  it('test sends go to at most 10 typed recipients and leave the campaign as it was', async () => {
    const c = await create(op);
    const eleven = Array.from({ length: 11 }, (_, i) => `t${i}@example.com`);
    const refused = await call(op, 'POST', '/campaigns/{id}/test', id(c), { lines: eleven });
    expect(refused.status).toBe(400);
    expect(refused.json.errors).toEqual([{ field: 'lines', message: 'A test goes to at most 10 recipients' }]);

    const sent = await call(op, 'POST', '/campaigns/{id}/test', id(c), { lines: eleven.slice(0, 2) });
    expect(sent.status).toBe(202);
    expect(sent.json.run).toMatchObject({ type: 'test', status: 'sending', audience: { sources: [{ kind: 'list', lines: eleven.slice(0, 2) }] } });
    expect((await receiveRunMessages()).map((m) => m.runId)).toEqual([sent.json.run.id]);
    const after = await call(op, 'GET', '/campaigns/{id}', id(c));
    expect(after.json).toMatchObject({ status: 'draft' });
    expect(after.json.lastRunId).toBeUndefined();

    const testCampaign = await create(op, { type: 'test', audience: { sources: [{ kind: 'list', lines: eleven }] } });
    const launch = await call(op, 'POST', '/campaigns/{id}/launch', id(testCampaign), {});
    expect(launch.status).toBe(400);
    expect(launch.json.detail).toMatch(/at most 10 recipients; this one has 11/);
  });

  it('quotas: admins set balances, a short quota refuses a launch naming it, each sees what concerns them', async () => {
    expect((await call(admin, 'PUT', '/quotas/users/{id}', { id: 'op1' }, { balance: -1 })).status).toBe(400);
    expect((await call(admin, 'PUT', '/quotas/users/{id}', { id: 'op1' }, { balance: 1 })).json).toMatchObject({ owner: { kind: 'user', id: 'op1' }, balance: 1, reserved: 0, used: 0, available: 1 });
    await call(admin, 'PUT', '/quotas/departments/{id}', { id: 'hr' }, { balance: 0 });
    expect((await call(op, 'PUT', '/quotas/users/{id}', { id: 'op1' }, { balance: 100 })).status).toBe(403);

    const c = await create(op);
    const short = await call(op, 'POST', '/campaigns/{id}/launch', id(c), {});
    expect(short.status).toBe(409);
    expect(short.json).toMatchObject({ type: 'urn:pigeon:problem:quota-short', detail: 'Needs 2 points; 1 left for user op1 (short by 1)' });
    expect((await call(op, 'GET', '/campaigns/{id}', id(c))).json.status).toBe('draft');

    expect((await call(op, 'GET', '/quotas')).json.items.map((q: Json) => q.owner.id)).toEqual(['op1']);
    expect((await call(admin, 'GET', '/quotas')).json.items.map((q: Json) => q.owner.id).sort()).toEqual(['hr', 'op1']);
    await call(admin, 'PUT', '/quotas/users/{id}', { id: 'op1' }, { balance: 1000 });
    expect((await call(op, 'POST', '/campaigns/{id}/launch', id(c), {})).status).toBe(202);
    await receiveRunMessages();
  });

  it('clones any campaign into a draft, and deletes only drafts', async () => {
    const c = await create(op);
    await call(op, 'POST', '/campaigns/{id}/launch', id(c), {});
    await receiveRunMessages();
    const clone = await call(op, 'POST', '/campaigns/{id}/clone', id(c));
    expect(clone.status).toBe(201);
    expect(clone.json).toMatchObject({ status: 'draft', name: 'Weekly (copy)', clonedFrom: c.id, content: { subject: content.subject }, audit: [{ action: 'clone' }] });
    expect(clone.json.lastRunId).toBeUndefined();
    expect((await call(op, 'DELETE', '/campaigns/{id}', id(clone.json))).status).toBe(204);
    expect((await call(op, 'GET', '/campaigns/{id}', id(clone.json))).status).toBe(404);
  });

  it('runs the committed campaign sample events', async () => {
    const run = async (event: APIGatewayProxyEvent, campaignId?: string) => {
      const pointed = campaignId ? { ...event, path: event.path.replace(/campaigns\/[^/]+/, `campaigns/${campaignId}`), pathParameters: { id: campaignId } } : event;
      const result = await handler(pointed, lambdaContext());
      return { status: result.statusCode, json: (result.body ? JSON.parse(result.body) : undefined) as Json };
    };
    const created = await run(loadSampleEvent('create-campaign.json'));
    expect(created.status).toBe(201);
    expect((await run(loadSampleEvent('list-campaigns.json'))).json.items.map((c: Json) => c.id)).toContain(created.json.id);
    expect((await run(loadSampleEvent('test-send-campaign.json'), created.json.id)).status).toBe(202);
    expect((await run(loadSampleEvent('launch-campaign.json'), created.json.id)).json).toMatchObject({ campaign: { status: 'scheduled' }, run: { status: 'scheduled' } });
    expect((await run(loadSampleEvent('campaign-user-quota.json'))).json).toMatchObject({ owner: { kind: 'user', id: 'u_7f3e9c1a2b4d' }, balance: 5000 });
    expect((await run(loadSampleEvent('campaign-approval-settings.json'))).json).toMatchObject({ mode: 'sequential', rolesRequiringApproval: ['operator'] });
    await receiveRunMessages();
  });

  it('previews per recipient through the renderer port: a contact\'s fields, typed fields or samples, with findings', async () => {
    const { createCampaignOperations, campaignDepsFromEnv } = await import('../../shared/campaigns/operations');
    const seen: Json[] = [];
    // The content module's functions behind the CampaignRenderer port (compileMessage / renderMessage / presendCheck).
    const renderer = {
      assetsBaseUrl: 'http://assets.local',
      readAsset: async () => new Uint8Array(),
      compileMessage: (c: Json) => ({ subject: c.subject as string }),
      renderMessage: async (compiled: never, recipient: Json) => {
        seen.push(recipient);
        const subject = (compiled as Json).subject.replace('{{ name | default: "會員" }}', (recipient.fields.name as string) ?? '會員');
        return { raw: new Uint8Array([1]), subject, from: '信鴿 <news@pigeon.local>', to: recipient.email, charset: 'UTF-8' as const, html: '<p/>', text: 'hi', attachmentNames: [], sizeBytes: 1 };
      },
      presendCheck: () => [{ code: 'text.missing', severity: 'warning' as const, message: 'No plain-text part' }],
    };
    const ops = createCampaignOperations(campaignDepsFromEnv({ renderer: () => renderer }), {
      contactLookup: async (_p, contactId) => ({ id: contactId, email: 'amy@example.com', name: 'Amy', custom: { tier: 'gold' } }),
    });
    const c = await create(op);
    const request = (body: unknown) => ({ principal: op, pathParameters: { id: c.id as string }, query: {}, body, headers: {}, requestId: 'r', baseUrl: 'http://api' });
    const byContact = await ops.previewCampaign(request({ contactId: 'C1' }));
    expect(byContact.body).toMatchObject({ subject: 'Amy，本週優惠', to: 'amy@example.com', findings: [{ code: 'text.missing' }] });
    expect(seen.at(-1)).toMatchObject({ email: 'amy@example.com', contactId: 'C1', fields: { custom: { tier: 'gold' } } });
    await ops.previewCampaign(request({ fields: { name: 'Bob' }, email: 'Bob@Example.com' }));
    expect(seen.at(-1)).toMatchObject({ email: 'bob@example.com', fields: { name: 'Bob' } });
    expect((await ops.previewCampaign(request(undefined))).body).toMatchObject({ subject: '預覽 Preview，本週優惠' });
  });
});
