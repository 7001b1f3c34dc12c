/**
 * freezeAudience over in-memory ports: each of the eight sources, the one-pass funnel and its
 * counts (corrected, invalid, duplicates, suppressed, excluded), visibility, the test-campaign
 * limit, the part layout, and that the same inputs always give the same parts.
 */
import { describe, expect, it } from 'vitest';
import { freezeAudience, type FreezeInput } from '../../shared/audience/freeze';
import { readAudiencePart } from '../../shared/audience/parts';
import type { FrozenAudience, FrozenRecipient } from '../../shared/audience/types';
import { UrlFetchError } from '../../shared/audience/url-guard';
import type { AudienceSource } from '../../shared/campaigns/model';
import { ValidationError } from '../../shared/errors';
import { admin, at, category, contact, field, fixture, group, operatorOf, segment, ws, type Fixture } from './audience-fixtures';

const input = (sources: AudienceSource[], extra: Partial<FreezeInput> = {}): FreezeInput => ({
  workspaceId: ws,
  campaignId: 'c1',
  runId: 'r1',
  type: 'formal',
  audience: { sources, exclusions: [] },
  viewer: admin,
  ...extra,
});

async function recipientsOf(f: Fixture, frozen: FrozenAudience): Promise<FrozenRecipient[]> {
  const all: FrozenRecipient[] = [];
  for (const key of frozen.parts) all.push(...(await readAudiencePart(f.blobs, key)));
  return all;
}

async function refusal(work: Promise<unknown>): Promise<ValidationError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('typed lists', () => {
  it('corrects, drops invalid, de-duplicates case-insensitively (first wins) and counts each', async () => {
    const f = fixture();
    const frozen = await freezeAudience(
      f.deps,
      input([
        {
          kind: 'list',
          lines: ['Wang@Example.com, 王小明', '', '   ', 'lee@gmial.com', 'not-an-address', 'wang@example.com;Second', 'ｃｈｅｎ＠ｅｘａｍｐｌｅ．ｃｏｍ\tChen', '"Lin, Mei" <lin@example.com>'],
        },
      ]),
    );
    expect(frozen.summary).toEqual({ total: 4, duplicates: 1, invalid: 1, corrected: 2, suppressed: 0, excluded: 0 });
    expect(await recipientsOf(f, frozen)).toEqual([
      { email: 'wang@example.com', fields: { name: '王小明', email: 'wang@example.com' } },
      { email: 'lee@gmail.com', fields: { email: 'lee@gmail.com' } },
      { email: 'chen@example.com', fields: { name: 'Chen', email: 'chen@example.com' } },
      { email: 'lin@example.com', fields: { name: 'Lin, Mei', email: 'lin@example.com' } },
    ]);
  });

  it('takes a comma inside an address for a typo, not for a name', async () => {
    const f = fixture();
    const frozen = await freezeAudience(f.deps, input([{ kind: 'list', lines: ['wang@gmail,com', 'a@b,Bob'] }]));
    expect((await recipientsOf(f, frozen)).map((r) => r.email)).toEqual(['wang@gmail.com']);
    expect(frozen.summary).toMatchObject({ total: 1, corrected: 1, invalid: 1 });
  });

  it('attaches an existing contact and its fields, the list\'s columns winning', async () => {
    const f = fixture([contact('C1', { email: 'wang@example.com', name: '王', city: 'Taipei', tags: ['vip'], score: 7, custom: { F1: 'gold', GONE: 'x' } })]);
    f.definitions.fields.push(field('F1', 'tier'));
    const frozen = await freezeAudience(f.deps, input([{ kind: 'list', lines: ['wang@example.com,王小明', 'new@example.com'] }]));
    expect(await recipientsOf(f, frozen)).toEqual([
      { email: 'wang@example.com', contactId: 'C1', fields: { email: 'wang@example.com', name: '王小明', city: 'Taipei', tags: ['vip'], score: 7, custom: { tier: 'gold' } } },
      { email: 'new@example.com', fields: { email: 'new@example.com' } },
    ]);
  });

  it('leaves a contact the launcher may not read anonymous, yet honours its status', async () => {
    const f = fixture([
      contact('C1', { email: 'hidden@example.com', name: 'Secret', departmentId: 'D2' }),
      contact('C2', { email: 'gone@example.com', status: 'unsubscribed', departmentId: 'D2' }),
    ]);
    const frozen = await freezeAudience(f.deps, input([{ kind: 'list', lines: ['hidden@example.com', 'gone@example.com'] }], { viewer: operatorOf('D1') }));
    expect(await recipientsOf(f, frozen)).toEqual([{ email: 'hidden@example.com', fields: { email: 'hidden@example.com' } }]);
    expect(frozen.summary).toMatchObject({ total: 1, suppressed: 1 });
  });

  it('stays anonymous when the store cannot look addresses up', async () => {
    const f = fixture([contact('C1', { email: 'wang@example.com', name: '王' })]);
    const contacts = { getMany: f.contacts.getMany.bind(f.contacts) };
    const frozen = await freezeAudience({ ...f.deps, contacts }, input([{ kind: 'list', lines: ['wang@example.com'] }]));
    expect(await recipientsOf(f, frozen)).toEqual([{ email: 'wang@example.com', fields: { email: 'wang@example.com' } }]);
  });
});

describe('suppression and exclusions', () => {
  it('drops suppressed addresses and non-active contacts, then excluded ones, counting each once', async () => {
    const f = fixture([
      contact('C1', { email: 'unsub@example.com', status: 'unsubscribed', groups: ['G1'] }),
      contact('C2', { email: 'bounced@example.com', status: 'bounced', groups: ['G1'] }),
      contact('C3', { email: 'complained@example.com', status: 'complained', groups: ['G1'] }),
      contact('C4', { email: 'fine@example.com', groups: ['G1'] }),
      contact('C5', { email: 'rival@example.com', groups: ['G1', 'RIVALS'] }),
    ]);
    f.definitions.groups.push(group('G1'), group('RIVALS'));
    await f.suppression.add(ws, [{ email: 'Blocked@Example.com', reason: 'bounce', at }]);
    f.runs.set('c0/r0/clickers', [{ email: 'bought@example.com' }]);
    const exclusions: AudienceSource[] = [
      { kind: 'groups', groupIds: ['RIVALS'] },
      { kind: 'list', lines: ['competitor@gmial.com'] },
      { kind: 'campaign', campaignId: 'c0', runId: 'r0', who: 'clickers' },
    ];
    const frozen = await freezeAudience(f.deps, {
      ...input([]),
      audience: {
        sources: [{ kind: 'groups', groupIds: ['G1'] }, { kind: 'list', lines: ['blocked@example.com', 'competitor@gmail.com', 'bought@example.com', 'ok@example.com', 'fine@example.com'] }],
        exclusions,
      },
    });
    expect((await recipientsOf(f, frozen)).map((r) => r.email)).toEqual(['fine@example.com', 'ok@example.com']);
    expect(frozen.summary).toEqual({ total: 2, duplicates: 1, invalid: 0, corrected: 0, suppressed: 4, excluded: 3 });
  });
});

const csv = (text: string) => new TextEncoder().encode(text);

describe('uploaded files', () => {
  const upload = (key = `imports/${ws}/u1/members.csv`): AudienceSource => ({ kind: 'upload', key, fileName: 'members.csv' });

  it('finds the e-mail column by its header and makes every column a merge field', async () => {
    const f = fixture([contact('C1', { email: 'wang@example.com', name: '舊名', custom: { F1: 'silver', F2: 'x' } })]);
    f.definitions.fields.push(field('F1', 'tier', 'text', 'Tier'), field('F2', 'note'));
    f.blobs.objects.set(`imports/${ws}/u1/members.csv`, csv('姓名,電子郵件,Tier,Notes\n王小明,wang@example.com,gold,\n李,LEE@EXAMPLE.COM,,hi\n,,,\n陳,nope,,\n'));
    const frozen = await freezeAudience(f.deps, input([upload()]));
    expect(await recipientsOf(f, frozen)).toEqual([
      {
        email: 'wang@example.com',
        contactId: 'C1',
        fields: { email: 'wang@example.com', name: '王小明', score: 0, custom: { tier: 'gold', note: 'x' }, 姓名: '王小明', 電子郵件: 'wang@example.com', Tier: 'gold' },
      },
      { email: 'lee@example.com', fields: { 姓名: '李', name: '李', 電子郵件: 'LEE@EXAMPLE.COM', Notes: 'hi', email: 'lee@example.com' } },
    ]);
    expect(frozen.summary).toMatchObject({ total: 2, invalid: 1 });
  });

  it('reads Big5 TSV and XLSX the way imports do', async () => {
    const { default: iconv } = await import('iconv-lite');
    const { default: ExcelJS } = await import('exceljs');
    const f = fixture();
    f.blobs.objects.set(`imports/${ws}/u2/big5.tsv`, new Uint8Array(iconv.encode('信箱\t姓名\r\nwang@example.com\t王小明\r\n', 'big5')));
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('名單');
    sheet.addRow(['Name', 'Mail']);
    sheet.addRow(['Bob', 'bob@example.com']);
    f.blobs.objects.set(`imports/${ws}/u3/list.xlsx`, new Uint8Array(await book.xlsx.writeBuffer()));
    const frozen = await freezeAudience(
      f.deps,
      input([
        { kind: 'upload', key: `imports/${ws}/u2/big5.tsv`, fileName: 'big5.tsv' },
        { kind: 'upload', key: `imports/${ws}/u3/list.xlsx`, fileName: 'list.xlsx' },
      ]),
    );
    expect(await recipientsOf(f, frozen)).toEqual([
      { email: 'wang@example.com', fields: { 信箱: 'wang@example.com', 姓名: '王小明', name: '王小明', email: 'wang@example.com' } },
      { email: 'bob@example.com', fields: { Name: 'Bob', name: 'Bob', Mail: 'bob@example.com', email: 'bob@example.com' } },
    ]);
  });

  it('finds the addresses by their values when no header names them, and reads header-less files', async () => {
    const f = fixture();
    f.blobs.objects.set(`imports/${ws}/u1/who.csv`, csv('who,contact\nAnn,ann@example.com\nBen,ben@example.com\n'));
    f.blobs.objects.set(`imports/${ws}/u1/bare.csv`, csv('cat@example.com,Cat\ndan@example.com,Dan\n'));
    const frozen = await freezeAudience(f.deps, input([upload(`imports/${ws}/u1/who.csv`), upload(`imports/${ws}/u1/bare.csv`)]));
    expect(await recipientsOf(f, frozen)).toEqual([
      { email: 'ann@example.com', fields: { who: 'Ann', contact: 'ann@example.com', email: 'ann@example.com' } },
      { email: 'ben@example.com', fields: { who: 'Ben', contact: 'ben@example.com', email: 'ben@example.com' } },
      { email: 'cat@example.com', fields: { 'Column 1': 'cat@example.com', 'Column 2': 'Cat', email: 'cat@example.com' } },
      { email: 'dan@example.com', fields: { 'Column 1': 'dan@example.com', 'Column 2': 'Dan', email: 'dan@example.com' } },
    ]);
  });

  it('counts rows the reader rejects as invalid', async () => {
    const f = fixture();
    f.blobs.objects.set(`imports/${ws}/u1/members.csv`, csv('email,name\na@example.com,A\nb@example.com,B,extra,cells\n'));
    const frozen = await freezeAudience(f.deps, input([upload()]));
    expect(frozen.summary).toMatchObject({ total: 1, invalid: 1 });
  });

  it('refuses a file without an address column, a missing file, and another workspace\'s file', async () => {
    const f = fixture();
    f.blobs.objects.set(`imports/${ws}/u1/members.csv`, csv('name,city\nAnn,Taipei\n'));
    const noColumn = await refusal(freezeAudience(f.deps, input([{ kind: 'list', lines: ['x@example.com'] }, upload()])));
    expect(noColumn.message).toMatch(/^The file members\.csv has no e-mail column/);
    expect(noColumn.errors[0]?.field).toBe('audience.sources.1');

    const missing = await refusal(freezeAudience(f.deps, input([upload(`imports/${ws}/u9/gone.csv`)])));
    expect(missing.errors[0]).toMatchObject({ field: 'audience.sources.0.key', message: expect.stringMatching(/no longer there/) });

    f.blobs.objects.set('imports/other-ws/u1/members.csv', csv('email\nx@example.com\n'));
    for (const key of ['imports/other-ws/u1/members.csv', `imports/${ws}/../other-ws/u1/members.csv`, 'members.csv']) {
      const foreign = await refusal(freezeAudience(f.deps, input([upload(key)])));
      expect(foreign.errors[0]?.field).toBe('audience.sources.0.key');
    }
    expect(f.blobs.puts).toBe(0);
  });

  it('names the file when the reader refuses it', async () => {
    const f = fixture();
    f.blobs.objects.set(`imports/${ws}/u1/members.csv`, new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]));
    const error = await refusal(freezeAudience(f.deps, input([upload()])));
    expect(error.message).toMatch(/^The file members\.csv: The file is compressed/);
  });
});

describe('lists at a URL', () => {
  it('reads the fetched CSV like an upload', async () => {
    const fetched: string[] = [];
    const f = fixture([], {
      fetchList: async (url) => {
        fetched.push(url);
        return csv('Email,Name\nann@example.com,Ann\n');
      },
    });
    const frozen = await freezeAudience(f.deps, input([{ kind: 'url', url: 'https://lists.example.com/a.csv' }]));
    expect(fetched).toEqual(['https://lists.example.com/a.csv']);
    expect(await recipientsOf(f, frozen)).toEqual([{ email: 'ann@example.com', fields: { Email: 'ann@example.com', Name: 'Ann', name: 'Ann', email: 'ann@example.com' } }]);
  });

  it('turns a refused fetch into a problem naming the source', async () => {
    const f = fixture([], {
      fetchList: async (url) => {
        throw new UrlFetchError(url, 'address', `Refused to fetch ${url}: 127.0.0.1 is a loopback address`);
      },
    });
    const error = await refusal(freezeAudience(f.deps, input([{ kind: 'list', lines: ['a@example.com'] }, { kind: 'url', url: 'http://localhost/x.csv' }])));
    expect(error.errors[0]).toEqual({ field: 'audience.sources.1.url', message: 'Refused to fetch http://localhost/x.csv: 127.0.0.1 is a loopback address' });
  });
});

describe('contact sources', () => {
  const people = () => [
    contact('C05', { email: 'e@example.com', groups: ['G2'], subscriptions: { NEWS: 'unsubscribed' } }),
    contact('C01', { email: 'a@example.com', name: 'A', groups: ['G1'], subscriptions: { NEWS: 'subscribed' }, custom: { F1: 'gold' } }),
    contact('C03', { email: 'c@example.com', groups: ['G1', 'G2'], city: 'Taipei', departmentId: 'D1' }),
    contact('C02', { mobile: '+886912345678', groups: ['G1'] }),
    contact('C04', { email: 'd@example.com', groups: ['G3'], departmentId: 'D2', subscriptions: { NEWS: 'subscribed' } }),
  ];
  const setUp = () => {
    const f = fixture(people());
    f.definitions.fields.push(field('F1', 'tier'));
    f.definitions.groups.push(group('G1'), group('G2'), group('G3', 'D2'));
    f.definitions.categories.push(category('NEWS'));
    return f;
  };

  it('groups: members in id order with their merge fields; contacts without an address counted invalid', async () => {
    const f = setUp();
    const frozen = await freezeAudience(f.deps, input([{ kind: 'groups', groupIds: ['G1', 'G2'] }]));
    const recipients = await recipientsOf(f, frozen);
    expect(recipients.map((r) => [r.email, r.contactId])).toEqual([
      ['a@example.com', 'C01'],
      ['c@example.com', 'C03'],
      ['e@example.com', 'C05'],
    ]);
    expect(recipients[0]?.fields).toEqual({ email: 'a@example.com', name: 'A', score: 0, custom: { tier: 'gold' } });
    expect(recipients[1]?.fields).toEqual({ email: 'c@example.com', city: 'Taipei', score: 0, custom: {} });
    expect(frozen.summary).toMatchObject({ total: 3, invalid: 1 });
  });

  it('categories (subscribed only), segments and queries', async () => {
    const f = setUp();
    f.segments.set('S1', segment('S1', { match: 'all', conditions: [{ field: 'city', op: 'eq', value: 'taipei' }] }));
    const run = async (source: AudienceSource) => (await recipientsOf(f, await freezeAudience(f.deps, input([source])))).map((r) => r.contactId);
    expect(await run({ kind: 'categories', categoryIds: ['NEWS'] })).toEqual(['C01', 'C04']);
    expect(await run({ kind: 'segment', segmentId: 'S1' })).toEqual(['C03']);
    expect(await run({ kind: 'query', rules: { match: 'any', conditions: [{ field: 'custom.tier', op: 'eq', value: 'gold' }, { field: 'groups', op: 'contains', value: 'G3' }] } })).toEqual(['C01', 'C04']);
  });

  it('holds only contacts the launcher may read, and refuses groups it cannot see', async () => {
    const f = setUp();
    const d1 = operatorOf('D1');
    const frozen = await freezeAudience(f.deps, input([{ kind: 'categories', categoryIds: ['NEWS'] }, { kind: 'groups', groupIds: ['G1'] }], { viewer: d1 }));
    expect((await recipientsOf(f, frozen)).map((r) => r.contactId)).toEqual(['C01', 'C03']);

    const hidden = await refusal(freezeAudience(f.deps, input([{ kind: 'groups', groupIds: ['G1', 'G3', 'NOPE'] }], { viewer: d1 })));
    expect(hidden.errors).toEqual([
      { field: 'audience.sources.0.groupIds.1', message: 'No group G3 in this workspace' },
      { field: 'audience.sources.0.groupIds.2', message: 'No group NOPE in this workspace' },
    ]);
  });

  it('names a missing segment, a missing category and rules that no longer fit', async () => {
    const f = setUp();
    f.segments.set('S2', segment('S2', { match: 'all', conditions: [{ field: 'custom.deleted', op: 'eq', value: 'x' }] }));
    expect((await refusal(freezeAudience(f.deps, input([{ kind: 'segment', segmentId: 'S9' }])))).errors[0]?.field).toBe('audience.sources.0.segmentId');
    expect((await refusal(freezeAudience(f.deps, input([{ kind: 'categories', categoryIds: ['OLD'] }])))).errors[0]?.field).toBe('audience.sources.0.categoryIds.0');
    expect((await refusal(freezeAudience(f.deps, input([{ kind: 'segment', segmentId: 'S2' }])))).errors[0]?.field).toBe('audience.sources.0.segment.rules.conditions.0.field');
  });

  it('names every mistake in sources and exclusions at once, before writing anything', async () => {
    const f = setUp();
    const many = Array.from({ length: 120 }, (_, i) => `r${i}@example.com`);
    const error = await refusal(
      freezeAudience(f.deps, {
        ...input([]),
        audience: {
          sources: [{ kind: 'list', lines: many }, { kind: 'groups', groupIds: ['NOPE'] }, { kind: 'upload', key: 'imports/other/u/x.csv', fileName: 'x.csv' }],
          exclusions: [{ kind: 'segment', segmentId: 'S9' }],
        },
      }),
    );
    expect(error.errors.map((e) => e.field)).toEqual(['audience.exclusions.0.segmentId', 'audience.sources.1.groupIds.0', 'audience.sources.2.key']);
    expect(f.blobs.puts).toBe(0);
  });

  it('writes the same parts for the same data, whatever order the scanner delivers pages in', async () => {
    const many = Array.from({ length: 230 }, (_, i) => contact(`C${String(i).padStart(4, '0')}`, { email: `p${i}@example.com`, groups: ['G1'] }));
    const f = fixture([...many].reverse());
    f.definitions.groups.push(group('G1'));
    const first = await freezeAudience(f.deps, input([{ kind: 'groups', groupIds: ['G1'] }]));
    const snapshot = first.parts.map((key) => f.blobs.text(key));
    const again = await freezeAudience(f.deps, input([{ kind: 'groups', groupIds: ['G1'] }]));
    expect(again.parts).toEqual(first.parts);
    expect(again.parts.map((key) => f.blobs.text(key))).toEqual(snapshot);
    expect((await recipientsOf(f, again)).map((r) => r.contactId)).toEqual(many.map((c) => c.id));
  });
});

describe('earlier runs', () => {
  it('re-reads contacts for their current fields and address, skips deleted ones, keeps anonymous ones', async () => {
    const f = fixture([contact('C1', { email: 'new@example.com', name: 'Now' }), contact('C2', { email: 'unsub@example.com', status: 'unsubscribed' })]);
    f.runs.set('c0/latest/all', [
      { email: 'old@example.com', contactId: 'C1' },
      { email: 'gone@example.com', contactId: 'DELETED' },
      { email: 'unsub@example.com', contactId: 'C2' },
      { email: 'Anon@Example.com', fields: { name: 'Anon', email: 'stale' } },
    ]);
    const frozen = await freezeAudience(f.deps, input([{ kind: 'campaign', campaignId: 'c0', who: 'all' }]));
    expect(await recipientsOf(f, frozen)).toEqual([
      { email: 'new@example.com', contactId: 'C1', fields: { email: 'new@example.com', name: 'Now', score: 0, custom: {} } },
      { email: 'anon@example.com', fields: { name: 'Anon', email: 'anon@example.com' } },
    ]);
    expect(frozen.summary).toMatchObject({ total: 2, suppressed: 1 });
  });
});

describe('parts and limits', () => {
  const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `r${from + i}@example.com`);

  it('writes NDJSON parts of partSize, in order, under the run\'s prefix', async () => {
    const f = fixture();
    const frozen = await freezeAudience(f.deps, input([{ kind: 'list', lines: lines(120) }]));
    expect(frozen.partSize).toBe(50);
    expect(frozen.parts).toEqual(['audiences/ws1/c1/r1/part-00001.ndjson', 'audiences/ws1/c1/r1/part-00002.ndjson', 'audiences/ws1/c1/r1/part-00003.ndjson']);
    const texts = frozen.parts.map((key) => f.blobs.text(key));
    expect(texts.map((t) => t.split('\n').filter(Boolean).length)).toEqual([50, 50, 20]);
    expect(texts[0]?.split('\n')[0]).toBe('{"email":"r0@example.com","fields":{"email":"r0@example.com"}}');
    expect((await readAudiencePart(f.blobs, frozen.parts[2] as string)).at(-1)?.email).toBe('r119@example.com');

    const small = await freezeAudience(f.deps, input([{ kind: 'list', lines: lines(7) }], { runId: 'r2', partSize: 3 }));
    expect(small.parts.map((key) => key.slice(-17))).toEqual(['part-00001.ndjson', 'part-00002.ndjson', 'part-00003.ndjson']);
  });

  it('freezes nobody as no parts', async () => {
    const f = fixture();
    const frozen = await freezeAudience(f.deps, input([{ kind: 'list', lines: ['', 'nope'] }]));
    expect(frozen).toEqual({ parts: [], partSize: 50, summary: { total: 0, duplicates: 0, invalid: 1, corrected: 0, suppressed: 0, excluded: 0 } });
    expect(f.blobs.puts).toBe(0);
    await expect(readAudiencePart(f.blobs, 'audiences/ws1/c1/r1/part-00001.ndjson')).rejects.toThrow(/No audience part/);
  });

  it('refuses a test campaign with more than 10 recipients, writing nothing; 10 after the funnel is fine', async () => {
    const f = fixture();
    const error = await refusal(freezeAudience(f.deps, input([{ kind: 'list', lines: lines(11) }], { type: 'test' })));
    expect(error.message).toBe('A test campaign goes to at most 10 recipients; this one has 11');
    expect(f.blobs.puts).toBe(0);

    const ten = await freezeAudience(f.deps, input([{ kind: 'list', lines: [...lines(10), 'r0@example.com', 'bad'] }], { type: 'test' }));
    expect(ten.summary).toMatchObject({ total: 10, duplicates: 1, invalid: 1 });
    expect(ten.parts).toHaveLength(1);
  });

  it('checks its own input', async () => {
    const f = fixture();
    await expect(freezeAudience(f.deps, input([], { partSize: 0 }))).rejects.toBeInstanceOf(ValidationError);
    await expect(freezeAudience(f.deps, input([], { partSize: 2.5 }))).rejects.toBeInstanceOf(ValidationError);
    await expect(freezeAudience(f.deps, input([], { viewer: { ...admin, workspaceId: 'other' } }))).rejects.toThrow(/belongs to workspace other/);
  });

  it('freezes 100,000 typed recipients in a few seconds (figure printed; behaviour asserted)', async () => {
    const f = fixture();
    await f.suppression.add(ws, [{ email: 'r500@example.com', reason: 'complaint', at }]);
    const started = performance.now();
    const frozen = await freezeAudience(f.deps, input([{ kind: 'list', lines: lines(100_000) }]));
    const ms = performance.now() - started;
    console.log(`froze 100,000 list recipients into ${frozen.parts.length} parts in ${ms.toFixed(0)} ms (in-memory ports)`);
    expect(frozen.summary).toMatchObject({ total: 99_999, suppressed: 1 });
    expect(frozen.parts).toHaveLength(2000);
    // Look-ups a batch of 1,000 at a time, not one per recipient.
    expect(f.suppression.calls).toBe(100);
  });
});
