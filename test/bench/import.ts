/**
 * `npm run bench:import`: the import pipeline against a bare CSV parse of the same file.
 *
 * Generates messy contact CSVs (100k and 1M rows by default; BENCH_IMPORT_ROWS=100000,1000000)
 * into a temp folder, streaming, reproducibly (seeded), then measures each stage in its own child
 * process, so every figure of peak memory belongs to that stage and size alone:
 *   (a) papaparse  — Papa.parse of the file stream, rows counted, nothing else (the baseline);
 *   (r) read       — openImport (shared/imports/read): encoding/delimiter detection, split, map;
 *   (b) pipeline   — openImport + cleanRow + within-file dedupe by e-mail (what an import does
 *                    before writing).
 * Prints rows/s, the ratio (b)/(a), peak RSS and peak heap per size (flat = streaming works).
 * Then (c) end to end into the sandbox store: a fresh sandbox, the API's presigned upload, the
 * upload trigger's preview, POST start, the queue and the worker writing every contact into
 * dynalite (BENCH_IMPORT_E2E_ROWS, default 20000; 0 skips it), timed from start to completed.
 * Figures, never pass/fail.
 */
import { fork } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { cleanRow, createDeduper, type CleanOptions } from '../../shared/imports/clean';
import { openImport } from '../../shared/imports/read';
import { writeFixture } from './import-fixture';

const stages = ['papaparse', 'read', 'pipeline'] as const;
type Stage = (typeof stages)[number];

interface StageResult {
  readonly stage: Stage;
  readonly rows: number;
  readonly seconds: number;
  readonly peakRss: number;
  readonly peakHeap: number;
  readonly counts?: Record<string, number>;
  readonly dedupeBytes?: number;
}

/** Options a marketer might set: TW numbers, a keyword filter on name and company. */
const cleanOptions: CleanOptions = { region: 'TW', filters: [{ keywords: ['測試'], fields: ['name', 'company'] }] };

async function runStage(stage: Stage, file: string): Promise<StageResult> {
  let peakHeap = 0;
  const sample = () => {
    const heap = process.memoryUsage().heapUsed;
    if (heap > peakHeap) peakHeap = heap;
  };
  const timer = setInterval(sample, 20);
  const started = performance.now();
  let rows = 0;
  let counts: Record<string, number> | undefined;
  let dedupeBytes: number | undefined;
  if (stage === 'papaparse') {
    await new Promise<void>((resolve, reject) => {
      Papa.parse<string[]>(createReadStream(file, { encoding: 'utf8' }), {
        chunk: (results) => {
          rows += results.data.length;
        },
        complete: () => resolve(),
        error: reject,
      });
    });
    rows -= 1; // the header
  } else {
    const opened = await openImport(createReadStream(file));
    const dedupe = createDeduper(['email']);
    counts = { ok: 0, rejected: 0, filtered: 0, duplicate: 0, unreadable: 0, emailCorrected: 0, changes: 0 };
    for await (const item of opened.rows) {
      rows += 1;
      if ((rows & 0x3fff) === 0) sample();
      if (stage === 'read') continue;
      if (item.kind === 'reject') {
        counts.unreadable! += 1;
        continue;
      }
      const cleaned = cleanRow(item.fields, cleanOptions);
      counts.changes! += cleaned.changes.length;
      if (cleaned.changes.some((change) => change.rule.startsWith('email.'))) counts.emailCorrected! += 1;
      if (cleaned.outcome !== 'ok') {
        counts[cleaned.outcome]! += 1;
      } else if (dedupe.check(cleaned.fields, item.rowNumber).duplicateOf !== undefined) {
        counts.duplicate! += 1;
      } else {
        counts.ok! += 1;
      }
    }
    if (stage === 'read') counts = undefined;
    else dedupeBytes = dedupe.bytes;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  return { stage, rows, seconds, peakRss: process.resourceUsage().maxRSS * 1024, peakHeap, counts, dedupeBytes };
}

function inChild(stage: Stage, file: string): Promise<StageResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--stage', stage, file], { execArgv: process.execArgv });
    let result: StageResult | undefined;
    child.on('message', (message) => (result = message as StageResult));
    child.on('error', reject);
    child.on('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`${stage} on ${file} exited ${code}`))));
  });
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;
const rate = (r: StageResult) => Math.round(r.rows / r.seconds);
const thousands = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_IMPORT_ROWS ?? '100000,1000000').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1000)) {
    console.error(`BENCH_IMPORT_ROWS must be whole numbers ≥ 1000, comma-separated, not "${process.env.BENCH_IMPORT_ROWS}"`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'pigeon-bench-import-'));
  const all: { size: number; results: Record<Stage, StageResult> }[] = [];
  try {
    for (const size of sizes) {
      const file = join(dir, `contacts-${size}.csv`);
      const t0 = performance.now();
      const bytes = await writeFixture(file, size);
      console.log(`\n${thousands(size)} rows: ${mib(bytes)} CSV generated in ${((performance.now() - t0) / 1000).toFixed(1)} s (${file})`);
      const results = {} as Record<Stage, StageResult>;
      for (const stage of stages) {
        const r = await inChild(stage, file);
        results[stage] = r;
        console.log(
          `  ${stage.padEnd(10)} ${thousands(r.rows).padStart(10)} rows  ${r.seconds.toFixed(2).padStart(6)} s  ${thousands(rate(r)).padStart(9)} rows/s` +
            `  peak RSS ${mib(r.peakRss).padStart(8)}  peak heap ${mib(r.peakHeap).padStart(8)}`,
        );
        if (r.counts) console.log(`             outcomes ${JSON.stringify(r.counts)}; dedupe table ${mib(r.dedupeBytes ?? 0)}`);
      }
      const { papaparse, pipeline } = results;
      console.log(`  ratio (b)/(a): parse + clean + dedupe runs at ${(rate(pipeline) / rate(papaparse)).toFixed(2)}× the rows/s of a bare papaparse parse`);
      all.push({ size, results });
    }
    // (c) end to end: upload through the API's presigned URL, the upload trigger, the queue, the
    // worker writing every contact into dynalite, the report; one size, as it takes longest.
    const e2eRows = Number(process.env.BENCH_IMPORT_E2E_ROWS ?? '20000');
    if (e2eRows > 0) {
      const file = join(dir, `contacts-e2e-${e2eRows}.csv`);
      await writeFixture(file, e2eRows);
      const r = await inChildE2e(file);
      console.log(
        `\nEnd to end into the sandbox store (${thousands(e2eRows)} rows, presigned upload → preview → worker → dynalite, policy skip):` +
          `\n  ${r.seconds.toFixed(1)} s  ${thousands(Math.round(r.rows / r.seconds))} rows/s  peak RSS ${mib(r.peakRss)}` +
          `\n  outcomes ${JSON.stringify(r.counts)}` +
          `\n  baseline: bare conditional PutItems into the same store ${thousands(Math.round(r.storePutsPerSecond))}/s; a new contact takes two` +
          ` (e-mail claim + contact), so the store's ceiling is ${thousands(Math.round(r.storePutsPerSecond / 2))} rows/s;` +
          ` the import reaches ${((r.rows / r.seconds / (r.storePutsPerSecond / 2)) * 100).toFixed(0)}% of it`,
      );
    }
    if (all.length > 1) {
      const first = all[0]!;
      const last = all[all.length - 1]!;
      console.log(`\nMemory, ${thousands(first.size)} → ${thousands(last.size)} rows (peak RSS / peak heap):`);
      for (const stage of stages) {
        const a = first.results[stage];
        const b = last.results[stage];
        console.log(`  ${stage.padEnd(10)} ${mib(a.peakRss)} → ${mib(b.peakRss)}   ${mib(a.peakHeap)} → ${mib(b.peakHeap)}`);
      }
      console.log('  (the pipeline keeps 12 bytes per dedupe slot on top: 24 MiB of slots for a million keys.)');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface E2eResult {
  readonly rows: number;
  readonly seconds: number;
  readonly peakRss: number;
  readonly counts: Record<string, number>;
  /** The baseline: bare conditional PutItems a second into the same store, 16 at a time. */
  readonly storePutsPerSecond: number;
}

/** Conditional PutItems of contact-sized items, 16 in flight (the worker's write concurrency). */
async function barePuts(table: string): Promise<number> {
  const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
  const { documentClientFromEnv } = await import('../../shared/adapters/aws/contact-store.dynamodb');
  const db = documentClientFromEnv();
  const total = 5000;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < total; i = next++) {
        const item = { pk: 'WS#bench-baseline', sk: `CONTACT#${String(i).padStart(8, '0')}`, email: `row${i}@example.com`, name: `名字 ${i}`, mobile: '+886912345678', city: '台北', custom: { tier: 'gold' } };
        await db.send(new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

function inChildE2e(file: string): Promise<E2eResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--e2e', file], { execArgv: process.execArgv });
    let result: E2eResult | undefined;
    child.on('message', (message) => (result = message as E2eResult));
    child.on('error', reject);
    child.on('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`e2e on ${file} exited ${code}`))));
  });
}

/** One import through a fresh sandbox, timed from POST start to status completed. */
async function runE2e(file: string): Promise<E2eResult> {
  const { startSandbox } = await import('../../infra/local/sandbox');
  const { readFileSync } = await import('node:fs');
  const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-bench-e2e-'));
  const sandbox = await startSandbox({ dataDir, seed: true, quiet: true, console: false });
  try {
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await fetch(`${sandbox.apiUrl}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await response.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const { idToken } = await call('POST', '/auth/sign-in', '', { email: sandbox.demo?.adminEmail, password: sandbox.demo?.adminPassword });
    const bytes = readFileSync(file);
    const created = await call('POST', '/imports', idToken, { fileName: 'bench.csv', fileSize: bytes.length });
    await fetch(created.upload.url, { method: 'PUT', body: bytes });
    const wait = async (statuses: string[]) => {
      for (;;) {
        const job = await call('GET', `/imports/${created.id}`, idToken);
        if (statuses.includes(job.status)) return job;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await wait(['ready', 'failed']);
    const t0 = performance.now();
    await call('POST', `/imports/${created.id}/start`, idToken, { policy: 'skip' });
    const done = await wait(['completed', 'failed']);
    const seconds = (performance.now() - t0) / 1000;
    if (done.status !== 'completed') throw new Error(`import failed: ${JSON.stringify(done.error)}`);
    const peakRss = process.resourceUsage().maxRSS * 1024;
    return { rows: done.progress.rowsRead, seconds, peakRss, counts: done.progress, storePutsPerSecond: await barePuts(sandbox.env.TABLE_CONTACTS as string) };
  } finally {
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const e2eAt = process.argv.indexOf('--e2e');
if (e2eAt >= 0) {
  const result = await runE2e(process.argv[e2eAt + 1]!);
  process.send!(result, () => process.exit(0));
}

const stageAt = process.argv.indexOf('--stage');
if (stageAt >= 0) {
  const result = await runStage(process.argv[stageAt + 1] as Stage, process.argv[stageAt + 2]!);
  process.send!(result, () => process.exit(0));
} else if (e2eAt < 0) {
  await main();
}
