/**
 * Two-stage reports on the whole sandbox: a campaign is sent (one address bounces at SES's
 * simulator), recipients open, click and unsubscribe through the tracking endpoints with counts
 * chosen here; then every report of the catalogue is generated through the API (queued, run by the
 * report worker on DuckDB over the Firehose objects), viewed, downloaded as PDF / XLSX / CSV; the
 * recipient lists are written in files of N rows; the dispatch e-mails the chosen reports, on
 * demand and on its hour (once per hour); and bad requests get clear answers — a failed
 * generation keeps the previous snapshot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../infra/local/sandbox';
import { localTime } from '../../shared/reports/dispatch';
import { reportTypes } from '../../shared/reports/model';
import { adminApi, inboxOf, rawMessage, until, type ApiCall, type Json } from './sandbox-client';

const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-reports-'));
let sandbox: Sandbox;
let call: ApiCall;

const PERSON = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const TAIPEI = '168.95.1.1:52110';
const people = ['amy@example.com', 'ben@example.com', 'cat@example.com', 'dan@example.com'];
const BOUNCE = 'bounce@simulator.amazonses.com';

const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replaceAll('&amp;', '&'));
const figures = (snapshot: Json) => Object.fromEntries((snapshot.data.figures as Json[]).map((f) => [f.key, f.value]));
const tableOf = (snapshot: Json, key: string) => (snapshot.data.tables as Json[]).find((t) => t.key === key)?.rows as Json[];

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir, seed: true, quiet: true, console: false, lakeBufferSeconds: 1, env: { MAIL_WATCH_SECONDS: '1', MAIL_CONTINUE_SECONDS: '1' } });
  call = await adminApi(sandbox);
}, 180_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Generates the reports and waits until none is generating any more. */
async function generate(campaignId: string, body: Json = {}): Promise<Json[]> {
  const queued = await call('POST', `/campaigns/${campaignId}/reports/generate`, body);
  expect(queued.status, JSON.stringify(queued.body)).toBe(202);
  const list = await until(
    async () => (await call('GET', `/campaigns/${campaignId}/reports`)).body,
    (b) => (b.reports as Json[]).every((r) => r.state !== 'generating'),
    120_000,
  );
  return list.reports as Json[];
}

const view = async (campaignId: string, type: string) => (await call('GET', `/campaigns/${campaignId}/reports/${type}`)).body;

describe('two-stage reports over the sandbox lake', () => {
  let campaignId: string;

  it('sends a campaign and records known activity', async () => {
    const created = await call('POST', '/campaigns', {
      name: '報表測試 十二月',
      content: {
        subject: '十二月新品',
        fromEmail: 'news@pigeon.local',
        html: '<html><body><p><a href="https://shop.example.com/a">A</a> <a href="https://shop.example.com/b">B</a></p><p><a href="{{ unsubscribe_url }}">取消訂閱</a></p></body></html>',
      },
      audience: { sources: [{ kind: 'list', lines: [...people, BOUNCE, 'not-an-address'] }], exclusions: [] },
    });
    expect(created.status).toBe(201);
    campaignId = created.body.id as string;
    const launched = await call('POST', `/campaigns/${campaignId}/launch`, {});
    expect(launched.status).toBe(202);
    const runId = launched.body.run.id as string;
    const run = await until(async () => (await call('GET', `/campaigns/${campaignId}/runs/${runId}`)).body, (r) => r.status === 'completed', 60_000);
    expect(run.status).toBe('completed');

    const links = new Map<string, { pixel: string; clicks: string[]; unsubscribe: string }>();
    for (const email of people) {
      const line = await until(async () => inboxOf(dataDir).find((m) => m.destination.includes(email)), (m) => m !== undefined, 30_000);
      const html = String((await simpleParser(rawMessage(dataDir, line!.messageId))).html);
      const all = hrefs(html);
      links.set(email, {
        pixel: /src="([^"]*\/t\/o\/[^"]+)"/.exec(html)?.[1] as string,
        clicks: all.filter((h) => h.includes('/t/c/')),
        unsubscribe: all.find((h) => h.includes('/t/u/')) as string,
      });
    }
    // Opens within seconds of the send are judged machine prefetches: wait as a person would.
    await new Promise((r) => setTimeout(r, 10_500));
    const get = (url: string, method = 'GET') => fetch(url, { method, redirect: 'manual', headers: { 'user-agent': PERSON, 'cloudfront-viewer-address': TAIPEI } });
    const amy = links.get('amy@example.com')!;
    const ben = links.get('ben@example.com')!;
    const cat = links.get('cat@example.com')!;
    // Opens: amy twice, ben once, cat once (3 openers, 4 opens); one HEAD (a machine).
    for (const url of [amy.pixel, amy.pixel, ben.pixel, cat.pixel]) expect((await get(url)).status).toBe(200);
    await get(ben.pixel, 'HEAD');
    // Clicks: amy link A twice, ben link B once then A once (2 clickers, 4 clicks; first choices: A by amy, B by ben).
    expect(amy.clicks).toHaveLength(2);
    for (const url of [amy.clicks[0], amy.clicks[0], ben.clicks[1], ben.clicks[0]]) expect((await get(url as string)).status).toBe(302);
    const unsubscribed = await fetch(cat.unsubscribe, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(unsubscribed.status).toBeLessThan(300);
    // Until the lake holds every open, click, unsubscribe and the simulator's bounce.
    await until(
      async () => {
        await sandbox.flushEvents();
        return sandbox.queryEngine.query("SELECT count(DISTINCT id) AS n FROM events WHERE campaign_id = :c AND type IN ('open', 'click', 'unsubscribe', 'bounce')", { c: campaignId });
      },
      (rows) => Number(rows[0]?.n) >= 11,
      30_000,
    );
  }, 120_000);

  it('generates every report of the catalogue without blocking, and views each at once', async () => {
    const before = (await call('GET', `/campaigns/${campaignId}/reports`)).body;
    expect(before.reports).toHaveLength(reportTypes.length);
    expect((before.reports as Json[]).every((r) => r.state === 'idle' && r.chosen === true)).toBe(true);

    const started = Date.now();
    const queued = await call('POST', `/campaigns/${campaignId}/reports/generate`, {});
    expect(queued.status).toBe(202);
    // The answer comes before the queries run: every report is "generating".
    expect((queued.body.reports as Json[]).every((r) => r.state === 'generating')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);

    const reports = await generate(campaignId);
    for (const report of reports) expect(report.state, `${report.type}: ${report.error}`).toBe('ready');
    for (const type of reportTypes) {
      const body = await view(campaignId, type);
      expect(body.snapshot?.type, type).toBe(type);
      expect(body.snapshot.generatedAt).toBe(body.status.generatedAt);
      expect(body.snapshot.engine).toBe('duckdb');
    }
  }, 180_000);

  it('counts what the recipients did', async () => {
    const summary = figures((await view(campaignId, 'summary')).snapshot);
    expect(summary.listSize).toBe(6);
    expect(summary.validAddresses).toBe(5);
    expect(summary.sent).toBe(5);
    expect(summary.links).toBe(2);

    const opens = figures((await view(campaignId, 'opens')).snapshot);
    expect(opens).toMatchObject({ openers: 3, opens: 4, machineOpens: 1 });
    expect(opens.opensPerOpener).toBeCloseTo(4 / 3);

    const clicks = figures((await view(campaignId, 'clicks')).snapshot);
    expect(clicks).toMatchObject({ clickers: 2, clicks: 4 });
    expect(clicks.clickToOpenRate).toBeCloseTo(2 / 3);

    const byClicks = tableOf((await view(campaignId, 'linksByClicks')).snapshot, 'links');
    expect(byClicks.map((l) => [l.link_index, l.url, l.recipients, l.clicks])).toEqual([
      [1, 'https://shop.example.com/a', 2, 3],
      [2, 'https://shop.example.com/b', 1, 1],
    ]);
    const firsts = tableOf((await view(campaignId, 'linksByFirstClick')).snapshot, 'links');
    expect(firsts.map((l) => [l.link_index, l.recipients])).toEqual([
      [1, 1],
      [2, 1],
    ]);

    const bounces = (await view(campaignId, 'bounces')).snapshot;
    expect(figures(bounces).bounced).toBe(1);
    expect(tableOf(bounces, 'bounceKinds')[0]).toMatchObject({ bounce_type: 'Permanent', recipients: 1 });

    const unsubscribes = figures((await view(campaignId, 'unsubscribes')).snapshot);
    expect(unsubscribes.unsubscribers).toBe(1);

    const geography = (await view(campaignId, 'openGeography')).snapshot;
    expect(tableOf(geography, 'byCountry')).toEqual([{ country: 'TW', opens: 4, openers: 3 }]);
    const timeline = figures((await view(campaignId, 'openTimeline')).snapshot);
    expect(timeline.opens).toBe(4);

    const compared = await call('GET', `/reports/comparison?campaigns=${campaignId}`);
    expect(compared.status).toBe(200);
    expect(compared.body.items[0]).toMatchObject({ campaignId, name: '報表測試 十二月', sent: 5, openers: 3, clickers: 2, unsubscribers: 1, notGenerated: [] });
    expect((await call('GET', '/reports/comparison')).status).toBe(400);

    const highlights = tableOf((await view(campaignId, 'highlights')).snapshot, 'problems');
    const problem = (key: string) => highlights.find((row) => row.problem === key)?.recipients;
    expect(problem('hardBounced')).toBe(1);
    expect(problem('invalidAddresses')).toBe(1);
    expect(problem('unsubscribers')).toBe(1);
  });

  it('downloads a report as PDF, XLSX and CSV', async () => {
    const pdf = await call('POST', `/campaigns/${campaignId}/reports/opens/download`, { format: 'pdf', language: 'zh-TW' });
    expect(pdf.status).toBe(200);
    expect(pdf.body.fileName).toMatch(/\.pdf$/);
    const pdfBytes = Buffer.from(await (await fetch(pdf.body.url as string)).arrayBuffer());
    expect(pdfBytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfBytes.includes(Buffer.from('FontFile'))).toBe(true);

    const xlsx = await call('POST', `/campaigns/${campaignId}/reports/clicks/download`, { format: 'xlsx', language: 'en' });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await (await fetch(xlsx.body.url as string)).arrayBuffer());
    const cells = book.worksheets[0]!.getSheetValues().flat().filter((v) => v !== undefined && v !== null);
    expect(cells).toContain('Clickers');

    const csv = await call('POST', `/campaigns/${campaignId}/reports/bounces/download`, { format: 'csv', language: 'zh-TW' });
    const text = await (await fetch(csv.body.url as string)).text();
    expect(text).toContain('退信數');
  });

  it('writes recipient lists in files of at most N rows', async () => {
    const tooSmall = await call('POST', `/campaigns/${campaignId}/reports/lists`, { list: 'openers', format: 'xlsx', maxRowsPerFile: 0 });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.errors[0].field).toBe('maxRowsPerFile');
    const created = await call('POST', `/campaigns/${campaignId}/reports/lists`, { list: 'openers', format: 'xlsx', maxRowsPerFile: 2, language: 'en' });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const job = await until(async () => (await call('GET', `/campaigns/${campaignId}/reports/lists/${created.body.id}`)).body, (j) => j.state === 'completed' || j.state === 'failed', 60_000);
    expect(job.state, job.error).toBe('completed');
    // 4 opens by people and 1 by a machine: 5 rows in files of 2, 2 and 1.
    expect(job.rows).toBe(5);
    expect((job.files as Json[]).map((f) => f.rows)).toEqual([2, 2, 1]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await (await fetch(job.files[0].url as string)).arrayBuffer());
    expect(book.worksheets[0]!.getRow(1).values).toContain('E-mail');

    const nonOpeners = await call('POST', `/campaigns/${campaignId}/reports/lists`, { list: 'nonOpeners', format: 'csv' });
    const done = await until(async () => (await call('GET', `/campaigns/${campaignId}/reports/lists/${nonOpeners.body.id}`)).body, (j) => j.state === 'completed' || j.state === 'failed', 60_000);
    const csv = await (await fetch(done.files[0].url as string)).text();
    expect(csv).toContain('dan@example.com');
    expect(csv).not.toContain('amy@example.com');
    expect(csv).not.toContain(BOUNCE);

    const wrongLink = await call('POST', `/campaigns/${campaignId}/reports/lists`, { list: 'openers', format: 'csv', linkIndex: 1 });
    expect(wrongLink.status).toBe(400);
  }, 120_000);

  it('e-mails the chosen reports on demand and on the dispatch hour, once per hour', async () => {
    const invalid = await call('PUT', `/campaigns/${campaignId}/reports/settings`, { types: ['opens'], dispatch: { frequency: 'daily', recipients: [], timeZone: 'Mars/Olympus' } });
    expect(invalid.status).toBe(400);
    const fields = (invalid.body.errors as Json[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['dispatch.timeZone', 'dispatch.recipients']));

    const hour = localTime(new Date(), 'Asia/Taipei').hour;
    const saved = await call('PUT', `/campaigns/${campaignId}/reports/settings`, {
      types: ['opens', 'clicks', 'linksByClicks'],
      dispatch: { frequency: 'daily', hour, timeZone: 'Asia/Taipei', format: 'pdf', language: 'zh-TW', recipients: ['Boss@Example.com'] },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.dispatch.recipients).toEqual(['boss@example.com']);

    const toBoss = () => inboxOf(dataDir).filter((m) => m.destination.includes('boss@example.com'));
    expect((await call('POST', `/campaigns/${campaignId}/reports/dispatch`)).status).toBe(202);
    const first = await until(async () => toBoss(), (list) => list.length === 1, 60_000);
    const mail = await simpleParser(rawMessage(dataDir, first[0]!.messageId));
    expect(mail.subject).toContain('報表測試 十二月');
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.contentType).toBe('application/pdf');
    expect(mail.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');

    // The hourly sweep: due now (its hour), sent once; a second sweep in the same hour sends nothing.
    expect(await sandbox.invoke('reportDispatch', {})).toMatchObject({ queued: 1 });
    await until(async () => toBoss(), (list) => list.length === 2, 60_000);
    expect(await sandbox.invoke('reportDispatch', {})).toMatchObject({ queued: 0 });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(toBoss()).toHaveLength(2);
  }, 180_000);

  it('answers bad requests clearly, and an empty campaign with an empty report', async () => {
    expect((await call('GET', `/campaigns/${campaignId}/reports/nope`)).status).toBe(404);
    const backwards = await call('POST', `/campaigns/${campaignId}/reports/generate`, { types: ['opens'], from: '2026-11-20', to: '2026-11-01' });
    expect(backwards.status).toBe(400);
    expect(backwards.body.detail).toMatch(/backwards/);
    expect((await call('POST', `/campaigns/${campaignId}/reports/generate`, { types: ['opens'], from: '2026-02-30' })).status).toBe(400);
    expect((await call('POST', `/campaigns/${campaignId}/reports/generate`, { types: ['unknown'] })).status).toBe(400);
    expect((await call('GET', '/campaigns/01NOSUCHCAMPAIGN000000000/reports/opens')).status).toBe(404);

    const draft = await call('POST', '/campaigns', { name: '空的任務', content: { subject: 's', fromEmail: 'news@pigeon.local', html: '<p>x</p>' }, audience: { sources: [], exclusions: [] } });
    const downloadFirst = await call('POST', `/campaigns/${draft.body.id}/reports/opens/download`, { format: 'pdf' });
    expect(downloadFirst.status).toBe(409);
    const reports = await generate(draft.body.id as string, { types: ['opens', 'forwards'] });
    expect(reports.filter((r) => ['opens', 'forwards'].includes(r.type as string)).every((r) => r.state === 'ready')).toBe(true);
    const empty = (await view(draft.body.id as string, 'opens')).snapshot;
    expect(empty.data.empty).toBe(true);
    expect(figures(empty).openers).toBe(0);

    const deleted = await call('DELETE', `/campaigns/${draft.body.id}`);
    expect(deleted.status).toBeLessThan(300);
    expect((await call('GET', `/campaigns/${draft.body.id}/reports`)).status).toBe(404);
  }, 120_000);
});
