/**
 * Two-stage reports (報表) in a real browser against the real sandbox: a campaign is sent to three
 * people through the API and its Opens report generated once (nobody has opened yet); two of them
 * then open the message (its open pixel, as a mail client loads it) and one clicks through. With
 * the events in the lake, the admin opens the campaign's 報表 tab, picks 開啓報表, presses 重新產生
 * and watches the generation time move on and the openers go from 0 to 2 — the old snapshot in
 * view meanwhile — then downloads the report as PDF and XLSX. Last, 報表管理 (#/reports) compares
 * it from its snapshots (a draft with none offers Generate) and generates the reports it lacks.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../infra/local/sandbox';
import { adminApi, inboxOf, rawMessage, until, type ApiCall } from '../integration/sandbox-client';
import { launchChromium } from './browser';

const adminEmail = 'admin@pigeon.local';
const adminPassword = 'pigeon-demo';
const resultsDir = join(process.cwd(), 'test-results');

const IPHONE_MAIL = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** HiNet (Taiwan): the viewer's address as CloudFront passes it on. */
const TAIPEI = '168.95.1.1:52110';

let sandbox: Sandbox;
let browser: Browser;
let dataDir: string;
let api: ApiCall;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pigeon-e2e-reports-'));
  sandbox = await startSandbox({ dataDir, seed: true, console: 'build', quiet: true, lakeBufferSeconds: 1, env: { MAIL_WATCH_SECONDS: '1', MAIL_CONTINUE_SECONDS: '1' } });
  api = await adminApi(sandbox);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function scenario(name: string, page: Page, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: join(resultsDir, `reports-${name}.png`), fullPage: true }).catch(() => undefined);
    throw error;
  }
}

/** expect.poll with room for a loaded sandbox and a report generation (DuckDB over the lake). */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 60_000, interval: 500 });

/** The tracked links of the message one recipient got: its open pixel and its click redirects. */
async function trackedLinks(email: string): Promise<{ pixel: string; clicks: string[] }> {
  const line = await until(
    async () => inboxOf(dataDir).find((m) => m.destination.includes(email)),
    (m) => m !== undefined,
    30_000,
  );
  if (!line) throw new Error(`no message to ${email}`);
  const html = String((await simpleParser(rawMessage(dataDir, line.messageId))).html);
  const pixel = /src="([^"]*\/t\/o\/[^"]+)"/.exec(html)?.[1];
  if (!pixel) throw new Error(`no open pixel in the message to ${email}`);
  const clicks = [...html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replaceAll('&amp;', '&')).filter((href) => href.startsWith(`${sandbox.apiUrl}/t/c/`));
  return { pixel, clicks };
}

/** The Opens report's latest snapshot through the API, once no generation is pending. */
async function opensReport(campaignId: string) {
  return (await api('GET', `/campaigns/${campaignId}/reports/opens`)).body;
}

describe('campaign reports in the console', () => {
  test('regenerate the Opens report after two people opened, see it change, download PDF and XLSX', async () => {
    const stamp = Date.now().toString(36);
    const people = [`ann.${stamp}@example.com`, `bob.${stamp}@example.com`, `cho.${stamp}@example.com`];
    const created = await api('POST', '/campaigns', {
      name: `報表測試 ${stamp}`,
      content: {
        subject: '年終特賣',
        fromName: '信鴿商店',
        fromEmail: 'news@pigeon.local',
        html: '<html><body><h1>年終特賣</h1><p><a href="https://shop.example.com/sale">看特賣</a></p><p><a href="{{ unsubscribe_url }}">取消訂閱</a></p></body></html>',
      },
      audience: { sources: [{ kind: 'list', lines: people }], exclusions: [] },
    });
    expect(created.status).toBe(201);
    const campaignId = created.body.id as string;
    const launched = await api('POST', `/campaigns/${campaignId}/launch`, {});
    expect(launched.status).toBe(202);
    await poll(async () => (await api('GET', `/campaigns/${campaignId}/runs/${launched.body.run.id as string}`)).body.status).toBe('completed');

    // A first snapshot before anyone opened: the one the page shows until the regeneration is done.
    const first = await api('POST', `/campaigns/${campaignId}/reports/generate`, { types: ['opens'] });
    expect(first.status).toBe(202);
    await poll(async () => (await opensReport(campaignId)).status?.state).toBe('ready');
    const before = await opensReport(campaignId);
    const openersOf = (snapshot: { data: { figures: { key: string; value: unknown }[] } }) => snapshot.data.figures.find((figure) => figure.key === 'openers')?.value;
    expect(openersOf(before.snapshot)).toBe(0);

    // Two people open, one of them clicks, later than the seconds in which scanners and proxies fetch.
    const [ann, bob] = [await trackedLinks(people[0] as string), await trackedLinks(people[1] as string)];
    await new Promise((r) => setTimeout(r, 10_500));
    for (const links of [ann, bob]) {
      const open = await fetch(links.pixel, { headers: { 'user-agent': IPHONE_MAIL, 'cloudfront-viewer-address': TAIPEI } });
      expect(open.status).toBe(200);
    }
    expect(ann.clicks.length).toBeGreaterThan(0);
    const click = await fetch(ann.clicks[0] as string, { redirect: 'manual', headers: { 'user-agent': CHROME, 'cloudfront-viewer-address': TAIPEI } });
    expect(click.status).toBe(302);
    // The events reach the lake, counted as people's.
    await poll(async () => {
      await sandbox.flushEvents();
      const rows = await sandbox.queryEngine.query("SELECT count(DISTINCT email) AS openers FROM events WHERE type = 'open' AND campaign_id = :c AND NOT machine", { c: campaignId });
      return Number(rows[0]?.openers ?? 0);
    }).toBe(2);

    const context = await browser.newContext({ locale: 'zh-TW', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await scenario('opens', page, async () => {
      await page.goto(sandbox.consoleUrl);
      await page.getByLabel('電子郵件').fill(adminEmail);
      await page.getByLabel('密碼').fill(adminPassword);
      await page.getByRole('button', { name: '登入' }).click();
      await page.getByTestId('page-title').waitFor();

      // The campaign's 報表 tab, then 開啓報表 in the catalogue.
      await page.goto(`${sandbox.consoleUrl}/#/campaigns/${encodeURIComponent(campaignId)}`);
      await page.getByTestId('tab-reports').click();
      expect(page.url()).toContain('tab=reports');
      const catalogue = page.getByTestId('reports-catalogue');
      await catalogue.getByRole('button', { name: /開啓報表/ }).click();
      const view = page.getByTestId('report-view');
      await poll(() => view.getAttribute('data-type')).toBe('opens');
      await poll(() => view.getByTestId('report-title').textContent()).toBe('開啓報表');
      expect(page.url()).toContain('report=opens');

      const generatedAt = view.getByTestId('report-generated-at');
      const openers = view.locator('[data-testid="report-figure"][data-key="openers"]');
      await poll(() => generatedAt.getAttribute('data-value')).toBe(before.snapshot.generatedAt);
      expect(await openers.getAttribute('data-value')).toBe('0');

      // 重新產生: queued at once; the old snapshot stays in view until the new one is there.
      await view.getByTestId('report-regenerate').click();
      await poll(() => generatedAt.getAttribute('data-value')).not.toBe(before.snapshot.generatedAt);
      await poll(() => openers.getAttribute('data-value')).toBe('2');
      expect((await openers.locator('dd').textContent())?.trim()).toBe('2');
      expect(await view.getAttribute('data-state')).toBe('ready');
      expect(await generatedAt.textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
      expect(await page.locator('[data-testid="report-item"][data-type="opens"]').getAttribute('data-state')).toBe('ready');

      // Downloads in the console's language: a PDF and a workbook.
      for (const [format, magic] of [
        ['pdf', '%PDF'],
        ['xlsx', 'PK'],
      ] as const) {
        const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), view.getByTestId(`report-download-${format}`).click()]);
        expect(download.suggestedFilename()).toMatch(new RegExp(`\\.${format}$`));
        expect(download.suggestedFilename()).toContain('開啓報表');
        const bytes = readFileSync(await download.path());
        expect(bytes.subarray(0, magic.length).toString('latin1')).toBe(magic);
      }
      expect(await view.getByTestId('report-action-error').count()).toBe(0);
    });

    // The API agrees with the page.
    const after = await opensReport(campaignId);
    expect(openersOf(after.snapshot)).toBe(2);
    const openRate = after.snapshot.data.figures.find((figure: { key: string }) => figure.key === 'openRate')?.value as number;
    expect(openRate).toBeGreaterThan(0);

    // 報表管理: the campaign compared with others from the snapshots it has; a draft with none offers to generate them.
    const draft = await api('POST', '/campaigns', { name: `草稿 ${stamp}`, content: { subject: '草稿', fromName: '信鴿商店', fromEmail: 'news@pigeon.local', html: '<p>草稿</p>' } });
    expect(draft.status).toBe(201);
    const draftId = draft.body.id as string;
    await scenario('comparison', page, async () => {
      await page.getByTestId('nav-reports').click();
      await poll(() => page.getByTestId('page-title').textContent()).toBe('報表管理');
      expect(page.url()).toContain('#/reports');
      await poll(() => page.getByTestId('reports-source').textContent()).toContain('二階段式報表');

      // Listed and ticked (the newest sent campaign); the draft is listed but not ticked.
      const listed = page.locator(`[data-testid="compare-campaign"][data-campaign-id="${campaignId}"]`);
      expect(await listed.getAttribute('data-selected')).toBe('true');
      expect(await listed.getByTestId('compare-check').isChecked()).toBe(true);
      const draftItem = page.locator(`[data-testid="compare-campaign"][data-campaign-id="${draftId}"]`);
      expect(await draftItem.getAttribute('data-selected')).toBe('false');

      // Its row: the openers and open rate of the Opens snapshot, the name leading to its 報表 tab.
      const row = page.locator(`[data-testid="comparison-row"][data-campaign-id="${campaignId}"]`);
      const cell = (key: string) => row.locator(`[data-testid="comparison-cell"][data-key="${key}"]`);
      await poll(() => cell('openers').getAttribute('data-value')).toBe('2');
      expect((await cell('openers').textContent())?.trim()).toBe('2');
      expect(await cell('openRate').getAttribute('data-value')).toBe(String(openRate));
      expect((await cell('openRate').textContent())?.trim()).toBe(`${(openRate * 100).toFixed(1)}%`);
      expect(await row.getByTestId('comparison-open').getAttribute('href')).toBe(`#/campaigns/${encodeURIComponent(campaignId)}?tab=reports`);
      expect(await row.getByTestId('comparison-generated-at').getAttribute('data-value')).toBe(after.snapshot.generatedAt);
      // Only Opens was generated: the others are missing, with a Generate button.
      expect((await row.getAttribute('data-not-generated'))?.split(',')).toEqual(['delivery', 'clicks', 'unsubscribes']);
      await row.getByTestId('comparison-generate').waitFor();
      // Its click rate is not known yet: left out of the chart, and named under it.
      expect(await page.getByTestId('report-chart').count()).toBe(1);
      expect(await page.getByTestId('comparison-chart-left-out').textContent()).toContain(`報表測試 ${stamp}`);

      // The draft, ticked: no snapshot at all, so every figure is a dash and Generate is offered.
      await draftItem.getByTestId('compare-check').check();
      const draftRow = page.locator(`[data-testid="comparison-row"][data-campaign-id="${draftId}"]`);
      await poll(() => draftRow.getAttribute('data-not-generated')).toBe('delivery,opens,clicks,unsubscribes');
      expect((await draftRow.locator('[data-testid="comparison-cell"][data-key="openers"]').textContent())?.trim()).toBe('—');
      expect(await draftRow.getByTestId('comparison-generate').isEnabled()).toBe(true);
      expect((await draftRow.getByTestId('comparison-missing').textContent()) ?? '').toContain('開啓報表');

      // Generate on the sent campaign's row: queued, then the page polls until the clicks are in (Ann clicked once).
      await row.getByTestId('comparison-generate').click();
      await poll(() => row.getAttribute('data-not-generated')).toBe('');
      expect(await cell('clickers').getAttribute('data-value')).toBe('1');
      expect(await row.getByTestId('comparison-generate').count()).toBe(0);
      expect(await row.getByTestId('comparison-generate-error').count()).toBe(0);
      // Now drawn; only the draft is left out of the chart.
      const leftOut = (await page.getByTestId('comparison-chart-left-out').textContent()) ?? '';
      expect(leftOut).toContain(`草稿 ${stamp}`);
      expect(leftOut).not.toContain(`報表測試 ${stamp}`);
    });
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 300_000);
});
