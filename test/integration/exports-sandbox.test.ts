/**
 * Exports end to end through the sandbox: POST /exports → exportJobs queue → export worker →
 * files in the reports bucket (s3rver, multipart or single put) → GET /exports/{id} presigned
 * links → downloaded with fetch. CSV split by maxRowsPerFile (BOM, quoting, custom-field column,
 * formula guard), XLSX read back with exceljs, only what the creator may read, a redelivered
 * message writing nothing twice, and a run that runs out of time continuing in a new one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../infra/local/sandbox';
import { s3BlobStore } from '../../shared/adapters/aws/blob-store.s3';
import { S3ExportFiles } from '../../shared/adapters/aws/export-files.s3';
import { bucketName } from '../../shared/config';
import { contactScannerFromEnv } from '../../shared/adapters/aws/contact-scanner.dynamodb';
import { segmentStoreFromEnv } from '../../shared/adapters/aws/segment-store.dynamodb';
import { contactDepsFromEnv } from '../../shared/contacts/operations';
import { createExport } from '../../shared/exports/exports';
import { exportDepsFromEnv } from '../../shared/exports/operations';
import { runExport, type RunDeps } from '../../shared/exports/run-export';

const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-exports-'));
let sandbox: Sandbox;
let admin: string;
let operatorA: string;
let workspaceId: string;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: string, path: string, token: string | undefined, body?: unknown) {
  const response = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
}

async function signIn(email: string, password: string): Promise<string> {
  const result = await call('POST', '/auth/sign-in', undefined, { email, password });
  expect(result.status).toBe(200);
  return result.body.idToken as string;
}

/** Polls the export until it is finished (the sandbox's queue runner drives the worker). */
async function finished(id: string, token = admin): Promise<Json> {
  for (let i = 0; i < 300; i++) {
    const result = await call('GET', `/exports/${id}`, token);
    expect(result.status).toBe(200);
    if (result.body.status === 'completed' || result.body.status === 'failed') return result.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`export ${id} did not finish`);
}

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/** CSV text → rows (enough of RFC 4180 for these files: quoted cells with "" and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endCell();
    else if (ch === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else cell += ch;
  }
  return rows;
}

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir, seed: true, quiet: true, console: false });
  workspaceId = sandbox.demo?.workspaceId as string;
  admin = await signIn('admin@pigeon.local', 'pigeon-demo');
  const deptA = await call('POST', '/departments', admin, { name: 'Export A' });
  const deptB = await call('POST', '/departments', admin, { name: 'Export B' });
  expect(deptA.status).toBe(201);
  const created = await call('POST', '/users', admin, { email: 'op-a@exports.example', name: 'Operator A', role: 'operator', password: 'export-password-1', departmentId: deptA.body.id });
  expect(created.status).toBe(201);
  operatorA = await signIn('op-a@exports.example', 'export-password-1');

  expect((await call('POST', '/fields', admin, { name: 'level', label: { 'zh-TW': '等級', en: 'Level' }, type: 'single_choice', validation: { options: ['gold', 'silver'] } })).status).toBe(201);
  const contacts = [
    { email: 'gold1@exports.example', name: 'Chen, "Amy"', custom: { level: 'gold' }, tags: ['x'], departmentId: deptA.body.id },
    { email: 'gold2@exports.example', name: '=HYPERLINK("http://evil.example","click")', custom: { level: 'gold' }, departmentId: deptA.body.id },
    { email: 'gold3@exports.example', name: '王小明\n二行', custom: { level: 'gold' }, departmentId: deptA.body.id },
    { email: 'silver@exports.example', name: 'Silver', custom: { level: 'silver' }, departmentId: deptA.body.id },
    // Department B's: operator A (department A) may not read it.
    { email: 'gold-b@exports.example', name: 'Hidden', custom: { level: 'gold' }, departmentId: deptB.body.id },
  ];
  for (const contact of contacts) expect((await call('POST', '/contacts', admin, contact)).status).toBe(201);
}, 300_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const goldRules = { match: 'all', conditions: [{ field: 'custom.level', op: 'eq', value: 'gold' }, { field: 'email', op: 'contains', value: '@exports.example' }] };

describe('exports through the sandbox', () => {
  it('writes a CSV split into files of at most maxRowsPerFile rows, readable by the creator only', async () => {
    const queued = await call('POST', '/exports', operatorA, { format: 'csv', rules: goldRules, fields: ['email', 'name', 'custom.level'], maxRowsPerFile: 2 });
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({ id: expect.any(String), status: 'queued' });
    const done = await finished(queued.body.id, operatorA);
    expect(done).toMatchObject({ status: 'completed', format: 'csv', rowsWritten: 3 });
    expect(done.files.map((f: Json) => [f.name, f.rows])).toEqual([
      ['contacts-001.csv', 2],
      ['contacts-002.csv', 1],
    ]);

    const rows: string[][] = [];
    for (const file of done.files as Json[]) {
      const bytes = await download(file.url as string);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const parsed = parseCsv(bytes.subarray(3).toString('utf8'));
      expect(parsed[0]).toEqual(['email', 'name', 'custom.level 等級']);
      rows.push(...parsed.slice(1));
    }
    expect(rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['gold1@exports.example', 'Chen, "Amy"', 'gold'],
      ['gold2@exports.example', '\'=HYPERLINK("http://evil.example","click")', 'gold'],
      ['gold3@exports.example', '王小明\n二行', 'gold'],
    ]);

    // Someone else's export does not exist for them; the list shows one's own, without links.
    expect((await call('GET', `/exports/${queued.body.id}`, admin)).status).toBe(200);
    const listed = await call('GET', '/exports', operatorA);
    expect(listed.body.items.map((e: Json) => e.id)).toEqual([queued.body.id]);
    expect(listed.body.items[0].files[0].url).toBeUndefined();
  });

  it('writes an XLSX of a saved segment that exceljs reads back', async () => {
    const segment = await call('POST', '/segments', admin, { name: 'Gold', rules: goldRules });
    expect(segment.status).toBe(201);
    const queued = await call('POST', '/exports', admin, { format: 'xlsx', segmentId: segment.body.id });
    expect(queued.body, JSON.stringify(queued.body)).toMatchObject({ status: 'queued' });
    const done = await finished(queued.body.id);
    expect(done).toMatchObject({ status: 'completed', rowsWritten: 4, files: [{ name: 'contacts-001.xlsx', rows: 4 }] });
    // It holds a contact operator A may not read: to them the export does not exist.
    expect((await call('GET', `/exports/${queued.body.id}`, operatorA)).status).toBe(404);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.read(Readable.from(await download(done.files[0].url)));
    const sheet = workbook.worksheets[0] as ExcelJS.Worksheet;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 3)).toEqual(['id', 'email', 'mobile']);
    expect(header).toContain('custom.level 等級');
    const emailColumn = header.indexOf('email') + 1;
    const emails = Array.from({ length: sheet.rowCount - 1 }, (_, i) => sheet.getRow(i + 2).getCell(emailColumn).value).sort();
    // The admin reads department B's contact too.
    expect(emails).toEqual(['gold-b@exports.example', 'gold1@exports.example', 'gold2@exports.example', 'gold3@exports.example']);
  });

  it('streams a file larger than one part as a multipart upload', async () => {
    const files = new S3ExportFiles(bucketName('reports'), undefined, 5 * 1024 * 1024);
    const sink = files.openSink(`exports/${workspaceId}/multipart/big.csv`, 'text/csv');
    const chunk = new Uint8Array(1024 * 1024).fill(0x61);
    for (let i = 0; i < 11; i++) await sink.write(chunk);
    await sink.end();
    const stored = await s3BlobStore('reports').get(`exports/${workspaceId}/multipart/big.csv`);
    expect(stored?.byteLength).toBe(11 * 1024 * 1024);
  });

  it('refuses bad requests with the field named', async () => {
    const bad = await call('POST', '/exports', admin, { format: 'csv', rules: { match: 'all', conditions: [{ field: 'custom.level', op: 'eq', value: 'bronze' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'rules.conditions.0.value', message: expect.stringContaining('gold') }]);
    const both = await call('POST', '/exports', admin, { format: 'csv', segmentId: 'x', filters: { status: 'active' } });
    expect(both.status).toBe(400);
    const columns = await call('POST', '/exports', admin, { format: 'pdf' });
    expect(columns.body.errors[0].field).toBe('format');
  });

  it('a redelivered message and a run out of time write every contact once', async () => {
    const queued = await call('POST', '/exports', admin, { format: 'csv', filters: { q: 'gold' }, fields: ['email'], maxRowsPerFile: 3 });
    expect(queued.body, JSON.stringify(queued.body)).toMatchObject({ status: 'queued' });
    const done = await finished(queued.body.id);
    const prefix = `exports/${workspaceId}/${queued.body.id}/`;
    const bucket = s3BlobStore('reports');
    const before = (await bucket.list(prefix)).sort();
    // The same message again, as SQS may deliver it: nothing is rewritten or added.
    const message = { workspaceId, exportId: queued.body.id };
    await sandbox.invoke('exportWorker', {
      Records: [{ messageId: 'again', body: JSON.stringify(message), attributes: { ApproximateReceiveCount: '2' }, eventSource: 'aws:sqs' }],
    });
    expect((await bucket.list(prefix)).sort()).toEqual(before);
    const again = await finished(queued.body.id);
    const summary = (e: Json) => ({ updatedAt: e.updatedAt, rowsWritten: e.rowsWritten, files: e.files.map((f: Json) => [f.name, f.rows]) });
    expect(summary(again)).toEqual(summary(done));

    // A run whose time runs out after its first page: it finishes its file early, checkpoints and
    // queues its continuation, which the sandbox's worker completes.
    const exportDeps = exportDepsFromEnv(contactDepsFromEnv(), segmentStoreFromEnv);
    const me = (await call('GET', '/me', admin)).body;
    const principal = { kind: 'user' as const, id: me.id as string, workspaceId, role: 'admin' as const };
    const unsent = { send: async () => ({ messageId: 'held' }), sendMany: async () => [] };
    // Created without its message, so this test's run is the first.
    const job = await createExport({ ...exportDeps, queue: unsent }, principal, { format: 'csv', filters: { q: 'gold' }, fields: ['email'], maxRowsPerFile: 3 });
    let calls = 0;
    const deps: RunDeps = { ...exportDeps, scanner: contactScannerFromEnv(), pageSize: 2, safetyMs: 1000 };
    const outcome = await runExport(deps, { workspaceId, exportId: job.id }, { remainingMs: () => (calls++ < 2 ? 600_000 : 0), finalAttempt: false });
    expect(outcome).toBe('continued');
    const continued = await finished(job.id);
    expect(continued.status).toBe('completed');
    expect(continued.rowsWritten).toBe(4);
    expect(continued.files.length).toBeGreaterThanOrEqual(2);
    const emails: string[] = [];
    for (const file of continued.files as Json[]) {
      const rows = parseCsv((await download(file.url as string)).subarray(3).toString('utf8')).slice(1);
      expect(rows).toHaveLength(file.rows as number);
      expect(rows.length).toBeLessThanOrEqual(3);
      emails.push(...rows.map((r) => r[0] as string));
    }
    expect(emails.sort()).toEqual(['gold-b@exports.example', 'gold1@exports.example', 'gold2@exports.example', 'gold3@exports.example']);
  });
});
