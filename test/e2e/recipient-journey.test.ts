/**
 * A recipient's journey in a real browser, against the real sandbox: the campaign's e-mail (its
 * HTML as sent, from the local inbox) is opened in Chromium, which loads the open pixel; the
 * recipient clicks through to a landing site (a tiny local server carrying the page-tracking
 * script) and on to a product page; comes back to forward the campaign to a friend and leave a
 * comment (both behind the CAPTCHA, read as a person would read it — here from its sealed token,
 * with the sandbox's key), then unsubscribes on the unsubscribe page. Finally the admin signs in
 * to the console and finds the whole path on the contact's timeline, the contact unsubscribed,
 * and the comment on the campaign.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { adminApi } from '../integration/sandbox-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSandbox } from '../../infra/local/sandbox';
import { captchaAnswerOf } from '../../shared/tracking/pages/captcha';

const adminEmail = 'admin@pigeon.local';
const adminPassword = 'pigeon-demo';
const resultsDir = join(process.cwd(), 'test-results');

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let browser: Browser;
let dataDir: string;
let landing: Server;
let landingUrl: string;


/** The marketer's site: two pages with the tracking script, as the README tells them to add it. */
function startLanding(trackingBase: string): Promise<Server> {
  const page = (title: string, body: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><script src="${trackingBase}/p.js" async></script></head><body><h1>${title}</h1>${body}</body></html>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/landing') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('新品上市', '<a id="product" href="/product/42">看商品</a>'));
    else if (path === '/product/42') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('商品 42', '<p>加入購物車</p>'));
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pigeon-e2e-journey-'));
  sandbox = await startSandbox({ dataDir, seed: true, console: 'build', quiet: true, lakeBufferSeconds: 1, env: { MAIL_WATCH_SECONDS: '1', MAIL_CONTINUE_SECONDS: '1' } });
  landing = await startLanding(`${sandbox.apiUrl}/t`);
  landingUrl = `http://127.0.0.1:${(landing.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => landing?.close(resolve));
  await sandbox?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function scenario(name: string, page: Page, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: join(resultsDir, `journey-${name}.png`), fullPage: true }).catch(() => undefined);
    throw error;
  }
}

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });

/** Answers the CAPTCHA on the page as a person reading the image would. */
async function solveCaptcha(page: Page): Promise<void> {
  const token = await page.locator('input[name="captcha_token"]').inputValue();
  const key = Buffer.from(readFileSync(join(dataDir, 'keys', 'tracking.key'), 'utf8').trim(), 'base64');
  await page.locator('input[name="captcha"]').fill(captchaAnswerOf(key, token) ?? '');
}

describe('a recipient\'s journey, in the browser', () => {
  test('open, click through two pages, forward, comment, unsubscribe — then the timeline in the console', async () => {
    const api = await adminApi(sandbox);
    const stamp = Date.now().toString(36);
    const email = `journey.${stamp}@example.com`;
    const contact = await api('POST', '/contacts', { email, name: '旅程測試' });
    expect(contact.status).toBe(201);
    const created = await api('POST', '/campaigns', {
      name: `旅程 ${stamp}`,
      content: {
        subject: '新品上市',
        fromName: '信鴿商店',
        fromEmail: 'news@pigeon.local',
        html: `<html><body><h1>新品上市</h1><p><a id="shop" href="${landingUrl}/landing">看新品</a></p><p><a id="forward" href="{{ forward_url }}">轉寄給朋友</a> · <a id="comment" href="{{ comment_url }}">留言</a> · <a id="unsubscribe" href="{{ unsubscribe_url }}">取消訂閱</a></p></body></html>`,
      },
      audience: { sources: [{ kind: 'list', lines: [email] }], exclusions: [] },
    });
    expect(created.status).toBe(201);
    const campaignId = created.body.id as string;
    const launched = await api('POST', `/campaigns/${campaignId}/launch`, {});
    expect(launched.status).toBe(202);
    await poll(async () => (await api('GET', `/campaigns/${campaignId}/runs/${launched.body.run.id as string}`)).body.status).toBe('completed');

    const line = readFileSync(join(dataDir, 'mail-raw', 'index.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { messageId: string; destination: string[] })
      .find((m) => m.destination.includes(email));
    const mail = await simpleParser(readFileSync(join(dataDir, 'mail-raw', `${line?.messageId as string}.eml`)));
    // A person reads mail a while after it arrives (scanners and proxies fetch within seconds).
    await new Promise((r) => setTimeout(r, 10_500));

    const context = await browser.newContext({ locale: 'zh-TW', viewport: { width: 1100, height: 900 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await scenario('recipient', page, async () => {
      // The mail client shows the message: images (the open pixel) load.
      const pixel = page.waitForResponse((r) => r.url().includes('/t/o/'));
      await page.setContent(String(mail.html), { waitUntil: 'load' });
      expect((await pixel).status()).toBe(200);
      const href = async (id: string) => (await page.locator(`#${id}`).getAttribute('href')) as string;
      const mailLinks = { forward: await href('forward'), comment: await href('comment'), unsubscribe: await href('unsubscribe') };

      // Click through: the tracked redirect lands on the shop with the token, the script reports the view,
      // then an in-page click to the product page reports the click and the next view.
      const views = (path: string) => page.waitForRequest((r) => r.url().includes('/t/v/') && (r.postData() ?? r.url()).includes(encodeURIComponent(`${landingUrl}${path}`).slice(0, 40)));
      const landed = views('/landing');
      await page.locator('#shop').click();
      await page.waitForURL(`${landingUrl}/landing`);
      await landed;
      expect(page.url()).not.toContain('pgn_t');
      const product = views('/product/42');
      await page.locator('#product').click();
      await page.waitForURL(`${landingUrl}/product/42`);
      await product;

      // Forward to a friend.
      await page.goto(mailLinks.forward);
      await page.locator('input[name="name"]').fill('旅程測試');
      await page.locator('input[name="friend_1"]').fill(`friend.${stamp}@example.com`);
      await solveCaptcha(page);
      await page.locator('button[type="submit"]').click();
      await poll(() => page.locator('main').textContent()).toMatch(/1/);
      expect(await page.locator('form').count()).toBe(0);

      // Leave a comment.
      await page.goto(mailLinks.comment);
      await page.locator('textarea[name="message"]').fill('請問有藍色的嗎？');
      await solveCaptcha(page);
      await page.locator('button[type="submit"]').click();
      await poll(() => page.locator('textarea[name="message"]').count()).toBe(0);

      // Unsubscribe from everything.
      await page.goto(mailLinks.unsubscribe);
      // With newsletter categories the page offers a choice; "all mail" is the default either way.
      const all = page.locator('input[type="radio"][name="scope"][value="all"]');
      if ((await all.count()) > 0) await all.check();
      await page.locator('button[type="submit"]').first().click();
      await poll(() => page.locator('input[name="scope"]').count()).toBe(0);
    });
    expect(pageErrors).toEqual([]);

    // The friend got the campaign.
    await poll(() => readFileSync(join(dataDir, 'mail-raw', 'index.jsonl'), 'utf8').includes(`friend.${stamp}@example.com`)).toBe(true);

    // The console: the contact's timeline tells the story.
    const consolePage = await context.newPage();
    await scenario('console', consolePage, async () => {
      await consolePage.goto(sandbox.consoleUrl);
      await consolePage.getByLabel('電子郵件').fill(adminEmail);
      await consolePage.getByLabel('密碼').fill(adminPassword);
      await consolePage.getByRole('button', { name: '登入' }).click();
      await consolePage.getByTestId('page-title').waitFor();
      const types = async () => {
        await sandbox.flushEvents();
        await consolePage.goto(`${sandbox.consoleUrl}/#/contacts`);
        const row = consolePage.locator('tr', { hasText: email });
        await row.getByTestId('contact-activity').click();
        const dialog = consolePage.getByTestId('contact-activity-dialog');
        await dialog.getByTestId('timeline-entry').first().waitFor();
        const found = await dialog.getByTestId('timeline-entry').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-type')));
        return [...new Set(found)].sort();
      };
      await poll(types).toEqual(expect.arrayContaining(['click', 'comment', 'delivery', 'forward', 'open', 'page_view', 'send', 'unsubscribe']));
      const dialog = consolePage.getByTestId('contact-activity-dialog');
      expect(await dialog.locator('[data-testid="timeline-entry"][data-type="page_view"]').count()).toBeGreaterThanOrEqual(2);
      expect(await dialog.locator('[data-testid="timeline-entry"][data-type="forward"]').textContent()).toContain(`friend.${stamp}@example.com`);
      expect(Number(await dialog.getByTestId('count-activity-score').textContent().then((t) => t?.replace(/\D/g, '')))).toBeGreaterThanOrEqual(0);
    });
    const after = await api('GET', `/contacts/${contact.body.id as string}`);
    expect(after.body.status).toBe('unsubscribed');
    expect((await api('GET', `/campaigns/${campaignId}/comments`)).body.items?.[0]?.text).toBe('請問有藍色的嗎？');
    await context.close();
  }, 180_000);
});
