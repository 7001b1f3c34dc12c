/**
 * The console in a real browser against the real sandbox: headless Chromium (playwright-core,
 * system Chromium at CHROME_PATH or /usr/bin/chromium) drives the built console, which talks to
 * the local gateway → authorizer → API handler → dynalite. On failure a screenshot of the page
 * goes to test-results/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSandbox } from '../../infra/local/sandbox';

const adminEmail = 'admin@pigeon.local';
const adminPassword = 'pigeon-demo';
const resultsDir = join(process.cwd(), 'test-results');

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pigeon-e2e-'));
  sandbox = await startSandbox({ dataDir, seed: true, console: 'build', quiet: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A fresh browser profile (empty storage) that prefers Traditional Chinese, like our users. */
async function openConsole(): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({ locale: 'zh-TW', viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(sandbox.consoleUrl);
  return { context, page, pageErrors };
}

/** Runs a scenario; if it fails, keeps a screenshot of where the page was. */
async function scenario(name: string, page: Page, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: join(resultsDir, `console-${name}.png`), fullPage: true }).catch(() => undefined);
    throw error;
  }
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('電子郵件').fill(email);
  await page.getByLabel('密碼').fill(password);
  await page.getByRole('button', { name: '登入' }).click();
}

const rows = (page: Page) => page.getByTestId('contact-row');

/** Types into the search box and waits until the list shows exactly `count` rows. */
async function search(page: Page, text: string, count: number): Promise<void> {
  await page.getByTestId('contact-search').fill(text);
  await page.getByTestId('contact-search').press('Enter');
  await expect.poll(async () => (count === 0 ? page.getByTestId('contacts-empty').count() : rows(page).count()), { timeout: 15_000 }).toBe(
    count === 0 ? 1 : count,
  );
}

describe('console', () => {
  test('a wrong password keeps the user on the sign-in page and shows why', async () => {
    const { context, page, pageErrors } = await openConsole();
    await scenario('wrong-password', page, async () => {
      // Chinese browser, no remembered choice: the console starts in Traditional Chinese.
      await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('zh-TW');
      await signIn(page, adminEmail, 'not-the-password');
      const error = page.getByTestId('sign-in-error');
      await error.waitFor();
      expect((await error.textContent())?.trim()).not.toBe('');
      await expect.poll(() => page.getByLabel('密碼').isVisible()).toBe(true);
      expect(await page.getByTestId('page-title').count()).toBe(0);
      expect(pageErrors).toEqual([]);
    });
    await context.close();
  });

  test('an admin signs in, adds a contact, finds, edits and deletes it, and switches language', async () => {
    const { context, page, pageErrors } = await openConsole();
    const stamp = Date.now().toString(36);
    const email = `e2e.${stamp}@example.com`;
    const name = `測試客戶${stamp}`;

    await scenario('contacts', page, async () => {
      await signIn(page, adminEmail, adminPassword);
      await page.getByTestId('page-title').waitFor();
      expect(await page.getByTestId('role').textContent()).toBe('管理員');
      // The seeded demo workspace has contacts; the list shows them.
      await expect.poll(() => rows(page).count()).toBeGreaterThan(0);

      // Add.
      await page.getByRole('button', { name: '新增客戶' }).click();
      const dialog = page.getByTestId('contact-dialog');
      await dialog.getByLabel('電子郵件').fill(email);
      await dialog.getByLabel('姓名').fill(name);
      await dialog.getByLabel('手機').fill('0912345678');
      await dialog.getByLabel('標籤').fill('e2e, VIP');
      await dialog.getByRole('button', { name: '儲存' }).click();
      await page.getByTestId('notice').waitFor();
      expect(await page.getByTestId('notice').textContent()).toContain(name);
      expect(await dialog.count()).toBe(0);

      // The same e-mail again is refused, with the reason next to the e-mail input.
      await page.getByRole('button', { name: '新增客戶' }).click();
      await dialog.getByLabel('電子郵件').fill(email.toUpperCase());
      await dialog.getByRole('button', { name: '儲存' }).click();
      await page.getByTestId('contact-email-error').waitFor();
      expect(await page.getByTestId('contact-email-error').textContent()).toContain('已存在');
      await dialog.getByRole('button', { name: '取消' }).click();
      await expect.poll(() => dialog.count()).toBe(0);

      // Find it by e-mail prefix, and by name prefix.
      await search(page, `e2e.${stamp}`, 1);
      expect(await rows(page).first().textContent()).toContain(email);
      await search(page, name, 1);

      // Edit: the change shows in the list and survives a reload (the session does too).
      await page.getByRole('button', { name: `編輯 ${name}` }).click();
      await dialog.getByLabel('公司').fill('信鴿測試股份有限公司');
      await dialog.getByRole('button', { name: '儲存' }).click();
      await expect.poll(() => rows(page).first().textContent()).toContain('信鴿測試股份有限公司');
      await page.reload();
      await page.getByTestId('page-title').waitFor();
      await search(page, `e2e.${stamp}`, 1);
      expect(await rows(page).first().textContent()).toContain('信鴿測試股份有限公司');

      // Delete, after confirming.
      await page.getByRole('button', { name: `刪除 ${name}` }).click();
      const confirm = page.getByTestId('delete-dialog');
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain(name);
      await confirm.getByRole('button', { name: '刪除' }).click();
      await page.getByTestId('contacts-empty').waitFor();
      await page.reload();
      await page.getByTestId('page-title').waitFor();
      await search(page, `e2e.${stamp}`, 0);

      // Switch to English: labels change, and the choice is remembered across a reload.
      expect(await page.getByTestId('nav-contacts').textContent()).toContain('客戶資料管理');
      await page.getByTestId('language-switch').selectOption('en');
      await expect.poll(() => page.getByTestId('nav-contacts').textContent()).toContain('Contacts');
      expect(await page.getByTestId('role').textContent()).toBe('Administrator');
      await page.reload();
      await page.getByTestId('page-title').waitFor();
      expect(await page.getByTestId('page-title').textContent()).toBe('Contacts');
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');

      // Sign out ends the session.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await page.reload();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();

      expect(pageErrors).toEqual([]);
    });
    await context.close();
  });
});
