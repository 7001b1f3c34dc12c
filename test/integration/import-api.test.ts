/**
 * Imports end to end through the real sandbox: presigned upload to s3rver with fetch → s3rver's
 * event → import-upload (preview) → POST start → importJobs queue → import-worker → contacts in
 * dynalite → report CSV through a presigned GET. Plus duplicate policies, compare mode, XLSX,
 * multipart upload, bad files, and retries (forced continuations, a crash, a failed attempt).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../infra/local/sandbox';
import type { Contact } from '../../shared/contacts/contact';

let sandbox: Sandbox;
let token: string;
const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-import-'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

async function api(method: string, path: string, body?: unknown, bearer = token): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Json) : {} };
}

async function waitFor(id: string, statuses: string[], timeoutMs = 60_000, bearer = token): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await api('GET', `/imports/${id}`, undefined, bearer);
    if (statuses.includes(json.status as string)) return json;
    if (Date.now() > deadline) throw new Error(`import ${id} stuck in ${String(json.status)}: ${JSON.stringify(json.error ?? json.progress)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates an import and uploads the bytes with the presigned PUT, as a browser would. */
async function upload(fileName: string, bytes: Uint8Array, bearer = token): Promise<string> {
  const created = await api('POST', '/imports', { fileName, fileSize: Math.max(1, bytes.length) }, bearer);
  expect(created.status).toBe(201);
  const put = await fetch(created.json.upload.url as string, { method: 'PUT', headers: created.json.upload.headers as Record<string, string>, body: Buffer.from(bytes) });
  expect(put.status).toBe(200);
  return created.json.id as string;
}

async function runImport(fileName: string, bytes: Uint8Array, options: Json, bearer = token): Promise<Json> {
  const id = await upload(fileName, bytes, bearer);
  const ready = await waitFor(id, ['ready', 'failed'], 60_000, bearer);
  expect(ready.status, JSON.stringify(ready.error)).toBe('ready');
  const started = await api('POST', `/imports/${id}/start`, options, bearer);
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  return waitFor(id, ['completed', 'failed'], 60_000, bearer);
}

/** A user of a new department, signed in: its ID token and department id. */
async function departmentOperator(name: string): Promise<{ token: string; departmentId: string }> {
  const department = await api('POST', '/departments', { name });
  expect(department.status).toBe(201);
  const email = `${name.toLowerCase()}-op@pigeon.test`;
  const password = 'Correct-Horse-42';
  const user = await api('POST', '/users', { email, name: `${name} operator`, role: 'operator', password, departmentId: department.json.id });
  expect(user.status, JSON.stringify(user.json)).toBe(201);
  const signIn = await fetch(`${sandbox.apiUrl}/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return { token: ((await signIn.json()) as { idToken: string }).idToken, departmentId: department.json.id as string };
}

async function report(id: string, bearer = token): Promise<{ bytes: Buffer; text: string }> {
  const link = await api('GET', `/imports/${id}/report`, undefined, bearer);
  expect(link.status).toBe(200);
  const response = await fetch(link.json.url as string);
  expect(response.status).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { bytes, text: bytes.toString('utf8') };
}

async function contactByEmail(email: string): Promise<Contact | undefined> {
  const { json } = await api('GET', `/contacts?q=${encodeURIComponent(email)}`);
  return (json.items as Contact[]).find((c) => c.email === email);
}

/** Every contact whose e-mail ends with the domain, straight from the store (counts duplicates too). */
async function contactsOf(domain: string): Promise<Contact[]> {
  const { DynamoContactStore, documentClientFromEnv } = await import('../../shared/adapters/aws/contact-store.dynamodb');
  const store = new DynamoContactStore({ client: documentClientFromEnv(), tableName: sandbox.env.TABLE_CONTACTS as string });
  const out: Contact[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scan(sandbox.demo?.workspaceId as string, { limit: 500, ...(cursor ? { cursor } : {}) });
    out.push(...page.items.filter((c) => c.email?.endsWith(`@${domain}`)));
    cursor = page.cursor;
  } while (cursor);
  return out;
}

let groupId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir, seed: true, quiet: true, console: false });
  const signIn = await fetch(`${sandbox.apiUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: sandbox.demo?.adminEmail, password: sandbox.demo?.adminPassword }),
  });
  token = ((await signIn.json()) as { idToken: string }).idToken;
  const field = await api('POST', '/fields', { name: 'tier', label: { 'zh-TW': '會員等級', en: 'Tier' }, type: 'single_choice', validation: { options: ['gold', 'silver'] } });
  expect(field.status).toBe(201);
  const group = await api('POST', '/groups', { name: 'Imported 匯入' });
  expect(group.status).toBe(201);
  groupId = group.json.id as string;
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const big5Csv = [
  '姓名,電子郵件,手機,會員等級,城市',
  '王小明,ｗａｎｇ＠ｇｍａｉｌ．ｃｏｍ,0912-345-678,gold,台北',
  '李美麗,lee@gmial.com,,silver,',
  '壞資料,not-an-email,,,',
  '陳大文,chen@example.com,,gold,台中',
  '陳大文二號,CHEN@example.com,,,',
  '新名字,existing@example.com,,,高雄',
  '錯等級,tier@example.com,,platinum,',
].join('\r\n');

describe('imports through the sandbox', () => {
  let firstId: string;

  it('imports a messy Big5 CSV: preview, corrections, rejects, in-file duplicates, policy update, report', async () => {
    const existing = await api('POST', '/contacts', { email: 'existing@example.com', name: 'Old Name' });
    expect(existing.status).toBe(201);

    const id = await upload('客戶名單.csv', iconv.encode(big5Csv, 'big5'));
    firstId = id;
    const ready = await waitFor(id, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    expect(ready.preview.detected).toMatchObject({ format: 'csv', encoding: 'big5', delimiter: ',' });
    expect(ready.preview.mapping).toMatchObject({ 姓名: 'name', 電子郵件: 'email', 手機: 'mobile', 會員等級: 'custom.tier', 城市: 'city' });
    expect(ready.preview.fields).toContain('custom.tier');
    expect(ready.preview.sample[0]).toMatchObject({ rowNumber: 2, outcome: 'ok' });
    expect(ready.preview.sample[2]).toMatchObject({ rowNumber: 4, outcome: 'rejected' });

    expect((await api('POST', `/imports/${id}/start`, { policy: 'update', groupIds: ['nope'] })).status).toBe(400);
    const started = await api('POST', `/imports/${id}/start`, { policy: 'update', groupIds: [groupId] });
    expect(started).toEqual({ status: 202, json: { status: 'queued' } });
    expect((await api('POST', `/imports/${id}/start`, {})).status).toBe(409);

    const done = await waitFor(id, ['completed', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(done.progress).toMatchObject({ rowsRead: 7, created: 3, updated: 1, skipped: 0, rejected: 2, duplicatesInFile: 1, filtered: 0 });
    expect(done.progress.corrected).toBeGreaterThanOrEqual(2);
    expect(done.reportAvailable).toBe(true);

    const wang = await contactByEmail('wang@gmail.com');
    expect(wang).toMatchObject({ name: '王小明', mobile: '+886912345678', city: '台北', custom: { tier: 'gold' }, groups: [groupId] });
    expect(await contactByEmail('lee@gmail.com')).toMatchObject({ name: '李美麗', custom: { tier: 'silver' } });
    expect(await contactByEmail('existing@example.com')).toMatchObject({ id: existing.json.id, name: '新名字', city: '高雄', groups: [groupId] });
    expect(await contactByEmail('tier@example.com')).toBeUndefined();

    const { bytes, text } = await report(id);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = text.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('row,outcome,field,original,corrected,reason');
    expect(lines).toContain('3,corrected,email,lee@gmial.com,lee@gmail.com,email.domain-typo');
    expect(lines.some((l) => l.startsWith('4,rejected,email,not-an-email,'))).toBe(true);
    expect(lines.some((l) => l.startsWith('6,duplicate,email,,,Same email as row 5'))).toBe(true);
    expect(lines.some((l) => l.startsWith('8,rejected,custom.tier,'))).toBe(true);

    const list = await api('GET', '/imports?limit=5');
    expect(list.json.items[0]).toMatchObject({ id, status: 'completed' });
  }, 90_000);

  it('a second run with skip changes nothing; updateEmpty fills only empty fields', async () => {
    const existing = (await contactByEmail('existing@example.com')) as Contact;
    expect((await api('PATCH', `/contacts/${existing.id}`, { name: 'Manual', city: null })).status).toBe(200);

    const skipped = await runImport('again.csv', iconv.encode(big5Csv, 'big5'), { policy: 'skip' });
    expect(skipped.progress).toMatchObject({ created: 0, updated: 0, skipped: 4, rejected: 2, duplicatesInFile: 1 });
    expect(await contactByEmail('existing@example.com')).toMatchObject({ name: 'Manual' });
    expect((await contactByEmail('existing@example.com'))?.city).toBeUndefined();

    const filled = await runImport('again.csv', iconv.encode(big5Csv, 'big5'), { policy: 'updateEmpty' });
    expect(filled.progress).toMatchObject({ created: 0, updated: 4, skipped: 0 });
    expect(await contactByEmail('existing@example.com')).toMatchObject({ name: 'Manual', city: '高雄' });
    expect(await contactByEmail('wang@gmail.com')).toMatchObject({ name: '王小明', custom: { tier: 'gold' } });
  }, 90_000);

  it('compare mode counts new, present and different rows, lists them, and writes nothing', async () => {
    const before = (await contactsOf('gmail.com')).length + (await contactsOf('example.com')).length;
    const csv = ['name,email,city', '王小明,wang@gmail.com,台北', '李美麗,lee@gmail.com,新竹', '新朋友,new-friend@example.com,'].join('\n');
    const done = await runImport('compare.csv', Buffer.from(csv), { mode: 'compare' });
    expect(done.status).toBe('completed');
    expect(done.mode).toBe('compare');
    expect(done.progress).toMatchObject({ new: 1, present: 1, different: 1, created: 0, updated: 0 });
    expect((await contactsOf('gmail.com')).length + (await contactsOf('example.com')).length).toBe(before);
    const { text } = await report(done.id as string);
    expect(text).toContain('2,present,');
    expect(text).toContain('3,different,city,,新竹,');
    expect(text).toContain('4,new,');
  }, 60_000);

  it('imports an XLSX workbook', async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('名單');
    sheet.addRow(['Name', 'E-mail', 'Mobile', 'Tier']);
    sheet.addRow(['Amy Lin', 'amy@xlsx.example', '0987654321', 'Gold']);
    sheet.addRow(['Bob', 'bob@xlsx,example', '', '']);
    sheet.addRow(['Carol', 'carol@xlsx.example', 'abc', '']);
    const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
    const done = await runImport('list.xlsx', bytes, { policy: 'skip' });
    expect(done.status).toBe('completed');
    expect(done.preview.detected.format).toBe('xlsx');
    expect(done.progress).toMatchObject({ rowsRead: 3, created: 3, rejected: 0 });
    expect(await contactByEmail('amy@xlsx.example')).toMatchObject({ name: 'Amy Lin', mobile: '+886987654321', custom: { tier: 'gold' } });
    expect(await contactByEmail('bob@xlsx.example')).toMatchObject({ name: 'Bob' });
  }, 60_000);

  it('takes a large file in parts (multipart upload with presigned part URLs, then complete)', async () => {
    const rows = ['email,name,notes'];
    const padding = 'x'.repeat(1900);
    for (let i = 0; i < 4600; i++) rows.push(`part${i}@multipart.example,Part ${i},${padding}`);
    const bytes = Buffer.from(rows.join('\n'));
    // Over 100 MiB as declared, so the API answers with parts; we send the two this file needs.
    const created = await api('POST', '/imports', { fileName: 'big.csv', fileSize: 101 * 1024 * 1024 });
    expect(created.status).toBe(201);
    expect(created.json.upload).toBeUndefined();
    const { partSize, parts } = created.json.multipart as { partSize: number; parts: { partNumber: number; url: string }[] };
    expect(partSize).toBe(8 * 1024 * 1024);
    expect(parts).toHaveLength(13);
    const etags: { partNumber: number; etag: string }[] = [];
    for (const part of parts.slice(0, 2)) {
      const body = bytes.subarray((part.partNumber - 1) * partSize, part.partNumber * partSize);
      const put = await fetch(part.url, { method: 'PUT', body });
      expect(put.status).toBe(200);
      etags.push({ partNumber: part.partNumber, etag: put.headers.get('etag') as string });
    }
    expect((await api('POST', `/imports/${created.json.id}/complete`, { parts: [] })).status).toBe(400);
    const completed = await api('POST', `/imports/${created.json.id}/complete`, { parts: etags });
    expect(completed.status).toBe(202);
    const ready = await waitFor(created.json.id as string, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    expect(ready.preview.header).toEqual(['email', 'name', 'notes']);
    expect(ready.preview.sample).toHaveLength(10);
  }, 60_000);

  it('ends unreadable files in a clear failed status', async () => {
    const junk = new Uint8Array(4096).map((_, i) => (i * 37) % 256);
    const failed = await waitFor(await upload('junk.csv', junk), ['ready', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.error.detail).toMatch(/not a text\/CSV file/);
    const empty = await waitFor(await upload('empty.csv', new Uint8Array()), ['ready', 'failed']);
    expect(empty).toMatchObject({ status: 'failed', error: { detail: 'The file is empty.' } });
    const single = await upload('single.csv', Buffer.from('email\na@b.tw\n'));
    expect((await api('POST', `/imports/${single}/complete`, { parts: [{ partNumber: 1, etag: '"x"' }] })).status).toBe(400);
    const gz = await waitFor(await upload('list.csv', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0])), ['ready', 'failed']);
    expect(gz.error.detail).toMatch(/compressed/);
    expect((await api('POST', `/imports/${gz.id}/start`, {})).status).toBe(409);
    // A header-only file is readable: it imports nothing, and says so.
    const headerOnly = await runImport('header.csv', Buffer.from('email,name\n'), {});
    expect(headerOnly.progress).toMatchObject({ rowsRead: 0, created: 0 });
  }, 60_000);

  it('continues in many invocations (tiny time budget, duplicate messages) without doubling or losing rows', async () => {
    const rows = ['email,name,mobile'];
    for (let i = 0; i < 230; i++) rows.push(`Person${i}@Retry.example ,Retry ${i},${i % 10 === 0 ? 'bad' : `09${String(10_000_000 + i)}`}`);
    Object.assign(process.env, { IMPORT_TIME_BUDGET_MS: '1', IMPORT_CHUNK_ROWS: '20', IMPORT_CHECKPOINT_ROWS: '40' });
    try {
      const id = await upload('retry.csv', Buffer.from(rows.join('\n')));
      await waitFor(id, ['ready']);
      expect((await api('POST', `/imports/${id}/start`, { policy: 'skip' })).status).toBe(202);
      // At-least-once delivery: the same message again, twice.
      const { SqsQueue } = await import('../../shared/adapters/aws/queue.sqs');
      const queue = new SqsQueue(sandbox.env.QUEUE_IMPORT_JOBS_URL as string);
      await queue.send({ body: { workspaceId: sandbox.demo?.workspaceId, importId: id } });
      await queue.send({ body: { workspaceId: sandbox.demo?.workspaceId, importId: id } });
      const done = await waitFor(id, ['completed', 'failed']);
      expect(done.status).toBe('completed');
      expect(done.progress).toMatchObject({ rowsRead: 230, created: 230, rejected: 0, duplicatesInFile: 0 });
      const stored = await contactsOf('retry.example');
      expect(stored).toHaveLength(230);
      expect(new Set(stored.map((c) => c.email)).size).toBe(230);
      const { text } = await report(id);
      // 23 bad mobiles dropped, each reported once; every e-mail lower-cased and trimmed silently.
      expect(text.split('\r\n').filter((l) => /,corrected,mobile,bad,,mobile\.invalid-dropped$/.test(l))).toHaveLength(23);
    } finally {
      delete process.env.IMPORT_TIME_BUDGET_MS;
      delete process.env.IMPORT_CHUNK_ROWS;
      delete process.env.IMPORT_CHECKPOINT_ROWS;
    }
  }, 90_000);

  it('recovers from a crash mid-chunk and from a failed attempt: every row exactly once', async () => {
    const { DynamoContactStore, documentClientFromEnv } = await import('../../shared/adapters/aws/contact-store.dynamodb');
    const { definitionStoreFromEnv } = await import('../../shared/adapters/aws/definition-store.dynamodb');
    const { importFilesFromEnv } = await import('../../shared/adapters/aws/import-files.s3');
    const { jobStoreFromEnv } = await import('../../shared/adapters/aws/job-store.dynamodb');
    const { SqsQueue } = await import('../../shared/adapters/aws/queue.sqs');
    const { processImport, handleImportMessage, defaultWorkerSettings } = await import('../../shared/imports/job/worker');
    const { systemClock } = await import('../../shared/ports/clock');
    const ws = sandbox.demo?.workspaceId as string;

    const rows = ['email,name'];
    for (let i = 0; i < 300; i++) rows.push(`p${i}@crash.example,Crash ${i}`);
    const id = await upload('crash.csv', Buffer.from(rows.join('\n')));
    await waitFor(id, ['ready']);
    const jobs = jobStoreFromEnv();
    // Queued as POST start would, but without a message: the first attempts are ours.
    await jobs.update(ws, id, { status: 'queued', options: { mode: 'import', keys: ['email'], policy: 'skip', defaultRegion: 'TW', groupIds: [], subscribe: [] } }, { statusIn: ['ready'] });

    const real = new DynamoContactStore({ client: documentClientFromEnv(), tableName: sandbox.env.TABLE_CONTACTS as string });
    /** The real store, failing after `n` creates (half-way through a chunk). */
    const failingAfter = (n: number) => {
      let creates = 0;
      return Object.assign(Object.create(real) as typeof real, {
        createIfAbsent: async (w: string, c: Contact) => {
          if (++creates > n) throw new Error('simulated crash');
          return real.createIfAbsent(w, c);
        },
      });
    };
    const queue = new SqsQueue(sandbox.env.QUEUE_IMPORT_JOBS_URL as string);
    const deps = { jobs, files: importFilesFromEnv(), definitions: definitionStoreFromEnv(), queue, clock: systemClock };
    const settings = { ...defaultWorkerSettings, checkpointRows: 50, chunkRows: 25, reserveMs: 0, leaseMarginMs: 0, retryDelaySeconds: 0 };

    // 1. A crash: the error escapes, the lease stays until it expires, more than 100 contacts are
    //    written but only 100 rows are checkpointed.
    await expect(processImport({ ...deps, contacts: failingAfter(110) }, { workspaceId: ws, importId: id }, { owner: 'crashing', remainingMs: () => 60_000 }, settings)).rejects.toThrow('simulated crash');
    let job = await jobs.get(ws, id);
    expect(job).toMatchObject({ status: 'running', checkpoint: { row: 101 }, progress: { created: 100 } });
    await new Promise((r) => setTimeout(r, 300)); // writes in flight when the crash hit land too
    expect((await contactsOf('crash.example')).length).toBeGreaterThan(100);
    // While the lease holds, another attempt leaves the import alone.
    expect(await processImport({ ...deps, contacts: real }, { workspaceId: ws, importId: id }, { owner: 'early', remainingMs: () => 60_000 }, settings)).toBe('busy');

    // 2. Two minutes later (the crashed lease expired): a failed attempt is caught, the lease
    //    released and the import re-queued; the sandbox's worker finishes it.
    const later = { now: () => new Date(Date.now() + 120_000) };
    const outcome = await handleImportMessage({ ...deps, clock: later, contacts: failingAfter(60) }, { workspaceId: ws, importId: id }, { owner: 'failing', remainingMs: () => 60_000 }, settings);
    expect(outcome).toBe('retrying');
    const done = await waitFor(id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.progress).toMatchObject({ rowsRead: 300, created: 300, skipped: 0, rejected: 0 });
    const stored = await contactsOf('crash.example');
    expect(stored).toHaveLength(300);
    expect(new Set(stored.map((c) => c.email)).size).toBe(300);
    job = await jobs.get(ws, id);
    expect(job?.lease).toBeUndefined();
  }, 90_000);

  it('imports with the importer\'s rights: another department\'s contact is rejected, not changed, and stays hidden', async () => {
    const sales = await departmentOperator('Sales');
    const support = await departmentOperator('Support');
    const theirs = await api('POST', '/contacts', { email: 'theirs@dept.test', name: 'Support keeps me' }, support.token);
    expect(theirs.status).toBe(201);
    const readOnly = await api('POST', '/groups', { name: 'Support read-only' }, token);
    expect((await api('PUT', `/groups/${readOnly.json.id}/sharing`, { sharedWith: [{ kind: 'department', id: sales.departmentId, access: 'read' }] })).status).toBe(200);

    const csv = ['email,name', 'theirs@dept.test,Sales was here', 'ours@dept.test,Sales new'].join('\n');
    const id = await upload('dept.csv', Buffer.from(csv), sales.token);
    await waitFor(id, ['ready'], 60_000, sales.token);
    const refused = await api('POST', `/imports/${id}/start`, { policy: 'update', groupIds: [readOnly.json.id] }, sales.token);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain('read-only');
    expect((await api('POST', `/imports/${id}/start`, { policy: 'update' }, sales.token)).status).toBe(202);
    const done = await waitFor(id, ['completed', 'failed'], 60_000, sales.token);
    expect(done.progress).toMatchObject({ created: 1, updated: 0, rejected: 1 });

    expect((await api('GET', `/contacts/${theirs.json.id}`)).json).toMatchObject({ name: 'Support keeps me', departmentId: support.departmentId });
    expect(await contactByEmail('ours@dept.test')).toMatchObject({ name: 'Sales new', departmentId: sales.departmentId });
    const { text } = await report(id, sales.token);
    expect(text).toContain('\r\n2,rejected,email,theirs@dept.test,,"Matches a contact of another department, which you may not change (contact.forbidden)"\r\n');
    expect(text).not.toContain(theirs.json.id as string);
  }, 90_000);

  it('keeps the first import listed and its report downloadable', async () => {
    expect((await api('GET', `/imports/${firstId}`)).json.status).toBe('completed');
    expect((await api('GET', '/imports/01ARZ3NDEKTSV4RRFFQ69G5FAV/report')).status).toBe(404);
  });
});
