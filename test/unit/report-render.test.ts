/**
 * Report renderers: value formats in both languages; the PDF (embedded Noto Sans Hant, Chinese
 * text, page breaks, the 200-row cut, the empty note) read back through its ToUnicode map; the
 * XLSX read back with exceljs (sheet names, typed figures, text never a formula); the CSV (BOM,
 * CRLF, the formula guard, labels per language); the font loader and the font layer build.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CJK_FONT_LAYER_FOLDER, CJK_FONT_LAYER_PATH, buildCjkFontLayer, ensureCjkFontLayer } from '../../layers/cjk-fonts/build';
import { CJK_FONT_FILE, CJK_FONT_PATH_ENV, cjkFontPackageDirectory, cjkFontPath, loadCjkFont } from '../../shared/reports/fonts';
import { reportLabel, reportTitle, reportWord } from '../../shared/reports/labels';
import type { ReportSnapshot } from '../../shared/reports/model';
import { renderReportCsv } from '../../shared/reports/render/csv';
import { formatValue } from '../../shared/reports/render/format';
import { renderReportPdf } from '../../shared/reports/render/pdf';
import { renderReportXlsx, sheetName } from '../../shared/reports/render/xlsx';

const cities = ['臺北市', '新北市', '桃園市', '臺中市', '臺南市', '高雄市'];

function snapshot(): ReportSnapshot {
  const hours = Array.from({ length: 24 }, (_, i) => new Date(Date.UTC(2026, 10, 28, i)).toISOString().slice(0, 13));
  return {
    workspaceId: 'W1',
    campaignId: 'C1',
    campaignName: '年終感恩回饋 電子報',
    type: 'openGeography',
    category: 'geography',
    generatedAt: '2026-11-29T00:15:00.000Z',
    range: { from: '2026-11-01', to: '2026-11-29' },
    engine: 'duckdb',
    durationMs: 1200,
    data: {
      empty: false,
      figures: [
        { key: 'sent', value: 123456, format: 'count' },
        { key: 'openRate', value: 0.25, format: 'percent' },
        { key: 'opensPerOpener', value: 1.8333, format: 'ratio' },
        { key: 'sendDuration', value: 3_720_000, format: 'duration' },
        { key: 'firstOpen', value: '2026-11-28T00:05:00.000Z', format: 'time' },
        { key: 'busiestHour', value: '2026-11-28T08', format: 'hour' },
        { key: 'busiestDay', value: '2026-11-28', format: 'day' },
        { key: 'engine', value: 'DuckDB', format: 'text' },
      ],
      tables: [
        {
          key: 'byCity',
          columns: [
            { key: 'city', format: 'text' },
            { key: 'opens', format: 'count' },
            { key: 'share', format: 'percent' },
          ],
          rows: cities.map((city, i) => ({ city, opens: 5000 - i * 600, share: (5000 - i * 600) / 20_000 })),
        },
        {
          key: 'timeline',
          columns: [
            { key: 'hour', format: 'hour' },
            { key: 'opens', format: 'count' },
          ],
          rows: hours.map((hour, i) => ({ hour, opens: 100 + ((i * 37) % 90) })),
        },
        {
          key: 'recipients',
          columns: [
            { key: 'email', format: 'text' },
            { key: 'city', format: 'text' },
            { key: 'firstOpen', format: 'time' },
            { key: 'opens', format: 'count' },
            { key: 'note', format: 'text' },
          ],
          rows: Array.from({ length: 600 }, (_, i) => ({
            email: `user${i}@example.com.tw`,
            city: cities[i % cities.length] ?? null,
            firstOpen: new Date(Date.UTC(2026, 10, 28, 0, i)).toISOString(),
            opens: i % 7,
            note: i === 0 ? '=1+1' : i === 1 ? 'a,b' : '一段很長的備註文字，用來確認表格欄位會以省略號截斷而不會蓋到旁邊的欄位',
          })),
        },
      ],
      charts: [
        { key: 'opensByCity', kind: 'bar', table: 'byCity', label: 'city', series: ['opens'] },
        { key: 'openTimeline', kind: 'line', table: 'timeline', label: 'hour', series: ['opens'] },
        { key: 'cityShare', kind: 'pie', table: 'byCity', label: 'city', series: ['opens'] },
      ],
    },
  };
}

function emptySnapshot(): ReportSnapshot {
  return { ...snapshot(), type: 'summary', category: 'delivery', data: { empty: true, figures: [{ key: 'sent', value: 0, format: 'count' }], tables: [], charts: [] } };
}

// ---- reading a pdfkit PDF back ---------------------------------------------------------------

interface PdfParts {
  readonly raw: string;
  /** Every stream, inflated where compressed. */
  readonly streams: readonly string[];
}

function pdfParts(bytes: Uint8Array): PdfParts {
  const raw = Buffer.from(bytes).toString('latin1');
  const streams: string[] = [];
  for (const match of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    const body = Buffer.from(match[1] ?? '', 'latin1');
    try {
      streams.push(inflateSync(body).toString('latin1'));
    } catch {
      streams.push(body.toString('latin1'));
    }
  }
  return { raw, streams };
}

/**
 * The text a pdfkit PDF shows, one string per content stream (a page each): glyph codes of its
 * TJ operators through the font's ToUnicode map, one line per text run.
 */
function pageTexts(parts: PdfParts): string[] {
  const unicode = new Map<number, string>();
  for (const cmap of parts.streams.filter((s) => s.includes('beginbfrange'))) {
    for (const range of cmap.matchAll(/<([0-9a-f]{4})> <[0-9a-f]{4}> \[([^\]]*)\]/g)) {
      let code = parseInt(range[1] ?? '0', 16);
      for (const entry of (range[2] ?? '').matchAll(/<([0-9a-f ]+)>/g)) {
        const units = (entry[1] ?? '').split(' ').map((hex) => parseInt(hex, 16));
        unicode.set(code++, String.fromCharCode(...units));
      }
    }
  }
  const pages: string[] = [];
  for (const stream of parts.streams.filter((s) => s.includes('] TJ'))) {
    const lines: string[] = [];
    for (const array of stream.matchAll(/\[([^\]]*)\] TJ/g)) {
      let line = '';
      for (const hex of (array[1] ?? '').matchAll(/<([0-9a-f]+)>/g)) {
        for (const code of (hex[1] ?? '').match(/.{4}/g) ?? []) line += unicode.get(parseInt(code, 16)) ?? '\uFFFD';
      }
      lines.push(line);
    }
    pages.push(lines.join('\n'));
  }
  return pages;
}

const pdfText = (parts: PdfParts) => pageTexts(parts).join('\n');

/** The document's /Title: a literal string (UTF-16BE with a BOM when not ASCII), pdfkit writes it as its own object. */
function pdfTitle(raw: string): string | undefined {
  const ref = /\/Title (\d+) 0 R/.exec(raw)?.[1];
  const open = ref ? raw.indexOf(`\n${ref} 0 obj\n(`) : -1;
  if (open < 0) return undefined;
  const bytes: number[] = [];
  let depth = 0;
  for (let i = raw.indexOf('(', open) + 1; i < raw.length; i++) {
    let c = raw.charCodeAt(i);
    if (c === 0x5c) {
      const next = raw[++i] ?? '';
      const escapes: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12 };
      if (/[0-7]/.test(next)) {
        const octal = /^[0-7]{1,3}/.exec(raw.slice(i, i + 3))?.[0] ?? '0';
        i += octal.length - 1;
        c = parseInt(octal, 8);
      } else c = escapes[next] ?? next.charCodeAt(0);
    } else if (c === 0x28) depth++;
    else if (c === 0x29 && depth-- === 0) break;
    bytes.push(c);
  }
  const buffer = Buffer.from(bytes);
  if (buffer[0] === 0xfe && buffer[1] === 0xff) return buffer.subarray(2).swap16().toString('utf16le');
  return buffer.toString('latin1');
}

const pageCount = (raw: string) => Number(/\/Type \/Pages[\s\S]*?\/Count (\d+)/.exec(raw)?.[1] ?? 0);

// ---- tests -----------------------------------------------------------------------------------

describe('formatValue', () => {
  it('formats numbers, durations and times in both languages', () => {
    for (const language of ['zh-TW', 'en'] as const) {
      expect(formatValue(1234567, 'count', language)).toBe('1,234,567');
      expect(formatValue('42', 'count', language)).toBe('42');
      expect(formatValue(0.25, 'percent', language)).toBe('25.0%');
      expect(formatValue(0.12345, 'percent', language)).toBe('12.3%');
      expect(formatValue(1.8333, 'ratio', language)).toBe('1.83');
      expect(formatValue('2026-11-29T00:15:00Z', 'time', language)).toBe('2026-11-29 08:15');
      expect(formatValue('2026-11-29T00:15:00Z', 'time', language, { timeZone: 'UTC' })).toBe('2026-11-29 00:15');
      expect(formatValue('2026-11-29T08', 'hour', language)).toBe('11/29 16:00');
      expect(formatValue('2026-11-29T20', 'hour', language)).toBe('11/30 04:00');
      expect(formatValue('2026-11-29', 'day', language)).toBe('2026-11-29');
      expect(formatValue('臺北市', 'text', language)).toBe('臺北市');
      expect(formatValue(null, 'count', language)).toBe('—');
      expect(formatValue('n/a', 'count', language)).toBe('n/a');
      expect(formatValue('not a time', 'time', language)).toBe('not a time');
    }
    expect(formatValue(3_720_000, 'duration', 'zh-TW')).toBe('1 小時 02 分');
    expect(formatValue(3_720_000, 'duration', 'en')).toBe('1 h 02 min');
    expect(formatValue(185_000, 'duration', 'zh-TW')).toBe('3 分 05 秒');
    expect(formatValue(185_000, 'duration', 'en')).toBe('3 min 05 s');
    expect(formatValue(12_000, 'duration', 'en')).toBe('12 s');
    expect(formatValue(450, 'duration', 'en')).toBe('450 ms');
    expect(formatValue(90_000_000, 'duration', 'zh-TW')).toBe('1 天 01 小時');
  });
});

describe('PDF', () => {
  let font: Uint8Array;
  let parts: PdfParts;
  let text: string;

  beforeAll(async () => {
    font = await loadCjkFont();
    parts = pdfParts(await renderReportPdf([snapshot(), emptySnapshot()], { language: 'zh-TW', font }));
    text = pdfText(parts);
  }, 60_000);

  it('is an A4 PDF embedding Noto Sans Hant, with a page per report at least', () => {
    expect(parts.raw.startsWith('%PDF-')).toBe(true);
    expect(parts.raw).toMatch(/\/FontFile[23] \d+ 0 R/);
    expect(parts.raw).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansHant-Regular/);
    expect(parts.raw).toContain('/MediaBox [0 0 595.28 841.89]');
    // Only the embedded font: no standard Helvetica text slipped in.
    expect(parts.raw).not.toContain('/BaseFont /Helvetica');
    expect(pdfTitle(parts.raw)).toBe(`年終感恩回饋 電子報 — ${reportTitle('zh-TW', 'openGeography')}、${reportTitle('zh-TW', 'summary')}`);
  });

  it('maps its glyphs back to the Chinese text (ToUnicode)', () => {
    const cmap = parts.streams.find((s) => s.includes('beginbfrange')) ?? '';
    expect(cmap).toContain('<81fa>'); // 臺
    expect(cmap).toContain('<5317>'); // 北
    expect(text).toContain(reportTitle('zh-TW', 'openGeography'));
    expect(text).toContain('年終感恩回饋 電子報');
    expect(text).toContain('臺北市');
    expect(text).toContain('高雄市');
    expect(text).toContain(`${reportWord('zh-TW', 'generatedAt')}：2026-11-29 08:15 (Asia/Taipei)`);
    expect(text).toContain(`${reportWord('zh-TW', 'range')}：2026-11-01 – 2026-11-29`);
    for (const shown of ['123,456', '25.0%', '1.83', '1 小時 02 分', '2026-11-28 08:05', '11/28 16:00', '2026-11-28', 'DuckDB']) expect(text).toContain(shown);
    expect(text).toContain(reportLabel('zh-TW', 'sent'));
  });

  it('lists the first 200 rows of a long table with a note, repeating the header on each page', () => {
    expect(text).toContain('user199@example.com.tw');
    expect(text).not.toContain('user200@example.com.tw');
    expect(text).toContain(reportWord('zh-TW', 'truncated'));
    const header = reportLabel('zh-TW', 'email');
    expect(text.split('\n').filter((line) => line === header).length).toBeGreaterThanOrEqual(3);
    // Long text is cut to its column with an ellipsis.
    expect(text).toMatch(/一段很長的備註文字[^\n]*…/);
    const pages = pageCount(parts.raw);
    expect(pages).toBeGreaterThanOrEqual(5);
    // 600 rows would need 12 pages or more.
    expect(pages).toBeLessThan(12);
    expect(text).toContain(`第 ${pages} / ${pages} 頁`);
  });

  it('says so when a snapshot has no events, and starts each snapshot on a new page', async () => {
    const pages = pageTexts(parts);
    expect(pages.length).toBe(pageCount(parts.raw));
    const last = pages.at(-1) ?? '';
    expect(last).toContain(reportTitle('zh-TW', 'summary'));
    expect(last).toContain(reportWord('zh-TW', 'empty'));
    expect(last).not.toContain('臺北市');
    expect(pages.slice(0, -1).join('\n')).not.toContain(reportWord('zh-TW', 'empty'));
    const only = pdfParts(await renderReportPdf([emptySnapshot()], { language: 'en', font }));
    const onlyText = pdfText(only);
    expect(pageCount(only.raw)).toBe(1);
    expect(onlyText).toContain(reportWord('en', 'empty'));
    expect(onlyText).toContain(reportTitle('en', 'summary'));
    expect(onlyText).toContain('Page 1 / 1');
  });
});

describe('XLSX', () => {
  let workbook: ExcelJS.Workbook;
  let bytes: Uint8Array;

  beforeAll(async () => {
    bytes = await renderReportXlsx([snapshot(), emptySnapshot(), snapshot()], { language: 'zh-TW' });
    workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  });

  const rowOf = (sheet: ExcelJS.Worksheet, label: string): ExcelJS.Row => {
    for (let r = 1; r <= sheet.rowCount; r++) if (sheet.getRow(r).getCell(1).value === label) return sheet.getRow(r);
    throw new Error(`no row ${label}`);
  };

  it('has a uniquely named sheet per snapshot', () => {
    const title = reportTitle('zh-TW', 'openGeography');
    expect(workbook.worksheets.map((s) => s.name)).toEqual([title, reportTitle('zh-TW', 'summary'), `${title} (2)`]);
  });

  it('names sheets within Excel rules', () => {
    const taken = new Set<string>();
    const long = sheetName('[Opens]: by city / region * ? \\ and a very long tail that goes on', taken);
    expect(long.length).toBeLessThanOrEqual(31);
    expect(long).not.toMatch(/[[\]:*?/\\]/);
    expect(sheetName('[Opens]: by city / region * ? \\ and a very long tail that goes on', taken)).toMatch(/ \(2\)$/);
    expect(sheetName('OPENS', taken)).toBe('OPENS');
    expect(sheetName('opens', taken)).toBe('opens (2)');
    expect(sheetName("'quoted'", taken)).toBe('quoted');
    expect(sheetName('History', taken)).toBe('History (2)');
  });

  it('writes figures as typed, formatted cells', () => {
    const sheet = workbook.worksheets[0]!;
    expect(sheet.getCell(1, 1).value).toBe(reportTitle('zh-TW', 'openGeography'));
    expect(rowOf(sheet, reportWord('zh-TW', 'campaign')).getCell(2).value).toBe('年終感恩回饋 電子報');
    expect(rowOf(sheet, reportWord('zh-TW', 'generatedAt')).getCell(2).value).toBe('2026-11-29 08:15 (Asia/Taipei)');
    const sent = rowOf(sheet, reportLabel('zh-TW', 'sent')).getCell(2);
    expect(sent.value).toBe(123456);
    expect(sent.numFmt).toBe('#,##0');
    const rate = rowOf(sheet, reportLabel('zh-TW', 'openRate')).getCell(2);
    expect(rate.value).toBe(0.25);
    expect(rate.numFmt).toContain('%');
    const first = rowOf(sheet, reportLabel('zh-TW', 'firstOpen')).getCell(2);
    // Taipei wall time, as Excel keeps dates without a zone.
    expect(first.value).toEqual(new Date('2026-11-28T08:05:00Z'));
    // A duration is a fraction of a day shown as [h]:mm:ss (exceljs reads it back as a time after Excel's epoch).
    const duration = rowOf(sheet, reportLabel('zh-TW', 'sendDuration')).getCell(2);
    expect(duration.numFmt).toBe('[h]:mm:ss');
    expect(duration.value).toEqual(new Date(Date.UTC(1899, 11, 30, 1, 2)));
  });

  it('writes every table row, text as strings and never formulas', () => {
    const sheet = workbook.worksheets[0]!;
    const taipei = rowOf(sheet, '臺北市');
    expect(taipei.getCell(2).value).toBe(5000);
    expect(taipei.getCell(3).numFmt).toContain('%');
    const header = rowOf(sheet, reportLabel('zh-TW', 'email'));
    expect(header.getCell(1).font?.bold).toBe(true);
    expect(rowOf(sheet, 'user599@example.com.tw').number).toBe(header.number + 600);
    const formulaLike = header.worksheet.getRow(header.number + 1).getCell(5);
    expect(formulaLike.value).toBe('=1+1');
    expect(formulaLike.type).toBe(ExcelJS.ValueType.String);
    expect(formulaLike.formula).toBeUndefined();
    const files = unzipSync(bytes);
    const xml = Object.entries(files).filter(([name]) => name.startsWith('xl/worksheets/sheet'));
    expect(xml.length).toBe(3);
    for (const [, content] of xml) expect(strFromU8(content)).not.toMatch(/<f[ >]/);
  });

  it('notes an empty snapshot', () => {
    expect(rowOf(workbook.worksheets[1]!, reportWord('zh-TW', 'empty')).number).toBeGreaterThan(1);
  });
});

describe('CSV', () => {
  it('is UTF-8 with a BOM, CRLF lines, RFC 4180 quoting and the formula guard', () => {
    const csv = renderReportCsv(snapshot(), { language: 'zh-TW' });
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv).not.toMatch(/[^\r]\n/);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]).toBe(reportTitle('zh-TW', 'openGeography'));
    expect(lines).toContain(`${reportWord('zh-TW', 'generatedAt')},2026-11-29 08:15 (Asia/Taipei)`);
    expect(lines).toContain(`${reportLabel('zh-TW', 'sent')},123456`);
    expect(lines).toContain(`${reportLabel('zh-TW', 'openRate')},25.0%`);
    expect(lines).toContain(`${reportLabel('zh-TW', 'sendDuration')},1 小時 02 分`);
    expect(lines).toContain('臺北市,5000,25.0%');
    expect(lines).toContain(`user0@example.com.tw,臺北市,2026-11-28 08:00,0,'=1+1`);
    expect(lines).toContain('user1@example.com.tw,新北市,2026-11-28 08:01,1,"a,b"');
    // A blank line after the figures, then each table: label, header, rows.
    const table = lines.indexOf(reportLabel('zh-TW', 'byCity'));
    expect(lines[table - 1]).toBe('');
    expect(lines[table + 1]).toBe([reportLabel('zh-TW', 'city'), reportLabel('zh-TW', 'opens'), reportLabel('zh-TW', 'share')].join(','));
    expect(lines.filter((line) => line.startsWith('user')).length).toBe(600);
  });

  it('labels in the chosen language', () => {
    const zh = renderReportCsv(snapshot(), { language: 'zh-TW' });
    const en = renderReportCsv(snapshot(), { language: 'en' });
    expect(zh).toContain(reportWord('zh-TW', 'campaign'));
    expect(zh).toContain('開啓地理報表');
    expect(en).toContain('Campaign,年終感恩回饋 電子報');
    expect(en).toContain('Opens by place');
    expect(en).toContain(`${reportLabel('en', 'sendDuration')},1 h 02 min`);
    expect(renderReportCsv(emptySnapshot(), { language: 'en' })).toContain(reportWord('en', 'empty'));
  });
});

describe('CJK font', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'pigeon-font-'));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('loads the package font by default (OpenType/CFF), once', async () => {
    expect(cjkFontPath({})).toBe(join(cjkFontPackageDirectory(), 'fonts', CJK_FONT_FILE));
    const bytes = await loadCjkFont({ env: {} });
    expect(bytes.byteLength).toBeGreaterThan(1_000_000);
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('OTTO');
    expect(await loadCjkFont({ env: {} })).toBe(bytes);
  });

  it('honours CJK_FONT_PATH', async () => {
    const path = join(tmp, 'other.otf');
    await writeFile(path, Buffer.from('not really a font'));
    vi.stubEnv(CJK_FONT_PATH_ENV, path);
    expect(cjkFontPath()).toBe(path);
    expect(Buffer.from(await loadCjkFont()).toString()).toBe('not really a font');
  });

  it('names the missing file', async () => {
    const path = join(tmp, 'fonts', 'missing.otf');
    vi.stubEnv(CJK_FONT_PATH_ENV, path);
    await expect(loadCjkFont()).rejects.toThrow(path);
    await expect(loadCjkFont()).rejects.toThrow(/CJK_FONT_PATH/);
  });
});

describe('cjk-fonts layer', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'pigeon-layer-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('copies the font and its licence to fonts/, for /opt/fonts in Lambda', async () => {
    expect(CJK_FONT_LAYER_PATH).toBe(`/opt/fonts/${CJK_FONT_FILE}`);
    const build = await buildCjkFontLayer({ root: join(tmp, 'a') });
    expect(build.directory).toBe(join(tmp, 'a', CJK_FONT_LAYER_FOLDER));
    expect(build.files.map((f) => f.name)).toEqual([CJK_FONT_FILE, 'LICENSE']);
    expect(build.source).toBe('@embedpdf/fonts-tc@1.0.0');
    const packaged = await stat(join(cjkFontPackageDirectory(), 'fonts', CJK_FONT_FILE));
    expect((await stat(join(build.directory, CJK_FONT_FILE))).size).toBe(packaged.size);
    expect(await readFile(join(build.directory, 'LICENSE'), 'utf8')).toContain('SIL OPEN FONT LICENSE');
    expect(await readFile(join(build.directory, 'SOURCE.txt'), 'utf8')).toContain('@embedpdf/fonts-tc@1.0.0');
  });

  it('ensureCjkFontLayer builds only when missing or outdated', async () => {
    const root = join(tmp, 'b');
    const first = ensureCjkFontLayer({ root });
    const font = join(first.directory, CJK_FONT_FILE);
    const built = (await stat(font)).mtimeMs;
    expect(ensureCjkFontLayer({ root }).files).toEqual(first.files);
    expect((await stat(font)).mtimeMs).toBe(built);
    await writeFile(join(first.directory, 'SOURCE.txt'), 'an older version\n');
    ensureCjkFontLayer({ root });
    expect(await readFile(join(first.directory, 'SOURCE.txt'), 'utf8')).toContain('@embedpdf/fonts-tc@1.0.0');
  });
});
