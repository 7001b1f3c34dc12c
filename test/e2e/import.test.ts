/**
 * 名單匯入 and 名單下載 in a real browser against the real sandbox: the console uploads the file
 * straight to s3rver through the presigned URL, s3rver's event starts the import function, the
 * worker runs off the local queue. Files are made here: a messy Big5 CSV (full-width e-mails, a
 * gmial.com typo, a doubled @, an invalid address, Taiwan mobiles written four ways, a seeded
 * contact, a duplicate within the file) and an XLSX built with exceljs. On failure a screenshot
 * goes to test-results/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSandbox } from '../../infra/local/sandbox';

const adminEmail = 'admin@pigeon.local';
const adminPassword = 'pigeon-demo';
const resultsDir = join(process.cwd(), 'test-results');
/** Upload → S3 event → preview, and start → queue → worker: seconds locally, with margin for a busy machine. */
const jobTimeout = 90_000;

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let browser: Browser;
let dataDir: string;
/** Uncaught errors per page, added to a failure's message. */
const pageErrorsOf = new WeakMap<Page, string[]>();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pigeon-e2e-import-'));
  sandbox = await startSandbox({ dataDir, seed: true, console: 'build', quiet: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function openConsole(): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({ locale: 'zh-TW', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  pageErrorsOf.set(page, pageErrors);
  await page.goto(sandbox.consoleUrl);
  return { context, page, pageErrors };
}

async function signIn(page: Page): Promise<void> {
  await page.getByLabel('電子郵件').fill(adminEmail);
  await page.getByLabel('密碼').fill(adminPassword);
  await page.getByRole('button', { name: '登入' }).click();
  await page.getByTestId('page-title').waitFor();
}

async function scenario(name: string, page: Page, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: join(resultsDir, `import-${name}.png`), fullPage: true }).catch(() => undefined);
    const errors = pageErrorsOf.get(page);
    if (errors?.length && error instanceof Error) error.message += `\nErrors on the page: ${errors.join(' | ')}`;
    throw error;
  }
}

/** The number a count tile shows (its data-value, so no locale formatting gets in the way). */
const count = async (page: Page, key: string) => Number(await page.getByTestId(`count-${key}`).locator('dd').getAttribute('data-value'));

/** Chooses the file in the wizard, uploads it, and waits for the preview. */
async function uploadThroughWizard(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  await page.getByTestId('nav-imports').click();
  await page.getByTestId('import-upload-form').waitFor();
  await page.getByTestId('import-file').setInputFiles(file);
  expect(await page.getByTestId('import-file-name').textContent()).toBe(file.name);
  await page.getByTestId('import-upload').click();
  await page.getByTestId('import-detected').waitFor({ timeout: jobTimeout });
  expect(new URL(page.url()).hash).toMatch(/^#\/imports\/.+/);
}

async function startAndWait(page: Page): Promise<void> {
  await page.getByTestId('import-start').click();
  await page.getByTestId('import-result').waitFor({ timeout: jobTimeout });
  expect(await page.getByTestId('import-status').getAttribute('data-status')).toBe('completed');
}

/** Clicks a download control and returns what the browser saved. */
async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

async function searchContacts(page: Page, text: string): Promise<string> {
  await page.getByTestId('contact-search').fill(text);
  await page.getByTestId('contact-search').press('Enter');
  await expect.poll(() => page.getByTestId('contact-row').count(), { timeout: 15_000 }).toBe(1);
  return (await page.getByTestId('contact-row').first().textContent()) ?? '';
}

// Row 1 is the header, so the data rows are 2…8.
const messyCsv = [
  '姓名,電子郵件,手機,公司,城市',
  '陳怡君,ｙｉｊｕｎ．ｃｈｅｎ＠ｅｘａｍｐｌｅ．ｃｏｍ,0912-345-678,信鴿科技股份有限公司,台北市',
  '林志明,zhiming.lin@gmial.com,0933 222 111,台灣大學,台北市',
  '黃小華,huang.xiaohua@@example.com,+886 955 666 777,高雄港務公司,高雄市',
  '吳建國,not-an-email,0911222333,臺中精機,臺中市',
  '王小明,xiaoming.wang@example.com,0912345678,信鴿更新公司,台北市',
  '張大同,datong.chang@example.com,(0912)345-681,新竹科學園區,新竹市',
  '張大同,DATONG.CHANG@example.com,0912345681,新竹科學園區,新竹市',
].join('\r\n');

describe('import and export in the console', () => {
  test('a messy Big5 CSV: preview with corrections and a reject, update policy, counts, report, corrected contacts', async () => {
    const { context, page, pageErrors } = await openConsole();
    await scenario('big5', page, async () => {
      await signIn(page);
      const buffer = iconv.encode(messyCsv, 'big5');
      await uploadThroughWizard(page, { name: '客戶名單.csv', mimeType: 'text/csv', buffer });

      // What was detected, in the user's words.
      expect(await page.getByTestId('detected-format').textContent()).toBe('CSV');
      expect(await page.getByTestId('detected-encoding').textContent()).toContain('Big5');
      expect(await page.getByTestId('detected-delimiter').textContent()).toContain('逗號');
      // Chinese headers mapped automatically.
      const mapped = (header: string) => page.locator(`[data-testid="mapping-row"][data-header="${header}"] select`).inputValue();
      expect(await mapped('電子郵件')).toBe('email');
      expect(await mapped('手機')).toBe('mobile');
      expect(await mapped('姓名')).toBe('name');

      // The sample shows corrections (before → after, with the rule in words) and the reject's reason.
      const sample = page.getByTestId('import-sample');
      const typo = sample.locator('td:has([data-rule="email.domain-typo"])');
      expect(await typo.textContent()).toContain('zhiming.lin@gmail.com');
      expect(await typo.locator('del').textContent()).toBe('zhiming.lin@gmial.com');
      expect(await typo.textContent()).toContain('修正拼錯的網域');
      const fullwidth = sample.locator('td:has([data-rule="email.fullwidth"])');
      expect(await fullwidth.textContent()).toContain('yijun.chen@example.com');
      expect(await fullwidth.textContent()).toContain('全形字元改為半形');
      expect(await sample.locator('td:has([data-rule="mobile.e164"])').first().textContent()).toContain('+886');
      const rejected = sample.locator('[data-testid="sample-row"][data-outcome="rejected"]');
      expect(await rejected.count()).toBe(1);
      const badEmail = rejected.locator('td[data-field="email"]');
      expect(await badEmail.textContent()).toContain('not-an-email');
      expect((await badEmail.getByTestId('sample-reasons').textContent())?.trim()).not.toBe('');

      // Duplicates by e-mail (the default), existing contacts updated.
      expect(await page.getByTestId('key-email').isChecked()).toBe(true);
      await page.getByTestId('policy-update').check();
      await startAndWait(page);

      expect(await count(page, 'rowsRead')).toBe(7);
      expect(await count(page, 'created')).toBe(4);
      expect(await count(page, 'updated')).toBe(1);
      expect(await count(page, 'rejected')).toBe(1);
      expect(await count(page, 'duplicatesInFile')).toBe(1);
      expect(await count(page, 'corrected')).toBeGreaterThanOrEqual(3);

      // The report lists the reject with its reason.
      const report = await downloaded(page, () => page.getByTestId('import-report').click());
      expect(report.name).toMatch(/\.csv$/);
      const rejectLine = report.text.split(/\r?\n/).find((line) => line.includes('not-an-email'));
      expect(rejectLine, report.text).toBeDefined();
      expect(rejectLine).toMatch(/^5,rejected,email,/);

      // The corrected e-mails are what the contacts list shows; the seeded contact got the new company.
      await page.getByTestId('import-to-contacts').click();
      await page.getByTestId('contacts-table').waitFor();
      expect(await searchContacts(page, 'zhiming')).toContain('zhiming.lin@gmail.com');
      expect(await searchContacts(page, 'yijun')).toContain('yijun.chen@example.com');
      expect(await searchContacts(page, 'huang.xiaohua')).toContain('huang.xiaohua@example.com');
      expect(await searchContacts(page, 'xiaoming.wang')).toContain('信鴿更新公司');

      // The history lists it, and it reopens with its result.
      await page.getByTestId('nav-imports').click();
      const row = page.getByTestId('import-row').filter({ hasText: '客戶名單.csv' });
      expect(await row.textContent()).toContain('已完成');
      await row.getByRole('link').click();
      await page.getByTestId('import-result').waitFor();
      expect(await count(page, 'created')).toBe(4);

      expect(pageErrors).toEqual([]);
    });
    await context.close();
  });

  test('an XLSX imports with the skip policy, then the same file compared (名單比對) writes nothing', async () => {
    const { context, page, pageErrors } = await openConsole();
    await scenario('xlsx', page, async () => {
      await signIn(page);
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('名單');
      sheet.addRow(['Name', 'Email', 'Mobile', 'Company']);
      sheet.addRow(['Alice Wu', 'Alice.Wu@Example.com ', '0922-111-222', 'Pigeon Ltd']);
      sheet.addRow(['Bob Tsai', 'bob.tsai@yahoo.com.tw.', '0922 333 444', 'Pigeon Ltd']);
      sheet.addRow(['Emily Carter', 'emily.carter@example.com', '', 'Seeded Already']);
      sheet.addRow(['No Mail', 'bob at example', '', '']);
      const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
      const file = { name: 'contacts.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer };

      await uploadThroughWizard(page, file);
      expect(await page.getByTestId('detected-format').textContent()).toBe('XLSX');
      expect(await page.locator('[data-testid="mapping-row"][data-header="Email"] select').inputValue()).toBe('email');
      expect(await page.getByTestId('import-sample').locator('[data-outcome="rejected"]').count()).toBe(1);
      // Skip is the default: the seeded contact stays as it was.
      expect(await page.getByTestId('policy-skip').isChecked()).toBe(true);
      await startAndWait(page);
      expect(await count(page, 'created')).toBe(2);
      expect(await count(page, 'skipped')).toBe(1);
      expect(await count(page, 'rejected')).toBe(1);

      await page.getByTestId('import-to-contacts').click();
      await page.getByTestId('contacts-table').waitFor();
      expect(await searchContacts(page, 'bob.tsai')).toContain('bob.tsai@yahoo.com.tw');
      expect(await searchContacts(page, 'emily.carter')).not.toContain('Seeded Already');

      // The same list again, compared only: all present, nothing written.
      await uploadThroughWizard(page, file);
      await page.getByTestId('mode-compare').check();
      await startAndWait(page);
      expect(await count(page, 'new')).toBe(0);
      expect(await count(page, 'present')).toBe(2);
      expect(await count(page, 'different')).toBe(1);
      expect(await page.getByTestId('count-created').count()).toBe(0);

      expect(pageErrors).toEqual([]);
    });
    await context.close();
  });

  test('contacts export as a CSV download containing an imported contact', async () => {
    const { context, page, pageErrors } = await openConsole();
    await scenario('export', page, async () => {
      await signIn(page);
      await page.getByTestId('nav-exports').click();
      await page.getByTestId('export-form').waitFor();
      expect(await page.getByTestId('page-title').textContent()).toBe('名單下載');
      await page.getByTestId('export-q').fill('yijun');
      await page.getByTestId('format-csv').check();
      await page.getByTestId('export-submit').click();
      // Either the files appear or the API's refusal does; a refusal fails with its words.
      await page.locator('[data-testid="export-files"], [data-testid="export-error"]').first().waitFor({ timeout: jobTimeout });
      expect(await page.getByTestId('export-error').count(), (await page.getByTestId('export-error').allTextContents()).join()).toBe(0);
      expect(await page.getByTestId('export-status').getAttribute('data-status')).toBe('completed');
      const file = await downloaded(page, () => page.getByTestId('export-current').getByTestId('export-file').first().click());
      expect(file.name).toMatch(/\.csv$/);
      expect(file.text).toContain('yijun.chen@example.com');
      expect(file.text).not.toContain('xiaoming.wang@example.com');
      expect(pageErrors).toEqual([]);
    });
    await context.close();
  });
});
