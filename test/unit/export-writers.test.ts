/**
 * Export files: CSV cells (RFC 4180 quoting, formula-injection guard), columns over stored
 * contacts (custom values by field id, group and category names), and both writers through an
 * in-memory sink (BOM; an XLSX exceljs reads back).
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { Definitions } from '../../shared/contacts/definitions';
import type { FileSink } from '../../shared/exports/ports';
import { checkColumns, columnsOf, csvCell, csvRow, openRowWriter } from '../../shared/exports/writers';
import { filtersToRules } from '../../shared/exports/exports';
import { evaluationContext, matches } from '../../shared/segments/evaluate';

const at = '2025-01-01T00:00:00.000Z';
const definitions: Definitions = {
  fields: [{ id: 'F1', name: 'level', label: { 'zh-TW': '等級', en: 'Level' }, type: 'multi_choice', required: false, validation: { options: ['a', 'b'] }, revision: 1, createdAt: at, updatedAt: at }],
  groups: [{ id: 'G1', name: '台北 VIP', sharedWith: [], createdAt: at, updatedAt: at, version: 1 }],
  categories: [{ id: 'C1', name: 'News', createdAt: at, updatedAt: at, version: 1 }],
};

class MemorySink implements FileSink {
  chunks: Uint8Array[] = [];
  ended = false;
  aborted = false;
  async write(chunk: Uint8Array) {
    this.chunks.push(chunk);
  }
  async end() {
    this.ended = true;
  }
  async abort() {
    this.aborted = true;
  }
  get bytes() {
    return Buffer.concat(this.chunks);
  }
}

describe('CSV cells', () => {
  it('quotes per RFC 4180 and guards formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell('+886912345678')).toBe('+886912345678');
    expect(csvCell('-1')).toBe('-1');
    expect(csvCell("-2+3+cmd|' /C calc'!A0")).toBe(`'-2+3+cmd|' /C calc'!A0`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell(42)).toBe('42');
    expect(csvCell(undefined)).toBe('');
    expect(csvRow(['a', 1, true, undefined])).toBe('a,1,true,\r\n');
  });
});

describe('columns', () => {
  it('reads stored contacts: custom values by id, names for groups and subscribed categories', () => {
    const columns = columnsOf(['email', 'groups', 'categories', 'tags', 'score', 'custom.level', 'custom.gone'], definitions);
    expect(columns.map((c) => c.header)).toEqual(['email', 'groups', 'categories', 'tags', 'score', 'custom.level 等級', 'custom.gone']);
    const contact = { id: 'x', email: 'a@b.tw', groups: ['G1', 'GOLD'], subscriptions: { C1: 'subscribed', C9: 'subscribed' }, tags: ['x', 'y'], custom: { F1: ['a', 'b'] } };
    expect(columns.map((c) => c.value(contact))).toEqual(['a@b.tw', '台北 VIP', 'News', 'x; y', 0, 'a; b', undefined]);
  });

  it('names unknown columns', () => {
    expect(checkColumns(['email', 'password', 'custom.nope', 'email'], definitions)).toEqual([
      { field: 'fields.1', message: 'Not a contact field: password' },
      { field: 'fields.2', message: 'Not a contact field: custom.nope' },
      { field: 'fields', message: 'Each field once' },
    ]);
  });

  it('turns simple filters into rules the evaluator applies', () => {
    const rules = filtersToRules({ group: 'G1', status: 'active', scoreMin: 10, q: 'lin' });
    const context = evaluationContext(definitions, new Date());
    const contact = { id: 'x', email: 'lin@a.tw', status: 'active', score: 12, groups: ['G1'] };
    expect(matches(contact, rules, context)).toBe(true);
    expect(matches({ ...contact, score: 9 }, rules, context)).toBe(false);
    expect(matches({ ...contact, email: 'wang@a.tw', name: 'Lin Wang' }, rules, context)).toBe(true);
    expect(matches({ id: 'y', status: 'bounced' }, filtersToRules({}), context)).toBe(true);
  });
});

describe('writers', () => {
  it('CSV starts with a BOM and ends every row with CRLF', async () => {
    const sink = new MemorySink();
    const writer = await openRowWriter('csv', sink, ['name', 'note']);
    await writer.write(['林怡君', 'a "quote", here']);
    await writer.end();
    expect([...sink.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(sink.bytes.subarray(3).toString('utf8')).toBe('name,note\r\n林怡君,"a ""quote"", here"\r\n');
    expect(sink.ended).toBe(true);
  });

  it('XLSX reads back with exceljs, typed cells, formulas left as text', async () => {
    const sink = new MemorySink();
    const writer = await openRowWriter('xlsx', sink, ['name', 'score', 'note']);
    await writer.write(['林怡君', 42, '=1+1']);
    await writer.end();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.read(Readable.from(sink.bytes));
    const sheet = workbook.worksheets[0];
    expect(sheet?.getRow(1).values).toEqual([undefined, 'name', 'score', 'note']);
    expect(sheet?.getRow(2).values).toEqual([undefined, '林怡君', 42, '=1+1']);
  });

  it('aborting leaves no file', async () => {
    const sink = new MemorySink();
    const writer = await openRowWriter('csv', sink, ['a']);
    await writer.abort();
    expect(sink.aborted).toBe(true);
    expect(sink.ended).toBe(false);
  });
});
