import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { ImportFileError, openImport, type ImportRow, type OpenedImport, type RowReject } from '../../shared/imports/read';

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
async function all(imp: OpenedImport): Promise<(ImportRow | RowReject)[]> {
  const out: (ImportRow | RowReject)[] = [];
  for await (const r of imp.rows) out.push(r);
  return out;
}

async function workbook(): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const people = wb.addWorksheet('聯絡人');
  people.addRow(['姓名', 'E-mail', '生日', '分數', '總計', '備註', '手機']);
  people.addRow([
    '王小明',
    { text: 'wang@example.com', hyperlink: 'mailto:wang@example.com' },
    new Date(Date.UTC(1990, 4, 17)),
    0.1 + 0.2,
    { formula: 'D2*2', result: 0.6000000000000001 },
    { richText: [{ text: '重要' }, { text: '客戶', font: { bold: true } }] },
    912345678,
  ]);
  people.getCell('C2').numFmt = 'yyyy-mm-dd';
  people.addRow([]);
  people.addRow(['陳美麗', 'mei@example.com', null, 12345678901234, { formula: 'D4+1', result: 12345678901235 }, true]);
  people.addRow(['Long', 'l@example.com', null, null, null, 'z'.repeat(3000)]);
  const second = wb.addWorksheet('Second');
  second.addRow(['Name', 'Email']);
  second.addRow(['Bob', 'bob@example.com']);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe('XLSX', () => {
  it('reads the first sheet: dates, numbers without float noise, formula results, rich text', async () => {
    const bytes = await workbook();
    const imp = await openImport(chunked(bytes, 7), { maxRowBytes: 2000 });
    expect(imp.detected).toEqual({ format: 'xlsx', encoding: 'binary' });
    expect(imp.header).toEqual(['姓名', 'E-mail', '生日', '分數', '總計', '備註', '手機']);
    expect(imp.mapping).toEqual({ 姓名: 'name', 'E-mail': 'email', 生日: 'birthday', 分數: null, 總計: null, 備註: null, 手機: 'mobile' });
    const rows = await all(imp);
    expect(rows).toEqual([
      { kind: 'row', rowNumber: 2, fields: { name: '王小明', email: 'wang@example.com', birthday: '1990-05-17', mobile: '912345678' } },
      { kind: 'row', rowNumber: 4, fields: { name: '陳美麗', email: 'mei@example.com', birthday: '', mobile: '' } },
      expect.objectContaining({ kind: 'reject', rowNumber: 5, reason: expect.stringMatching(/longer than the limit/) }),
    ]);
  });

  it('shows cell values as a user sees them (through a custom-field mapping)', async () => {
    const imp = await openImport(chunked(await workbook(), 65536), {
      customFields: [{ name: 'score', label: '分數' }, { name: 'total', label: '總計' }, { name: 'note', label: '備註' }],
    });
    const rows = (await all(imp)).filter((r): r is ImportRow => r.kind === 'row');
    expect(rows.map((r) => [r.fields['custom.score'], r.fields['custom.total'], r.fields['custom.note']])).toEqual([
      ['0.3', '0.6', '重要客戶'],
      ['12345678901234', '12345678901235', 'TRUE'],
      ['', '', 'z'.repeat(3000)],
    ]);
  });

  it('keeps Chinese text intact across the 16 KiB chunks a large sheet is inflated in', async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('名單');
    sheet.addRow(['姓名', '地址']);
    const names = Array.from({ length: 3000 }, (_, i) => `王小明${i}`);
    for (const [i, name] of names.entries()) sheet.addRow([name, `臺北市信義區市府路${i}號`]);
    const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
    const imp = await openImport(chunked(bytes, 65536));
    const rows = (await all(imp)).filter((r): r is ImportRow => r.kind === 'row');
    expect(rows.map((r) => r.fields.name)).toEqual(names);
    expect(rows.every((r, i) => r.fields.address === `臺北市信義區市府路${i}號`)).toBe(true);
  });

  it('reads a second sheet by name or position', async () => {
    for (const sheet of ['Second', 2]) {
      const imp = await openImport(chunked(await workbook(), 4096), { sheet });
      expect(imp.mapping).toEqual({ Name: 'name', Email: 'email' });
      expect(await all(imp)).toEqual([{ kind: 'row', rowNumber: 2, fields: { name: 'Bob', email: 'bob@example.com' } }]);
    }
  });

  it('a missing sheet, a corrupt workbook or a zip told to be CSV is one clear error', async () => {
    const bytes = await workbook();
    const attempt = async (data: Uint8Array, options = {}) => {
      try {
        await all(await openImport(chunked(data, 4096), options));
      } catch (error) {
        expect(error).toBeInstanceOf(ImportFileError);
        return error as ImportFileError;
      }
      throw new Error('expected an ImportFileError');
    };
    const missing = await attempt(bytes, { sheet: 'Nope' });
    expect(missing.code).toBe('sheet');
    expect(missing.message).toContain('"聯絡人", "Second"');
    const corrupt = new Uint8Array(bytes);
    corrupt.fill(0x41, 200, 3000);
    expect((await attempt(corrupt)).code).toBe('xlsx');
    expect((await attempt(bytes, { format: 'csv' })).code).toBe('format');
  });
});
