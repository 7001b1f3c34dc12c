/**
 * A campaign sent end to end through the sandbox: API launch → campaignRuns → planner (audience
 * frozen, points reserved, parts on the bulk lane) → mail worker (ledger, render, SES raw send)
 * → the local SES, which keeps the raw MIME and publishes Send / Delivery / Bounce events to the
 * notifications handler. Checks the messages on their real bytes (subject merged, charset,
 * List-Unsubscribe one-click, tracked links, open pixel), the counts, suppression of
 * unsubscribed contacts, a simulator bounce marking its contact and suppressing the address for
 * the next run, a test send, the 11-recipient refusal, and a scheduled at() launch.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../infra/local/sandbox';

const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-send-'));
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

interface IndexLine {
  messageId: string;
  destination: string[];
  tags: Record<string, string[]>;
}

const inbox = (): IndexLine[] =>
  readFileSync(join(dataDir, 'mail-raw', 'index.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as IndexLine);

async function finishedRun(campaignId: string, runId: string, timeoutMs = 60_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call('GET', `/campaigns/${campaignId}/runs/${runId}`);
    if (['completed', 'failed', 'cancelled'].includes(body.status as string)) return body;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${String(body.status)}: ${JSON.stringify(body.progress)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const content = {
  subject: '{{ name | default: "會員" }}，您好：十二月優惠',
  fromName: '信鴿商店',
  fromEmail: 'news@pigeon.local',
  html: '<html><body><p>親愛的 {{ name | default: "會員" }}，{{ custom.tier | default: "一般" }} 會員專屬。</p><p><a href="https://shop.example.com/sale?x=1">看優惠</a> <a href="mailto:help@pigeon.local">客服</a></p><p><a href="{{ unsubscribe_url }}">取消訂閱</a></p></body></html>',
  charset: 'Big5',
};

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir, seed: true, quiet: true, console: false, env: { MAIL_WATCH_SECONDS: '1', MAIL_CONTINUE_SECONDS: '1' } });
  const signIn = await fetch(`${sandbox.apiUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: sandbox.demo?.adminEmail, password: sandbox.demo?.adminPassword }),
  });
  admin = ((await signIn.json()) as Json).idToken as string;
}, 180_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a campaign sent through the sandbox', () => {
  let campaignId: string;
  let firstRun: Json;

  it('sends one personalised message per deliverable recipient, in the chosen charset', async () => {
    for (const contact of [
      { email: 'lin@example.com', name: '林小明' },
      { email: 'gone@example.com', name: '已退訂', status: 'unsubscribed' },
      { email: 'bounce@simulator.amazonses.com', name: '退信' },
    ]) {
      expect((await call('POST', '/contacts', contact)).status).toBe(201);
    }
    const created = await call('POST', '/campaigns', {
      name: '十二月電子報',
      content,
      audience: { sources: [{ kind: 'list', lines: ['lin@example.com', 'new@example.com,新朋友', 'gone@example.com', 'bounce@simulator.amazonses.com', 'LIN@example.com', 'not-an-address'] }], exclusions: [] },
    });
    expect(created.status).toBe(201);
    campaignId = created.body.id as string;
    const launched = await call('POST', `/campaigns/${campaignId}/launch`, {});
    expect(launched.status).toBe(202);
    firstRun = await finishedRun(campaignId, launched.body.run.id as string);
    expect(firstRun.status).toBe('completed');
    expect(firstRun.audienceSummary).toMatchObject({ total: 3, duplicates: 1, invalid: 1, suppressed: 1 });
    expect(firstRun.progress).toMatchObject({ total: 3, queued: 0, sent: 3, failed: 0 });
    expect(firstRun.pointsUsed).toBe(3);

    const mine = inbox().filter((m) => m.tags.run?.[0] === firstRun.id);
    expect(mine.map((m) => m.destination[0]).sort()).toEqual(['bounce@simulator.amazonses.com', 'lin@example.com', 'new@example.com']);
    const lin = mine.find((m) => m.destination[0] === 'lin@example.com') as IndexLine;
    const raw = readFileSync(join(dataDir, 'mail-raw', `${lin.messageId}.eml`));
    expect(raw.toString('latin1')).toMatch(/charset="?big5"?/i);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('林小明，您好：十二月優惠');
    expect(parsed.from?.value[0]).toMatchObject({ name: '信鴿商店', address: 'news@pigeon.local' });
    expect(parsed.html).toContain('親愛的 林小明，一般 會員專屬');
    // mailparser folds List-* headers into one object: read the lines themselves.
    const header = (name: string) => parsed.headerLines.find((h) => h.key === name)?.line ?? '';
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(header('list-unsubscribe')).toContain(`<${sandbox.apiUrl}/t/u/`);
    // Links tracked (and the mailto left alone), the pixel in place, the plain text generated.
    expect(parsed.html).toContain(`${sandbox.apiUrl}/t/c/`);
    expect(parsed.html).not.toContain('https://shop.example.com/sale');
    expect(parsed.html).toContain('mailto:help@pigeon.local');
    expect(parsed.html).toContain(`${sandbox.apiUrl}/t/o/`);
    expect(parsed.text).toContain('林小明');
  });

  it('marks a bounced contact and never mails the address again', async () => {
    const contact = await until(
      async () => (await call('GET', '/contacts?q=bounce@simulator.amazonses.com')).body.items?.[0] as Json | undefined,
      (c) => c?.status === 'bounced',
    );
    expect(contact?.status).toBe('bounced');
    const resend = await call('POST', `/campaigns/${campaignId}/resend`, { who: 'all' });
    expect(resend.status).toBe(202);
    const second = await finishedRun(campaignId, resend.body.run.id as string);
    expect(second.progress.sent).toBe(2);
    expect(inbox().filter((m) => m.tags.run?.[0] === second.id).map((m) => m.destination[0]).sort()).toEqual(['lin@example.com', 'new@example.com']);
  });

  it('sends to an uploaded list, minus addresses suppressed by hand; an admin can lift a suppression', async () => {
    expect((await call('POST', '/suppressions', { emails: ['Blocked@Example.com', 'blocked@example.com'] })).body).toEqual({ added: 1 });
    const listed = (await call('GET', '/suppressions?limit=100')).body.items as Json[];
    expect(listed.find((r) => r.email === 'blocked@example.com')).toMatchObject({ reason: 'manual' });
    expect(listed.find((r) => r.email === 'bounce@simulator.amazonses.com')).toMatchObject({ reason: 'bounce' });

    const created = await call('POST', '/campaigns', { name: 'uploaded list', content: { ...content, charset: 'UTF-8' }, audience: { sources: [{ kind: 'list', lines: ['x@example.com'] }], exclusions: [] } });
    const upload = await call('POST', `/campaigns/${created.body.id}/audience/upload`, { fileName: '名單.csv', size: 100 });
    expect(upload.status).toBe(200);
    const put = await fetch(upload.body.uploadUrl as string, { method: 'PUT', headers: upload.body.headers as Record<string, string>, body: '電子郵件,姓名\nfile1@example.com,檔案一\nblocked@example.com,擋下\n' });
    expect(put.ok).toBe(true);
    const patched = await call('PATCH', `/campaigns/${created.body.id}`, { audience: { sources: [{ kind: 'upload', key: upload.body.key, fileName: upload.body.fileName }], exclusions: [] } });
    expect(patched.status).toBe(200);
    const launched = await call('POST', `/campaigns/${created.body.id}/launch`, {});
    const run = await finishedRun(created.body.id as string, launched.body.run.id as string);
    expect(run.audienceSummary).toMatchObject({ total: 1, suppressed: 1 });
    const mine = inbox().filter((m) => m.tags.run?.[0] === run.id);
    expect(mine.map((m) => m.destination[0])).toEqual(['file1@example.com']);
    const parsed = await simpleParser(readFileSync(join(dataDir, 'mail-raw', `${mine[0]?.messageId}.eml`)));
    expect(parsed.subject).toBe('檔案一，您好：十二月優惠');

    expect((await call('POST', '/campaigns/x/audience/upload', { fileName: 'list.exe', size: 10 })).status).toBe(400);
    expect((await call('DELETE', `/suppressions/${encodeURIComponent('blocked@example.com')}`)).status).toBe(204);
    expect(((await call('GET', '/suppressions')).body.items as Json[]).some((r) => r.email === 'blocked@example.com')).toBe(false);
  });

  it('sends a triggered campaign to one recipient with this send\'s fields, on the priority lane', async () => {
    const created = await call('POST', '/campaigns', {
      name: 'order confirmation',
      type: 'triggered',
      content: { ...content, charset: 'UTF-8', subject: '{{ name }}，訂單 {{ order_no }} 已成立' },
      audience: { sources: [], exclusions: [] },
    });
    expect((await call('POST', `/campaigns/${created.body.id}/trigger`, { email: 'buyer@example.com' })).status).toBe(409);
    expect((await call('POST', `/campaigns/${created.body.id}/submit`, {})).body.status).toBe('approved');
    expect((await call('POST', `/campaigns/${created.body.id}/trigger`, { email: 'not an address' })).status).toBe(400);
    const triggered = await call('POST', `/campaigns/${created.body.id}/trigger`, { email: 'Buyer@Example.com', fields: { name: '買家', order_no: 'A-1001' } });
    expect(triggered.status).toBe(202);
    const run = await finishedRun(created.body.id as string, triggered.body.run.id as string);
    expect(run).toMatchObject({ type: 'triggered', status: 'completed', progress: { total: 1, sent: 1 } });
    const [message] = inbox().filter((m) => m.tags.run?.[0] === run.id);
    expect(message?.destination).toEqual(['buyer@example.com']);
    expect((await simpleParser(readFileSync(join(dataDir, 'mail-raw', `${message?.messageId}.eml`)))).subject).toBe('買家，訂單 A-1001 已成立');
    // The campaign stays open for the next trigger.
    expect((await call('GET', `/campaigns/${created.body.id}`)).body.status).toBe('approved');
    // A formal campaign takes none.
    expect((await call('POST', `/campaigns/${campaignId}/trigger`, { email: 'x@example.com' })).status).toBe(409);
  });

  it('test-sends to at most 10 and leaves the campaign as it was', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `t${i}@example.com`);
    const refused = await call('POST', `/campaigns/${campaignId}/test`, { lines: eleven });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/at most 10/);
    const test = await call('POST', `/campaigns/${campaignId}/test`, { lines: ['qa@example.com'] });
    expect(test.status).toBe(202);
    const run = await finishedRun(campaignId, test.body.run.id as string);
    expect(run).toMatchObject({ type: 'test', status: 'completed', progress: { sent: 1 } });
    expect((await call('GET', `/campaigns/${campaignId}`)).body.status).toBe('completed');
  });

  it('pauses mid-send (nothing more goes out), resumes to the end, and cancels mid-send with the rest recorded as cancelled', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `p${i}@example.com`);
    const created = await call('POST', '/campaigns', { name: 'pause me', content: { ...content, charset: 'UTF-8' }, audience: { sources: [{ kind: 'list', lines }], exclusions: [] } });
    const launched = await call('POST', `/campaigns/${created.body.id}/launch`, {});
    const runPath = `/campaigns/${created.body.id}/runs/${launched.body.run.id}`;
    await until(async () => (await call('GET', runPath)).body.progress?.sent as number, (sent) => sent > 0, 30_000);
    expect((await call('POST', `/campaigns/${created.body.id}/pause`)).status).toBe(200);
    // In-flight sends settle within a couple of seconds; then nothing more leaves.
    await new Promise((r) => setTimeout(r, 4_000));
    const pausedAt = inbox().filter((m) => m.tags.run?.[0] === launched.body.run.id).length;
    await new Promise((r) => setTimeout(r, 4_000));
    expect(inbox().filter((m) => m.tags.run?.[0] === launched.body.run.id).length).toBe(pausedAt);
    expect(pausedAt).toBeLessThan(lines.length);
    expect((await call('GET', runPath)).body.status).toBe('paused');
    expect((await call('POST', `/campaigns/${created.body.id}/resume`)).status).toBe(200);
    const resumed = await finishedRun(created.body.id as string, launched.body.run.id as string, 120_000);
    expect(resumed.progress).toMatchObject({ total: 200, sent: 200, queued: 0 });
    expect(new Set(inbox().filter((m) => m.tags.run?.[0] === launched.body.run.id).map((m) => m.destination[0])).size).toBe(200);

    const other = await call('POST', '/campaigns', { name: 'cancel me', content: { ...content, charset: 'UTF-8' }, audience: { sources: [{ kind: 'list', lines }], exclusions: [] } });
    const started = await call('POST', `/campaigns/${other.body.id}/launch`, {});
    const otherPath = `/campaigns/${other.body.id}/runs/${started.body.run.id}`;
    await until(async () => (await call('GET', otherPath)).body.progress?.sent as number, (sent) => sent > 0, 30_000);
    expect((await call('POST', `/campaigns/${other.body.id}/cancel`, { comment: 'wrong list' })).status).toBe(200);
    const cancelled = await until(
      async () => (await call('GET', otherPath)).body,
      (run) => run.progress.sent + run.progress.cancelled + run.progress.failed === 200,
      120_000,
    );
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.progress.cancelled).toBeGreaterThan(0);
    expect(inbox().filter((m) => m.tags.run?.[0] === started.body.run.id)).toHaveLength(cancelled.progress.sent as number);
    expect((await call('GET', `/campaigns/${other.body.id}`)).body.status).toBe('cancelled');
  }, 300_000);

  it('sends a scheduled campaign when its at() time comes', async () => {
    const created = await call('POST', '/campaigns', { name: 'scheduled', content: { ...content, charset: 'UTF-8' }, audience: { sources: [{ kind: 'list', lines: ['later@example.com'] }], exclusions: [] } });
    // Far enough ahead that a slow launch call under load still lands before the fire time.
    const at = new Date(Date.now() + 6_000).toISOString().slice(0, 19);
    const launched = await call('POST', `/campaigns/${created.body.id}/launch`, { schedule: { expression: `at(${at})`, timezone: 'UTC' } });
    expect(launched.status).toBe(202);
    expect(launched.body.campaign.status).toBe('scheduled');
    const run = await finishedRun(created.body.id as string, launched.body.run.id as string, 30_000);
    expect(run.progress.sent).toBe(1);
    // The campaign follows its run a moment later (the run is written first).
    const campaign = await until(async () => (await call('GET', `/campaigns/${created.body.id}`)).body, (c) => c.status === 'completed');
    expect(campaign.status).toBe('completed');
  });
});
