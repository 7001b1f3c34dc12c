/**
 * The contact catalogue in a real browser against the real sandbox (same launch as
 * console.test.ts): a custom field (延伸資料庫) and a group (客戶群組) defined in the console, a
 * contact created through the form with both (after the API's message for a bad value shows
 * under the custom input), the list filtered by the group, and a segment (客戶分群) whose live
 * count matches that list, saved.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
  dataDir = mkdtempSync(join(tmpdir(), 'pigeon-e2e-catalog-'));
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
    await page.screenshot({ path: join(resultsDir, `catalog-${name}.png`), fullPage: true }).catch(() => undefined);
    throw error;
  }
}

describe('contact catalogue', () => {
  test('a custom field and a group defined, a contact created with both, the list filtered, a matching segment saved', async () => {
    const context = await browser.newContext({ locale: 'zh-TW', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const stamp = Date.now().toString(36);
    const fieldName = `spend_${stamp}`;
    const fieldLabel = `年度消費${stamp}`;
    const groupName = `台北門市${stamp}`;
    const email = `catalog.${stamp}@example.com`;
    const contactName = `分群測試${stamp}`;

    await scenario('catalog', page, async () => {
      await page.goto(sandbox.consoleUrl);
      await page.getByLabel('電子郵件').fill(adminEmail);
      await page.getByLabel('密碼').fill(adminPassword);
      await page.getByRole('button', { name: '登入' }).click();
      await page.getByTestId('page-title').waitFor();

      // 延伸資料庫: a whole-number field of 0 or more.
      await page.getByTestId('nav-fields').click();
      await expect.poll(() => page.getByTestId('page-title').textContent()).toBe('延伸資料庫');
      await page.getByRole('button', { name: '新增欄位' }).click();
      const fieldDialog = page.getByTestId('field-dialog');
      await fieldDialog.getByLabel('欄位代碼').fill(fieldName);
      await fieldDialog.getByLabel('顯示名稱（繁體中文）').fill(fieldLabel);
      await fieldDialog.getByLabel('顯示名稱（英文）').fill(`Annual spend ${stamp}`);
      await fieldDialog.getByLabel('類型').selectOption('number');
      await fieldDialog.getByLabel('最小值').fill('0');
      await fieldDialog.getByLabel('僅限整數').check();
      await fieldDialog.getByRole('button', { name: '儲存' }).click();
      await expect.poll(() => page.getByTestId('notice').textContent()).toContain(fieldLabel);
      const fieldRow = page.locator(`[data-testid="field-row"][data-field-name="${fieldName}"]`);
      expect(await fieldRow.textContent()).toContain('數字');
      expect(await fieldRow.textContent()).toContain('整數');

      // 客戶群組.
      await page.getByTestId('nav-groups').click();
      await expect.poll(() => page.getByTestId('page-title').textContent()).toBe('客戶群組');
      await page.getByRole('button', { name: '新增群組' }).click();
      const groupDialog = page.getByTestId('group-dialog');
      await groupDialog.getByLabel('群組名稱').fill(groupName);
      await groupDialog.getByRole('button', { name: '儲存' }).click();
      await expect.poll(() => page.getByTestId('notice').textContent()).toContain(groupName);
      await page.getByTestId('group-row').filter({ hasText: groupName }).waitFor();

      // A contact with the field and the group; a value that is not a number is refused first,
      // with the API's message under the custom input.
      await page.getByTestId('nav-contacts').click();
      await page.getByRole('button', { name: '新增客戶' }).click();
      const dialog = page.getByTestId('contact-dialog');
      await dialog.getByLabel('電子郵件').fill(email);
      await dialog.getByLabel('姓名').fill(contactName);
      await dialog.getByTestId('contact-groups').getByLabel(groupName).check();
      await dialog.getByLabel(fieldLabel).fill('一千二');
      await dialog.getByRole('button', { name: '儲存' }).click();
      const fieldError = page.getByTestId(`custom-${fieldName}-error`);
      await fieldError.waitFor();
      expect(await fieldError.textContent()).toMatch(/number/i);
      expect(await dialog.getByLabel(fieldLabel).getAttribute('aria-invalid')).toBe('true');
      await dialog.getByLabel(fieldLabel).fill('1200');
      expect(await fieldError.count()).toBe(0);
      await dialog.getByRole('button', { name: '儲存' }).click();
      await expect.poll(() => page.getByTestId('notice').textContent()).toContain(contactName);
      expect(await dialog.count()).toBe(0);

      // Filter by the group: only the new contact, showing its group.
      const rows = page.getByTestId('contact-row');
      await expect.poll(() => rows.count()).toBeGreaterThan(1);
      await page.getByTestId('filter-group').selectOption({ label: groupName });
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(1);
      expect(await rows.first().textContent()).toContain(email);
      expect(await rows.first().getByTestId('contact-groups').textContent()).toContain(groupName);
      expect(page.url()).toContain('group=');
      // The value was stored as a number: editing shows it back.
      await rows.first().getByTestId('contact-edit').click();
      expect(await dialog.getByLabel(fieldLabel).inputValue()).toBe('1200');
      await dialog.getByRole('button', { name: '取消' }).click();
      const listed = await rows.count();

      // 客戶分群: in the group AND spend ≥ 1000; the live count matches the filtered list.
      await page.getByTestId('nav-segments').click();
      await page.getByRole('button', { name: '新增分群' }).click();
      const editor = page.getByTestId('segment-editor');
      await editor.getByLabel('分群名稱').fill(`群組分群${stamp}`);
      const conditions = editor.getByTestId('rule-condition');
      await conditions.nth(0).getByTestId('rule-field').selectOption('groups');
      expect(await conditions.nth(0).getByTestId('rule-op').inputValue()).toBe('contains');
      await conditions.nth(0).getByTestId('rule-value').selectOption({ label: groupName });
      await editor.getByTestId('rule-add-condition').click();
      await conditions.nth(1).getByTestId('rule-field').selectOption(`custom.${fieldName}`);
      // Only operators valid for a number are offered.
      const ops = await conditions.nth(1).getByTestId('rule-op').locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
      expect(ops).toContain('gte');
      expect(ops).not.toContain('startsWith');
      await conditions.nth(1).getByTestId('rule-op').selectOption('gte');
      await conditions.nth(1).getByTestId('rule-value').fill('1000');
      await expect.poll(() => page.getByTestId('segment-count').textContent(), { timeout: 30_000 }).toBe(String(listed));
      await expect.poll(() => page.getByTestId('segment-sample').textContent(), { timeout: 30_000 }).toContain(contactName);
      // Raising the bound above the contact's value empties the segment.
      await conditions.nth(1).getByTestId('rule-value').fill('5000');
      await expect.poll(() => page.getByTestId('segment-count').textContent(), { timeout: 30_000 }).toBe('0');
      await conditions.nth(1).getByTestId('rule-value').fill('1000');
      await expect.poll(() => page.getByTestId('segment-count').textContent(), { timeout: 30_000 }).toBe('1');

      await editor.getByRole('button', { name: '儲存' }).click();
      await expect.poll(() => page.getByTestId('notice').textContent()).toContain(`群組分群${stamp}`);
      const segmentRow = page.getByTestId('segment-row').filter({ hasText: `群組分群${stamp}` });
      expect(await segmentRow.textContent()).toContain('2 個條件');
      // Reopened, it shows the saved rules and the same count.
      await segmentRow.getByTestId('segment-edit').click();
      await expect.poll(() => page.getByTestId('segment-count').textContent(), { timeout: 30_000 }).toBe('1');
      expect(await page.getByTestId('rule-condition').nth(1).getByTestId('rule-value').inputValue()).toBe('1000');
      expect(pageErrors).toEqual([]);
    });
    await context.close();
  });
});
