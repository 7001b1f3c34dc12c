/**
 * E-mail campaigns (電子郵件任務) in a real browser against the real sandbox (same launch as
 * console.test.ts): the demo admin composes a campaign with a personalised subject, gives it a
 * typed-list audience, imports a ZIP EDM (page + image, the image hosted) as its content, previews it for a typed
 * recipient (the merge value in the subject, the sandboxed HTML and the text part), is refused an
 * 11-address test send before any request leaves the page, sends a test to two, submits it
 * (approved at once: the demo workspace requires no approval) and sends it now; the status badge
 * follows each step to completed, the local inbox holds exactly one message per recipient, and
 * the runs, the history and the list show it. Then sequential approval (層簽): set on the
 * settings page, the submitter's own decision refused in the API's words, a manager's approval
 * with a comment; the manager schedules it at() the next minute and watches it send.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { strToU8, zipSync } from 'fflate';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSandbox } from '../../infra/local/sandbox';

const adminEmail = 'admin@pigeon.local';
const adminPassword = 'pigeon-demo';
const resultsDir = join(process.cwd(), 'test-results');

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pigeon-e2e-campaigns-'));
  sandbox = await startSandbox({ dataDir, seed: true, console: 'build', quiet: true });
  browser = await launchChromium();
});

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
    await page.screenshot({ path: join(resultsDir, `campaigns-${name}.png`), fullPage: true }).catch(() => undefined);
    throw error;
  }
}

/** expect.poll with room for a loaded sandbox (its default gives up after one second). */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

/** The campaign's status as the detail page's badge says it (data-status is the API's value). */
const statusOf = (page: Page) => page.getByTestId('campaign-status').getAttribute('data-status');

describe('e-mail campaigns in the console', () => {
  test('compose, audience, preview, a refused 11-address test, a test send, submit and send now', async () => {
    const context = await browser.newContext({ locale: 'zh-TW', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const testSendRequests: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && /\/campaigns\/[^/]+\/test$/.test(new URL(request.url()).pathname)) testSendRequests.push(request.url());
    });
    const stamp = Date.now().toString(36);
    const name = `週年慶電子報 ${stamp}`;
    const subject = `{{ name | default: "會員" }}，您的週年慶專屬優惠 ${stamp}`;

    await scenario('flow', page, async () => {
      await page.goto(sandbox.consoleUrl);
      await page.getByLabel('電子郵件').fill(adminEmail);
      await page.getByLabel('密碼').fill(adminPassword);
      await page.getByRole('button', { name: '登入' }).click();
      await page.getByTestId('page-title').waitFor();

      // 電子郵件任務: the list, then a new campaign.
      await page.getByTestId('nav-campaigns').click();
      await poll(() => page.getByTestId('page-title').textContent()).toBe('電子郵件任務');
      await page.getByTestId('campaign-add').click();
      await poll(() => page.getByTestId('page-title').textContent()).toBe('新增任務');
      const form = page.getByTestId('campaign-content-form');
      await form.getByLabel('任務名稱').fill(name);
      await form.getByLabel('主旨').fill(subject);
      await form.getByLabel('寄件者名稱').fill('信鴿示範');
      await form.getByLabel('寄件者電子郵件').fill('news@pigeon.local');
      // The starter HTML carries the unsubscribe link; the charset defaults to UTF-8.
      expect(await form.getByTestId('campaign-html').inputValue()).toContain('{{ unsubscribe_url }}');
      expect(await form.getByTestId('campaign-charset').inputValue()).toBe('UTF-8');
      await form.getByTestId('content-save').click();

      // Created as a draft; the page moves on to the audience.
      await page.getByTestId('campaign-detail').waitFor();
      await poll(() => page.getByTestId('page-title').textContent()).toBe(name);
      await poll(() => statusOf(page)).toBe('draft');
      expect(await page.getByTestId('campaign-status').textContent()).toBe('草稿');
      expect(await page.getByTestId('tab-audience').getAttribute('aria-selected')).toBe('true');

      // 發送名單: a typed list of two.
      const audience = page.getByTestId('panel-audience');
      await audience.getByTestId('audience-add-source').selectOption('list');
      await audience.getByTestId('audience-list').fill('wang.e2e@example.com,王小明\n\nchen.e2e@example.com\n');
      await poll(() => audience.getByTestId('audience-list-count').textContent()).toContain('2');
      // …and an uploaded list file (its header names the merge fields).
      await audience.getByTestId('audience-upload-sources').setInputFiles({ name: `名單-${stamp}.csv`, mimeType: 'text/csv', buffer: Buffer.from('電子郵件,姓名\nfile.e2e@example.com,林檔案\n') });
      await poll(() => audience.locator('[data-testid="audience-source"][data-kind="upload"]').count()).toBe(1);
      expect(await page.getByTestId('tab-audience').textContent()).toContain('•'); // unsaved
      await audience.getByTestId('audience-save').click();
      await audience.getByTestId('audience-saved').waitFor();
      expect(await page.getByTestId('tab-audience').textContent()).not.toContain('•');

      // 內容: a ZIP of a whole EDM (page + image) uploaded and imported becomes the campaign's
      // HTML, its image hosted in the assets bucket and the relative link rewritten to it.
      await page.getByTestId('tab-content').click();
      const content = page.getByTestId('panel-content');
      const edmHtml = `<!doctype html><html><head><meta charset="utf-8"></head><body><img src="images/logo.png" alt="logo"><h1>{{ name }}，週年慶 ${stamp}</h1><p><a href="https://shop.example.com/">逛逛</a> <a href="{{ unsubscribe_url }}">取消訂閱</a></p></body></html>`;
      await content.getByTestId('edm-file').setInputFiles({
        name: `edm-${stamp}.zip`,
        mimeType: 'application/zip',
        buffer: Buffer.from(zipSync({ 'edm/index.html': strToU8(edmHtml), 'edm/images/logo.png': onePixelPng })),
      });
      await content.getByTestId('edm-upload-start').click();
      const imported = content.getByTestId('edm-upload-done');
      const importFailed = content.getByTestId('edm-upload-error');
      await imported.or(importFailed).waitFor();
      if ((await importFailed.count()) > 0) throw new Error(`The upload failed: ${await importFailed.textContent()}`);
      expect(await imported.textContent()).toContain(`edm-${stamp}.zip`);
      await poll(() => content.getByTestId('campaign-html').inputValue()).toContain(`週年慶 ${stamp}`);
      const hostedHtml = await content.getByTestId('campaign-html').inputValue();
      const logoUrl = /src="([^"]+\/images\/logo\.png)"/.exec(hostedHtml)?.[1] ?? '';
      expect(logoUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pigeon-local-assets\/edm\//);
      expect((await fetch(logoUrl)).status).toBe(200);
      expect(await page.getByTestId('tab-content').textContent()).not.toContain('•');

      // 預覽 for a typed recipient with merge fields.
      await page.getByTestId('tab-preview').click();
      const preview = page.getByTestId('panel-preview');
      await preview.getByTestId('preview-email').fill('wang.e2e@example.com');
      await preview.getByTestId('preview-fields').fill('{"name": "王小明"}');
      await preview.getByTestId('preview-run').click();
      const rendered = preview.getByTestId('preview-subject');
      const failed = preview.getByTestId('preview-error');
      await rendered.or(failed).waitFor();
      // A 503 here means the API runs without the content module's renderer ("Preview is not
      // available: no renderer is configured"); the page then shows preview-error with
      // data-status="503" and the API's words. The sandbox has the renderer wired, so it renders.
      if ((await failed.count()) > 0) throw new Error(`The preview failed: ${await failed.textContent()}`);
      await poll(() => rendered.textContent()).toBe(`王小明，您的週年慶專屬優惠 ${stamp}`);
      expect(await preview.getByTestId('preview-charset').textContent()).toMatch(/utf-8/i);
      expect(await preview.getByTestId('preview-to').textContent()).toContain('wang.e2e@example.com');
      expect(await preview.getByTestId('preview-from').textContent()).toContain('news@pigeon.local');
      await preview.getByTestId('preview-findings').or(preview.getByTestId('preview-findings-none')).first().waitFor();
      // The HTML in a sandboxed frame (no scripts, own origin), the merge value in it; then the text part.
      const frame = preview.getByTestId('preview-html');
      expect(await frame.getAttribute('sandbox')).toBe('');
      await poll(() => page.frameLocator('[data-testid="preview-html"]').locator('body').textContent()).toContain('王小明');
      await preview.getByTestId('preview-part-text').click();
      await poll(() => preview.getByTestId('preview-text').textContent()).toContain('王小明');

      // 測試發送: eleven addresses are refused on the page, before any request.
      await page.getByTestId('tab-test').click();
      const testSend = page.getByTestId('panel-test');
      const eleven = Array.from({ length: 11 }, (_, i) => `tester${i + 1}.${stamp}@example.com`).join('\n');
      await testSend.getByTestId('test-send-lines').fill(eleven);
      await poll(() => testSend.getByTestId('test-send-count').textContent()).toContain('11');
      await testSend.getByTestId('test-send-submit').click();
      const refused = testSend.getByTestId('test-send-error');
      await refused.waitFor();
      expect(await refused.textContent()).toContain('最多 10 位');
      expect(await refused.textContent()).toContain('11');
      expect(await testSend.getByTestId('test-send-lines').getAttribute('aria-invalid')).toBe('true');
      expect(testSendRequests).toEqual([]);
      // Two are fine: a test run, the campaign's status unchanged.
      await testSend.getByTestId('test-send-lines').fill(`me.${stamp}@example.com\ncolleague.${stamp}@example.com,陳美玲`);
      await poll(() => refused.count()).toBe(0);
      await testSend.getByTestId('test-send-submit').click();
      await testSend.getByTestId('test-send-done').waitFor();
      expect(testSendRequests).toHaveLength(1);
      expect(await statusOf(page)).toBe('draft');

      // 審核: submitting approves at once (no approval required for admins in the demo workspace).
      await page.getByTestId('tab-approval').click();
      const approval = page.getByTestId('panel-approval');
      await poll(() => approval.getByTestId('approval-rule').textContent()).toContain('無須審核');
      await approval.getByTestId('campaign-submit').click();
      await poll(() => statusOf(page)).toBe('approved');
      expect(await page.getByTestId('campaign-status').textContent()).toBe('已核准');
      await approval.getByTestId('approval-done').waitFor();

      // 發送: now, after confirming.
      await page.getByTestId('tab-launch').click();
      const launch = page.getByTestId('panel-launch');
      expect(await launch.getByTestId('launch-now').isChecked()).toBe(true);
      await launch.getByTestId('launch-submit').click();
      const dialog = page.getByTestId('launch-dialog');
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain(name);
      await dialog.getByTestId('launch-confirm').click();
      await launch.getByTestId('launch-done').waitFor();
      // Sending, or already completed if a delivery module is wired and quick.
      await poll(() => statusOf(page)).toMatch(/^(sending|completed)$/);
      expect(await page.getByTestId('campaign-status').textContent()).toMatch(/^(發送中|已完成)$/);
      expect(await dialog.count()).toBe(0);

      // 發送紀錄: the launch's run and the test run, each with a progress bar.
      await page.getByTestId('tab-runs').click();
      const runs = page.getByTestId('panel-runs').getByTestId('run');
      await poll(() => runs.count()).toBe(2);
      const formal = runs.filter({ has: page.locator('[data-type="formal"]') });
      expect(await formal.count()).toBe(1);
      expect(await formal.getAttribute('data-status')).toMatch(/^(planning|sending|completed)$/);
      await formal.getByTestId('run-progress').waitFor();
      expect(await runs.filter({ has: page.locator('[data-type="test"]') }).count()).toBe(1);

      // 歷程: who did what, newest first.
      await page.getByTestId('tab-history').click();
      const history = page.getByTestId('history-row');
      await poll(() => history.count()).toBeGreaterThanOrEqual(4);
      const actions = await history.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
      expect(actions.slice(0, 3)).toEqual(['launch', 'submit', 'test']);
      expect(actions.at(-1)).toBe('create');
      expect(await history.first().textContent()).toContain('發送');
      expect(await history.first().textContent()).toContain('您（');

      // The send finishes; the local inbox holds exactly one message per recipient, as rendered.
      await poll(() => statusOf(page)).toBe('completed');
      const campaignId = new URL(page.url()).hash.split('/')[2]?.split('?')[0] ?? '';
      const formalRun = ((await api(await adminToken(), 'GET', `/campaigns/${campaignId}/runs`)) as { items: { id: string; type: string }[] }).items.find((r) => r.type === 'formal');
      const delivered = inboxOf(formalRun?.id ?? '');
      expect([...delivered.keys()].sort()).toEqual(['chen.e2e@example.com', 'file.e2e@example.com', 'wang.e2e@example.com']);
      expect([...delivered.values()].map((ids) => ids.length)).toEqual([1, 1, 1]);
      const wangRaw = readFileSync(join(dataDir, 'mail-raw', `${delivered.get('wang.e2e@example.com')?.[0]}.eml`), 'utf8');
      expect(wangRaw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      expect(wangRaw).toMatch(/^Subject: /m);

      // The tab survives a reload; the list shows the campaign with its status.
      await page.reload();
      await page.getByTestId('panel-history').waitFor();
      await page.getByTestId('campaigns-back').click();
      const row = page.getByTestId('campaign-row').filter({ hasText: name });
      await row.waitFor();
      expect(await row.getByTestId('campaign-row-status').getAttribute('data-status')).toMatch(/^(sending|completed)$/);
      await row.getByTestId('campaign-last-run').waitFor();
    });

    expect(pageErrors).toEqual([]);
    await context.close();
  });

  test('sequential approval (層簽): set in the settings page, self-approval refused with the API\'s words, a manager approves', async () => {
    const admin = await signInApi(adminEmail, adminPassword);
    const stamp = Date.now().toString(36);
    const managerEmail = `approver.${stamp}@example.com`;
    const managerPassword = 'approver-pass-1';
    const managerName = `審核主管${stamp}`;
    await api(admin.token, 'POST', '/users', {
      email: managerEmail,
      name: managerName,
      role: 'manager',
      password: managerPassword,
      ...(admin.departmentId ? { departmentId: admin.departmentId } : {}),
    });
    const name = `審核測試 ${stamp}`;
    const campaign = (await api(admin.token, 'POST', '/campaigns', {
      name,
      content: { subject: '{{ name }}，您好', fromEmail: 'news@pigeon.local', html: '<p>Hi</p><a href="{{ unsubscribe_url }}">x</a>' },
      audience: { sources: [{ kind: 'list', lines: ['a@example.com'] }], exclusions: [] },
    })) as { id: string };

    const context = await browser.newContext({ locale: 'zh-TW', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await scenario('approval', page, async () => {
      await page.goto(sandbox.consoleUrl);
      await page.getByLabel('電子郵件').fill(adminEmail);
      await page.getByLabel('密碼').fill(adminPassword);
      await page.getByRole('button', { name: '登入' }).click();
      await page.getByTestId('page-title').waitFor();

      // 審核設定: administrators' launches need the manager's sign-off, in sequence.
      await page.getByTestId('nav-settings').click();
      await poll(() => page.getByTestId('page-title').textContent()).toBe('審核設定');
      expect(page.url()).toContain('#/settings/approval');
      const settings = page.getByTestId('approval-settings-form');
      await settings.getByTestId('approval-role-admin').check();
      await settings.getByTestId('approval-settings-save').click();
      // No approver yet: the API's field message shows under the approvers.
      await settings.getByTestId('approvers-error').waitFor();
      await settings.getByTestId('approver-choose').selectOption({ label: `${managerName} (主管)` });
      await settings.getByTestId('approver-add').click();
      expect(await settings.getByTestId('approver').textContent()).toContain(managerName);
      await settings.getByTestId('approval-mode-sequential').check();
      await settings.getByTestId('approval-settings-save').click();
      await settings.getByTestId('approval-settings-saved').waitFor();

      // The admin submits; the step waits for the manager.
      await page.goto(`${sandbox.consoleUrl}#/campaigns/${campaign.id}?tab=approval`);
      const panel = page.getByTestId('panel-approval');
      await poll(() => panel.getByTestId('approval-rule').textContent()).toContain(managerName);
      await panel.getByTestId('campaign-submit').click();
      await poll(() => statusOf(page)).toBe('awaiting_approval');
      expect(await page.getByTestId('campaign-status').textContent()).toBe('待審核');
      const step = panel.getByTestId('approval-step');
      expect(await step.count()).toBe(1);
      expect(await step.textContent()).toContain(managerName);
      expect(await panel.getByTestId('approval-steps').textContent()).toContain('層簽');
      // Launching waits for the approval.
      await page.getByTestId('tab-launch').click();
      expect(await page.getByTestId('launch-form').count()).toBe(0);
      await page.getByTestId('tab-approval').click();

      // Deciding on one's own campaign: the API's refusal, as worded.
      await panel.getByTestId('campaign-approve').click();
      const refusal = panel.getByTestId('approval-error');
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(/cannot approve or reject their own campaign/);
      expect(await statusOf(page)).toBe('awaiting_approval');
      // A rejection needs a comment (checked on the page).
      await panel.getByTestId('campaign-reject').click();
      await poll(() => refusal.textContent()).toContain('退件須填寫意見');
    });

    // The manager approves.
    const managerContext = await browser.newContext({ locale: 'zh-TW', viewport: { width: 1280, height: 900 } });
    managerContext.setDefaultTimeout(20_000);
    const managerPage = await managerContext.newPage();
    managerPage.on('pageerror', (error) => pageErrors.push(error.message));
    await scenario('approval-manager', managerPage, async () => {
      await managerPage.goto(sandbox.consoleUrl);
      await managerPage.getByLabel('電子郵件').fill(managerEmail);
      await managerPage.getByLabel('密碼').fill(managerPassword);
      await managerPage.getByRole('button', { name: '登入' }).click();
      await managerPage.getByTestId('page-title').waitFor();
      await managerPage.getByTestId('nav-campaigns').click();
      await managerPage.getByTestId('campaign-row').filter({ hasText: name }).getByTestId('campaign-open').click();
      await managerPage.getByTestId('tab-approval').click();
      const panel = managerPage.getByTestId('panel-approval');
      expect(await panel.getByTestId('approval-step').getAttribute('data-decision')).toBe('pending');
      await panel.getByTestId('approval-comment').fill('內容確認無誤');
      await panel.getByTestId('campaign-approve').click();
      await poll(() => statusOf(managerPage)).toBe('approved');
      expect(await panel.getByTestId('approval-step').getAttribute('data-decision')).toBe('approved');
      expect(await panel.getByTestId('approval-step').textContent()).toContain('內容確認無誤');
      await managerPage.getByTestId('tab-history').click();
      const first = managerPage.getByTestId('history-row').first();
      expect(await first.getAttribute('data-action')).toBe('approve');
      expect(await first.textContent()).toContain('內容確認無誤');
    });

    // The manager schedules the approved campaign for the next minute and watches it send.
    await scenario('schedule', managerPage, async () => {
      await managerPage.getByTestId('tab-launch').click();
      const launch = managerPage.getByTestId('panel-launch');
      await launch.getByTestId('launch-once').check();
      const at = new Date(Date.now() + 60_000);
      at.setUTCSeconds(0, 0);
      if (at.getTime() - Date.now() < 20_000) at.setUTCMinutes(at.getUTCMinutes() + 1);
      await launch.getByTestId('launch-timezone').selectOption('UTC');
      await launch.getByTestId('launch-at').fill(at.toISOString().slice(0, 16));
      await launch.getByTestId('launch-submit').click();
      await managerPage.getByTestId('launch-dialog').getByTestId('launch-confirm').click();
      await expect.poll(() => statusOf(managerPage), { timeout: 15_000 }).toBe('scheduled');
      // The local scheduler fires at() as EventBridge Scheduler would; the badge follows the run.
      await expect.poll(() => statusOf(managerPage), { timeout: 150_000, interval: 1_000 }).toBe('completed');
      const runs = (await api(admin.token, 'GET', `/campaigns/${campaign.id}/runs`)) as { items: { id: string }[] };
      expect([...inboxOf(runs.items[0]?.id ?? '').entries()]).toEqual([['a@example.com', [expect.any(String)]]]);
    });

    await api(admin.token, 'PUT', '/settings/approval', { rolesRequiringApproval: [], mode: 'sequential', approverIds: [] });
    expect(pageErrors).toEqual([]);
    await managerContext.close();
    await context.close();
  });
});

const onePixelPng = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));

async function adminToken(): Promise<string> {
  return (await signInApi(adminEmail, adminPassword)).token;
}

/** What the local SES accepted for a run: recipient → message ids (from mail-raw/index.jsonl). */
function inboxOf(runId: string): Map<string, string[]> {
  const byRecipient = new Map<string, string[]>();
  for (const line of readFileSync(join(dataDir, 'mail-raw', 'index.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const message = JSON.parse(line) as { messageId: string; destination: string[]; tags: Record<string, string[]> };
    if (message.tags.run?.[0] !== runId) continue;
    for (const to of message.destination) byRecipient.set(to, [...(byRecipient.get(to) ?? []), message.messageId]);
  }
  return byRecipient;
}

/** Signs in over the API (for set-up the browser need not click through). */
async function signInApi(email: string, password: string): Promise<{ token: string; departmentId?: string }> {
  const result = (await api(undefined, 'POST', '/auth/sign-in', { email, password })) as { idToken: string; user: { departmentId?: string } };
  return { token: result.idToken, ...(result.user.departmentId ? { departmentId: result.user.departmentId } : {}) };
}

async function api(token: string | undefined, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
