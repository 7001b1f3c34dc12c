import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  ImportFileError,
  openImport,
  type ImportRow,
  type OpenedImport,
  type ReadOptions,
  type RowReject,
  type SupportedEncoding,
} from '../../shared/imports/read';
import { ValidationError } from '../../shared/errors';

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

async function all(imp: OpenedImport): Promise<(ImportRow | RowReject)[]> {
  const out: (ImportRow | RowReject)[] = [];
  for await (const r of imp.rows) out.push(r);
  return out;
}
async function read(bytes: Uint8Array, options?: ReadOptions, chunk = 64 * 1024) {
  const imp = await openImport(chunked(bytes, chunk), options);
  return { imp, rows: await all(imp) };
}
async function fileError(bytes: Uint8Array, options?: ReadOptions): Promise<ImportFileError> {
  try {
    const imp = await openImport(chunked(bytes, 4096), options);
    await all(imp);
  } catch (error) {
    expect(error).toBeInstanceOf(ImportFileError);
    expect(error).toBeInstanceOf(ValidationError);
    return error as ImportFileError;
  }
  throw new Error('expected an ImportFileError');
}
const rowsOnly = (rows: (ImportRow | RowReject)[]) => rows.filter((r): r is ImportRow => r.kind === 'row');
const rejects = (rows: (ImportRow | RowReject)[]) => rows.filter((r): r is RowReject => r.kind === 'reject');

const chinese = '姓名,電子郵件,手機,地址\n王小明,wang@example.com,0912-345-678,"臺北市信義區, 市府路1號"\n陳美麗,mei@example.com,0922333444,高雄市\n';

describe('encodings', () => {
  const cases: [SupportedEncoding, string, string][] = [
    ['big5', chinese, '王小明'],
    ['gb18030', '姓名,电子邮件,手机\n王小明,wang@example.com,13800138000\n李华,li@example.com,13900139000\n', '王小明'],
    ['shift_jis', '氏名,メール,携帯\n山田太郎,yamada@example.jp,09012345678\n鈴木花子,hanako@example.jp,08011112222\n', '山田太郎'],
  ];
  for (const [encoding, text, first] of cases) {
    it(`detects ${encoding} and decodes it, also fed byte by byte`, async () => {
      const bytes = iconv.encode(text, encoding);
      for (const chunk of [1, 7, 65536]) {
        const { imp, rows } = await read(bytes, {}, chunk);
        expect(imp.detected.encoding).toBe(encoding);
        expect(imp.mapping).toMatchObject({ [imp.header[0] as string]: 'name' });
        expect(rowsOnly(rows)[0]?.fields.name).toBe(first);
        expect(rows).toHaveLength(2);
        expect(rejects(rows)).toEqual([]);
      }
    });
  }

  it('reads a short Big5 file as Big5 (the Taiwan default), not GB18030', async () => {
    const { imp, rows } = await read(iconv.encode('名字,Email\n王小明,a@b.tw\n', 'big5'));
    expect(imp.detected.encoding).toBe('big5');
    expect(rowsOnly(rows)[0]?.fields).toEqual({ name: '王小明', email: 'a@b.tw' });
  });

  it('honours BOMs: UTF-8 with and without, UTF-16LE and UTF-16BE', async () => {
    const text = '姓名,Email\n王小明,wang@example.com\n';
    const files: [SupportedEncoding, Uint8Array][] = [
      ['utf-8', utf8(text)],
      ['utf-8', utf8('\uFEFF' + text)],
      ['utf-16le', iconv.encode(text, 'utf-16le', { addBOM: true })],
      ['utf-16be', iconv.encode(text, 'utf-16be', { addBOM: true })],
      ['utf-16le', iconv.encode(text, 'utf-16le')], // no BOM: told by its zero bytes
    ];
    for (const [encoding, bytes] of files) {
      for (const chunk of [1, 7]) {
        const { imp, rows } = await read(bytes, {}, chunk);
        expect(imp.detected.encoding).toBe(encoding);
        expect(imp.header).toEqual(['姓名', 'Email']); // no BOM left in the first header
        expect(rows).toEqual([{ kind: 'row', rowNumber: 2, fields: { name: '王小明', email: 'wang@example.com' } }]);
      }
    }
  });

  it('a multi-byte character split across the sniffing prefix end is still detected as UTF-8', async () => {
    const line = '王小明,wang@example.com\n';
    const text = 'Name,Email\n' + line.repeat(5000); // > 64 KiB, cut somewhere inside a character
    const { imp, rows } = await read(utf8(text), {}, 1000);
    expect(imp.detected.encoding).toBe('utf-8');
    expect(rows).toHaveLength(5000);
    expect(rejects(rows)).toEqual([]);
  });

  it('fails clearly when told UTF-8 but the bytes are Big5, naming Big5', async () => {
    const error = await fileError(iconv.encode(chinese, 'big5'), { encoding: 'utf-8' });
    expect(error.code).toBe('encoding');
    expect(error.message).toMatch(/not valid UTF-8.*Big5/);
  });

  it('reads a file in the encoding the user chose', async () => {
    const { imp, rows } = await read(iconv.encode(chinese, 'big5'), { encoding: 'big5' });
    expect(imp.detected.encoding).toBe('big5');
    expect(rowsOnly(rows)[1]?.fields.name).toBe('陳美麗');
  });

  it('rejects rows past the sniffed prefix whose bytes are not valid in the detected encoding', async () => {
    const ascii = 'Name,Email\n' + 'Ann,ann@example.com\n'.repeat(4000); // 80 KB of ASCII: sniffed UTF-8
    const bytes = Buffer.concat([Buffer.from(ascii), iconv.encode('王小明,wang@example.com\nBob,bob@example.com\n', 'big5')]);
    const { rows } = await read(bytes);
    const bad = rejects(rows);
    expect(bad).toHaveLength(1);
    expect(bad[0]?.rowNumber).toBe(4002);
    expect(bad[0]?.reason).toMatch(/not valid UTF-8/);
    expect(rowsOnly(rows).at(-1)?.fields.name).toBe('Bob');
  });
});

describe('delimiters and quotes', () => {
  it('detects comma, tab, semicolon and pipe', async () => {
    for (const [d, format] of [[',', 'csv'], ['\t', 'tsv'], [';', 'csv'], ['|', 'csv']] as const) {
      const text = ['Name', 'Email', 'City'].join(d) + '\n' + ['Wang, Xiaoming', 'w@example.com', 'Taipei'].join(d) + '\n' + ['Lee', 'l@example.com', 'Tainan'].join(d) + '\n';
      const quoted = d === ',' ? text.replace('Wang, Xiaoming', '"Wang, Xiaoming"') : text;
      const { imp, rows } = await read(utf8(quoted));
      expect(imp.detected).toMatchObject({ delimiter: d, format });
      expect(rowsOnly(rows)[0]?.fields).toEqual({ name: 'Wang, Xiaoming', email: 'w@example.com', city: 'Taipei' });
    }
  });

  it('semicolon CSV with decimal commas is still split on semicolons', async () => {
    const { imp } = await read(utf8('Name;Email;Score\nAnn;a@x.com;1,5\nBob;b@x.com;2,25\n'));
    expect(imp.detected.delimiter).toBe(';');
  });

  it('handles quoted fields with delimiters, doubled quotes and line breaks, split at any byte', async () => {
    const text = 'Name,Email,Address\r\n"Chen ""CC"" Mei",mei@example.com,"line one\r\nline two, with comma"\r\nBob,bob@example.com,x\r\n';
    for (const chunk of [1, 7]) {
      const { rows } = await read(utf8(text), {}, chunk);
      expect(rows).toEqual([
        { kind: 'row', rowNumber: 2, fields: { name: 'Chen "CC" Mei', email: 'mei@example.com', address: 'line one\nline two, with comma' } },
        { kind: 'row', rowNumber: 4, fields: { name: 'Bob', email: 'bob@example.com', address: 'x' } },
      ]);
    }
  });

  it('quote: false treats " as an ordinary character', async () => {
    const text = 'Name,Email,Note\n"Wang,w@example.com,12" pipe\nLee,l@example.com,say "hi"\n';
    const { rows } = await read(utf8(text), { quote: false });
    expect(rows).toEqual([
      { kind: 'row', rowNumber: 2, fields: { name: '"Wang', email: 'w@example.com' } },
      { kind: 'row', rowNumber: 3, fields: { name: 'Lee', email: 'l@example.com' } },
    ]);
  });

  it('CRLF, LF and CR line ends (mixed) and blank lines', async () => {
    const text = 'Name,Email\r\nA,a@x.com\rB,b@x.com\n\n  \n,,\r\nC,c@x.com\r\n\r\n';
    for (const chunk of [1, 7, 1000]) {
      const { rows } = await read(utf8(text), {}, chunk);
      expect(rows.map((r) => [r.rowNumber, r.kind === 'row' ? r.fields.name : r.reason])).toEqual([
        [2, 'A'],
        [3, 'B'],
        [7, 'C'],
      ]);
    }
  });

  it('uses an explicit delimiter and a TSV format', async () => {
    const { imp, rows } = await read(utf8('Name\tEmail\nAnn, Lee\tann@x.com\n'), { format: 'tsv' });
    expect(imp.detected).toMatchObject({ format: 'tsv', delimiter: '\t' });
    expect(rowsOnly(rows)[0]?.fields.name).toBe('Ann, Lee');
    const { rows: r2 } = await read(utf8('Name#Email\nAnn#ann@x.com\n'), { delimiter: '#' });
    expect(rowsOnly(r2)[0]?.fields).toEqual({ name: 'Ann', email: 'ann@x.com' });
  });
});

describe('header mapping', () => {
  it('maps Chinese and English headers regardless of case, width, spaces and punctuation', async () => {
    const header = ['Full Name', 'Ｅ－Ｍａｉｌ', '行動電話', '傳真', '公司', ' 職稱 ', '性別', '生日', '縣市', '地址', 'Language', '標籤', '備註'];
    const { imp } = await read(utf8(header.join(',') + '\n' + header.map(() => 'x').join(',') + '\n'));
    expect(imp.mapping).toEqual({
      'Full Name': 'name',
      'Ｅ－Ｍａｉｌ': 'email',
      行動電話: 'mobile',
      傳真: 'fax',
      公司: 'company',
      職稱: 'title',
      性別: 'gender',
      生日: 'birthday',
      縣市: 'city',
      地址: 'address',
      Language: 'language',
      標籤: 'tags',
      備註: null,
    });
  });

  it('maps custom fields by name or label, and a user mapping overrides', async () => {
    const text = '姓名,會員等級,points,Email,E-mail\nAnn,Gold,12,a@x.com,b@x.com\n';
    const customFields = [{ name: 'tier', label: '會員等級' }, { name: 'points', labels: { en: 'Points' } }];
    const { imp, rows } = await read(utf8(text), { customFields });
    expect(imp.mapping).toEqual({ 姓名: 'name', 會員等級: 'custom.tier', points: 'custom.points', Email: 'email', 'E-mail': null });
    expect(rowsOnly(rows)[0]?.fields).toEqual({ name: 'Ann', 'custom.tier': 'Gold', 'custom.points': '12', email: 'a@x.com' });

    const { imp: imp2, rows: rows2 } = await read(utf8(text), { customFields, mapping: { 'e-mail': 'email', Email: null, points: null } });
    expect(imp2.mapping).toMatchObject({ Email: null, 'E-mail': 'email', points: null });
    expect(rowsOnly(rows2)[0]?.fields).toEqual({ name: 'Ann', 'custom.tier': 'Gold', email: 'b@x.com' });
  });

  it('duplicate headers are suffixed; empty headers named by position; trailing empty ones dropped', async () => {
    const { imp, rows } = await read(utf8('Email,Note,Note,,Name,,\na@x.com,n1,n2,?,Ann,,\n'));
    expect(imp.header).toEqual(['Email', 'Note', 'Note (2)', 'Column 4', 'Name']);
    expect(imp.mapping).toMatchObject({ Email: 'email', 'Note (2)': null, 'Column 4': null, Name: 'name' });
    expect(rows).toEqual([{ kind: 'row', rowNumber: 2, fields: { email: 'a@x.com', name: 'Ann' } }]);
  });

  it('a bad user mapping is one clear error', async () => {
    const text = utf8('Name,Email\nA,a@x.com\n');
    expect((await fileError(text, { mapping: { Phone: 'mobile' } })).message).toMatch(/does not have: "Phone"/);
    expect((await fileError(text, { mapping: { Name: 'nickname' } })).message).toMatch(/Unknown field "nickname"/);
    expect((await fileError(text, { mapping: { Name: 'email', Email: 'email' } })).message).toMatch(/both "Name" and "Email"/);
  });
});

describe('bad input', () => {
  it('an empty file, a BOM only or blank lines only: one error', async () => {
    for (const bytes of [new Uint8Array(0), utf8('\uFEFF'), utf8('\n\r\n  \n')]) {
      expect((await fileError(bytes)).code).toBe('empty');
    }
  });

  it('a header-only file gives zero rows and no error', async () => {
    const { imp, rows } = await read(utf8('姓名,Email\r\n'));
    expect(imp.header).toEqual(['姓名', 'Email']);
    expect(rows).toEqual([]);
  });

  it('binary junk is not a text/CSV file', async () => {
    const junk = new Uint8Array(5000);
    let seed = 7;
    for (let i = 0; i < junk.length; i++) junk[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(junk)]);
    for (const bytes of [junk, png]) {
      const error = await fileError(bytes);
      expect(error.code).toBe('binary');
      expect(error.message).toMatch(/not a text\/CSV file/);
    }
    expect((await fileError(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]))).message).toMatch(/\.xls/);
    expect((await fileError(junk, { encoding: 'utf-8' })).code).toBe('binary');
  });

  it('ragged rows: fewer fields are empty, more fields are rejected unless empty', async () => {
    const { rows } = await read(utf8('Name,Email,City\nAnn,a@x.com\nBob,b@x.com,Taipei,extra\nCat,c@x.com,Tainan,,\n'));
    expect(rows).toEqual([
      { kind: 'row', rowNumber: 2, fields: { name: 'Ann', email: 'a@x.com', city: '' } },
      { kind: 'reject', rowNumber: 3, reason: 'Row has 4 fields but the header has 3', raw: 'Bob,b@x.com,Taipei,extra' },
      { kind: 'row', rowNumber: 4, fields: { name: 'Cat', email: 'c@x.com', city: 'Tainan' } },
    ]);
  });

  it('an unbalanced quote rejects its row and the rows after it are still read', async () => {
    const lines = ['Name,Email', '"Ann,a@x.com', ...Array.from({ length: 300 }, (_, i) => `P${i},p${i}@x.com`)];
    for (const chunk of [7, 65536]) {
      const { rows } = await read(utf8(lines.join('\n')), {}, chunk);
      expect(rejects(rows)).toEqual([expect.objectContaining({ rowNumber: 2, reason: expect.stringMatching(/Unbalanced quote/), raw: '"Ann,a@x.com' })]);
      expect(rowsOnly(rows)).toHaveLength(300);
      expect(rowsOnly(rows)[0]).toEqual({ kind: 'row', rowNumber: 3, fields: { name: 'P0', email: 'p0@x.com' } });
    }
    // ...at the end of the file too
    const { rows: tail } = await read(utf8('Name,Email\nAnn,a@x.com\n"Bob,b@x.com\nCat,c@x.com'));
    expect(tail.map((r) => [r.kind, r.rowNumber])).toEqual([['row', 2], ['reject', 3], ['row', 4]]);
  });

  it('a 10 MB line is rejected without holding it, and reading goes on', async () => {
    const maxRowBytes = 64 * 1024;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield utf8('Name,Email\nAnn,a@x.com\nBig,');
      const block = utf8('x'.repeat(64 * 1024));
      for (let i = 0; i < 160; i++) yield block; // 10 MiB, one line
      yield utf8('\nBob,b@x.com\n');
    }
    const imp = await openImport(source(), { maxRowBytes });
    const rows = await all(imp);
    expect(rows.map((r) => [r.kind, r.rowNumber])).toEqual([['row', 2], ['reject', 3], ['row', 4]]);
    const reject = rejects(rows)[0];
    expect(reject?.reason).toMatch(/longer than the limit/);
    expect(reject?.raw?.length).toBeLessThanOrEqual(200);
    // The default limit (1 MiB) applies too, and an over-long quoted field is cut the same way.
    const { rows: quoted } = await read(utf8(`Name,Email\n"${'y'.repeat(2 * 1024 * 1024)}",z@x.com\nBob,b@x.com\n`), {}, 65536);
    expect(quoted.map((r) => [r.kind, r.rowNumber])).toEqual([['reject', 2], ['row', 3]]);
  });

  it('an unreadable header is one clear error', async () => {
    expect((await fileError(utf8('"Name,Email\nA,a@x.com\n'))).code).toBe('header');
  });

  it('invalid options and a format that contradicts the bytes are clear errors', async () => {
    expect((await fileError(utf8('a,b\n1,2\n'), { format: 'xlsx' })).code).toBe('format');
    expect((await fileError(utf8('a,b\n1,2\n'), { maxRowBytes: 0 })).code).toBe('options');
    expect((await fileError(utf8('a,b\n1,2\n'), { delimiter: '"' })).code).toBe('options');
  });
});
