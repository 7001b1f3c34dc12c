/**
 * The console in a real browser against the real sandbox: headless Chromium (playwright-core,
 * system Chromium at CHROME_PATH or /usr/bin/chromium) drives the built console, which talks to
 * the local gateway → authorizer → API handler → dynalite. On failure a screenshot of the page
 * goes to test-results/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSandbox } from '../../infra/local/sandbox';
import { signRequest } from '../../shared/auth/request-signing';

const adminEmail = 'admin@pigeon.local';
const adminPassword = 'pigeon-demo';
const resultsDir = join(process.cwd(), 'test-results');

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pigeon-e2e-'));
  sandbox = await startSandbox({ dataDir, seed: true, console: 'build', quiet: true });
  browser = await launchChromium();
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

/** A partner's signed GET through the real gateway and authorizer, as the key's holder would send it. */
async function signedGet(keyId: string, secret: string, path: string, query: Record<string, string> = {}): Promise<number> {
  const search = new URLSearchParams(query).toString();
  const response = await fetch(`${sandbox.apiUrl}${path}${search ? `?${search}` : ''}`, {
    headers: signRequest({ keyId, secret, method: 'GET', path, query }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('identity administration', () => {
  test('an admin adds an operator, who signs in without the admin pages but can still add contacts; a lockout is undone', async () => {
    const { context, page, pageErrors } = await openConsole();
    const stamp = Date.now().toString(36);
    const email = `operator.${stamp}@example.com`;
    const name = `林操作${stamp}`;
    const password = 'operator-pass-1';

    await scenario('users', page, async () => {
      await signIn(page, adminEmail, adminPassword);
      await page.getByTestId('page-title').waitFor();
      // The top bar names the workspace rather than showing its id.
      expect(await page.getByTestId('workspace').textContent()).toBe('Pigeon Demo 信鴿示範');

      await page.getByTestId('nav-users').click();
      await page.getByTestId('users-table').waitFor();
      expect(await page.getByTestId('page-title').textContent()).toBe('使用者管理');
      // The page is in the address, so a reload stays on it.
      expect(new URL(page.url()).hash).toBe('#/users');
      await page.reload();
      await page.getByTestId('users-table').waitFor();
      expect(await page.getByTestId('page-title').textContent()).toBe('使用者管理');

      // Create: the API's field errors land next to their inputs.
      await page.getByRole('button', { name: '新增帳號' }).click();
      const dialog = page.getByTestId('user-dialog');
      await dialog.getByLabel('電子郵件（登入帳號）').fill(adminEmail);
      await dialog.getByLabel('姓名').fill(name);
      await dialog.getByLabel('身份').selectOption('operator');
      await dialog.getByLabel('初始密碼').fill('short');
      await dialog.getByLabel('部門').selectOption({ label: 'Marketing' });
      await dialog.getByRole('button', { name: '儲存' }).click();
      await page.getByTestId('user-password-error').waitFor();
      expect(await page.getByTestId('user-password-error').textContent()).toContain('At least 8 characters');
      await dialog.getByLabel('初始密碼').fill(password);
      await dialog.getByRole('button', { name: '儲存' }).click();
      await page.getByTestId('user-email-error').waitFor();
      expect(await page.getByTestId('user-email-error').textContent()).toContain('已被其他帳號使用');
      await dialog.getByLabel('電子郵件（登入帳號）').fill(email);
      await dialog.getByRole('button', { name: '儲存' }).click();
      await page.getByTestId('notice').waitFor();
      expect(await page.getByTestId('notice').textContent()).toContain(name);
      const row = page.locator(`[data-user-email="${email}"]`);
      expect(await row.textContent()).toContain('操作員');
      expect(await row.textContent()).toContain('Marketing');

      // An admin may not change their own role: the API refuses and the dialog says so.
      await page.locator(`[data-user-email="${adminEmail}"]`).getByTestId('user-edit').click();
      await dialog.getByLabel('身份').selectOption('viewer');
      await dialog.getByRole('button', { name: '儲存' }).click();
      await page.getByTestId('user-form-error').waitFor();
      expect(await page.getByTestId('user-form-error').textContent()).toContain('You cannot change your own role or status');
      await dialog.getByRole('button', { name: '取消' }).click();
      await expect.poll(() => dialog.count()).toBe(0);
      expect(await page.locator(`[data-user-email="${adminEmail}"]`).textContent()).toContain('管理員');

      // The operator signs in: no user or API key pages, not even by address; contacts work.
      await page.getByTestId('sign-out').click();
      await signIn(page, email, password);
      await page.getByTestId('page-title').waitFor();
      expect(await page.getByTestId('role').textContent()).toBe('操作員');
      expect(await page.getByTestId('page-title').textContent()).toBe('客戶資料管理');
      expect(await page.getByTestId('nav-contacts').count()).toBe(1);
      expect(await page.getByTestId('nav-users').count()).toBe(0);
      expect(await page.getByTestId('nav-api-keys').count()).toBe(0);
      await page.goto(`${sandbox.consoleUrl}/#/api-keys`);
      await page.getByTestId('page-title').waitFor();
      expect(await page.getByTestId('page-title').textContent()).toBe('客戶資料管理');
      await page.getByRole('button', { name: '新增客戶' }).click();
      const contactDialog = page.getByTestId('contact-dialog');
      await contactDialog.getByLabel('電子郵件').fill(`by-operator.${stamp}@example.com`);
      await contactDialog.getByLabel('姓名').fill(`操作員的客戶${stamp}`);
      await contactDialog.getByRole('button', { name: '儲存' }).click();
      await page.getByTestId('notice').waitFor();
      expect(await page.getByTestId('notice').textContent()).toContain(`操作員的客戶${stamp}`);
      await page.getByTestId('sign-out').click();

      // Five wrong passwords lock the account; the admin sees it and unlocks it.
      const attempt = async (pw: string) =>
        (await fetch(`${sandbox.apiUrl}/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: pw }) })).status;
      for (let i = 0; i < 5; i++) expect(await attempt('wrong-password')).toBe(401);
      expect(await attempt(password)).toBe(403);
      await signIn(page, adminEmail, adminPassword);
      await page.getByTestId('page-title').waitFor();
      await page.getByTestId('nav-users').click();
      await page.getByTestId('users-table').waitFor();
      expect(await row.getByTestId('user-status-badge').textContent()).toBe('鎖定');
      await row.getByRole('button', { name: `解除鎖定 ${name}` }).click();
      await expect.poll(() => row.getByTestId('user-status-badge').textContent()).toBe('正常');
      expect(await attempt(password)).toBe(200);

      expect(pageErrors).toEqual([]);
    });
    await context.close();
  });

  test('an admin creates an API key, sees its secret once, and revokes it; the API honours both', async () => {
    const { context, page, pageErrors } = await openConsole();
    const keyName = `ERP e2e ${Date.now().toString(36)}`;

    await scenario('api-keys', page, async () => {
      await signIn(page, adminEmail, adminPassword);
      await page.getByTestId('page-title').waitFor();
      await page.getByTestId('nav-api-keys').click();
      await page.getByTestId('page-title').waitFor();
      expect(await page.getByTestId('page-title').textContent()).toBe('API 金鑰');

      await page.getByRole('button', { name: '建立 API 金鑰' }).click();
      const form = page.getByTestId('api-key-dialog');
      await form.getByLabel('名稱').fill(keyName);
      await form.getByLabel('身份').selectOption('operator');
      await form.getByLabel('速率限制（每秒請求數）').fill('5');
      await form.getByRole('button', { name: '建立' }).click();

      const secretDialog = page.getByTestId('api-key-secret-dialog');
      await secretDialog.waitFor();
      expect(await page.getByTestId('api-key-secret-warning').textContent()).toContain('唯一一次顯示');
      const keyId = await page.getByTestId('api-key-id').inputValue();
      const secret = await page.getByTestId('api-key-secret').inputValue();
      expect(keyId).toMatch(/^key_/);
      expect(secret).toMatch(/^pgs_/);
      // The how-to is the API's own, for this key.
      expect(await page.getByTestId('api-key-usage-headers').textContent()).toContain(`Credential=${keyId}`);

      // The secret shown is the one that works.
      expect(await signedGet(keyId, secret, '/contacts', { limit: '1' })).toBe(200);

      await secretDialog.getByRole('button', { name: '我已保存金鑰密碼' }).click();
      await expect.poll(() => secretDialog.count()).toBe(0);
      const row = page.locator(`[data-key-id="${keyId}"]`);
      expect(await row.textContent()).toContain(keyName);
      expect(await row.textContent()).toContain(`…${secret.slice(-4)}`);
      // Gone once closed, and not to be had again by reloading.
      expect(await page.content()).not.toContain(secret);
      await page.reload();
      await row.waitFor();
      expect(await page.content()).not.toContain(secret);
      expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))).not.toContain(secret);

      // Revoke, after confirming: the list says so and the API refuses the key from then on.
      await row.getByRole('button', { name: `撤銷 ${keyName}` }).click();
      const confirm = page.getByTestId('revoke-dialog');
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain(keyName);
      await confirm.getByRole('button', { name: '撤銷' }).click();
      await expect.poll(() => row.getByTestId('api-key-state').textContent()).toContain('撤銷');
      expect(await row.getByRole('button', { name: `撤銷 ${keyName}` }).count()).toBe(0);
      expect(await signedGet(keyId, secret, '/contacts', { limit: '1' })).toBe(401);

      expect(pageErrors).toEqual([]);
    });
    await context.close();
  });
});
