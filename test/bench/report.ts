/**
 * `npm run bench:report`: the two-stage reports over a lake of 10 million events.
 *
 * A synthetic lake (test/fixtures/synthetic-lake.ts) of BENCH_REPORT_EVENTS events (default
 * 10,000,000) over BENCH_REPORT_RECIPIENTS people (default 100,000): BENCH_REPORT_CAMPAIGNS
 * campaigns (default 10; fewer when the events do not allow so many) sent to the same people over
 * the same BENCH_REPORT_DAYS days (default 30), their opens per opener tuned so the lake reaches
 * the events asked for. The campaigns' events are interleaved and written as Firehose writes
 * them: gzip NDJSON objects of 200,000 lines (~65 MB uncompressed) under `events/dt=YYYY-MM-DD/`.
 * With BENCH_REPORT_DIR the lake is kept there and reused by the next run with the same
 * parameters (a marker file holds them); without it, it is written to a temporary folder and
 * removed at the end.
 *
 * Then, for ONE campaign (reports are per campaign; the other campaigns' events share its
 * partitions and are read past, as in real life), each of the 20 reports is generated with the
 * DuckDB engine (the local Athena) — the median of 3 generations, or 1 with BENCH_REPORT_QUICK=1 —
 * stored as the report worker stores it (the snapshot JSON in the reports bucket, the status
 * pointing at it in the jobs table, on s3rver and dynalite with the project's own adapters), and
 * viewed BENCH_REPORT_VIEWS times (default 50) as the reports API views it: the status item read,
 * the snapshot object fetched and parsed. Printed per report: generation time, as a ratio to the
 * baseline and to the view; rows in the snapshot's tables; the snapshot's size; view latency p50 /
 * p95; and for Athena an estimate of bytes scanned per generation from the file layout — every
 * object of every partition the `dt BETWEEN` range keeps, once per query (JSON has no column
 * pruning), or once per reference to the table when a query reads it more than once (Trino
 * inlines WITH queries) — priced at $5 per TB with the 10 MB minimum per query.
 * BENCH_REPORT_PARQUET=1 also writes the same events as Parquet (Snappy, by DuckDB, partitioned
 * by dt) and estimates what Athena would read of those: the column chunks of the columns each
 * query names, in the same partitions (no row group skipped: every row group holds every
 * campaign). Off by default: an estimate, not a measurement.
 *
 * Baseline, in the same run and the same engine: one bare pass over the lake,
 * `SELECT count(*) FROM events` (median of 3 after a warm-up). Checks, while at it: the lake holds
 * every line written, and the chosen campaign's sent / delivered / openers / opens / clickers /
 * clicks in the snapshots equal `tally()` of its events counted in plain JavaScript; a mismatch
 * exits 1. Timings are figures, never asserted.
 *
 *   npm run bench:report                                                      # 10M events
 *   BENCH_REPORT_EVENTS=1000000 BENCH_REPORT_RECIPIENTS=10000 BENCH_REPORT_QUICK=1 npm run bench:report   # a quick look
 *   BENCH_REPORT_DIR=/tmp/pigeon-report-lake npm run bench:report              # keep the lake for the next run
 *
 * At 10M events on 2 cores: writing the lake takes 10–11 min (once, with BENCH_REPORT_DIR), the
 * Parquet copy 2 min (BENCH_REPORT_PARQUET=1), one pass over the 20 reports 4–11 min depending on
 * what else the machine runs — 14 min for the default 3 passes over a kept lake on a quiet
 * machine, 25 min for a quick run (1 pass) writing a new lake on a busy one.
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { buckets } from '../../infra/manifest';
import { defaultEngagementSettings } from '../../shared/engagement/model';
import { lakeEventColumns, lakeEventDuckColumns, type LakeEvent } from '../../shared/lake/event';
import { DuckDbQueryEngine } from '../../shared/adapters/local/query-engine.duckdb';
import { reportCatalog, type CampaignFacts, type ReportContext } from '../../shared/reports/catalog';
import { dialectSql } from '../../shared/reports/dialect';
import { generateSnapshot, snapshotKey } from '../../shared/reports/generate';
import { reportTypes, type ReportRange, type ReportSnapshot, type ReportType } from '../../shared/reports/model';
import { syntheticEvents, tally, writeLake, type SyntheticOptions } from '../fixtures/synthetic-lake';

const WORKSPACE = 'ws-bench-report';
const START = '2026-11-01T01:00:00.000Z';
const EVENTS_PER_OBJECT = 200_000;
const MARKER = 'bench-report-lake.json';
/** Athena's price per TB scanned (10^12 bytes here, the higher reading), and its minimum per query. */
const DOLLARS_PER_TB = 5;
const MIN_BYTES_PER_QUERY = 10 * 1024 * 1024;

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a whole number ≥ 1, not "${process.env[name]}"`);
    process.exit(2);
  }
  return value;
};
const flag = (name: string): boolean => ['1', 'true', 'yes'].includes((process.env[name] ?? '').toLowerCase());

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const gb = (bytes: number) => (bytes / 1e9).toFixed(2);
const sec = (ms: number) => (ms / 1000).toFixed(2);
const times = (ratio: number) => (ratio >= 100 ? `${int(ratio)}×` : `${ratio.toFixed(ratio >= 10 ? 1 : 2)}×`);
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const percentile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
};
const day = (iso: string, plusDays = 0) => new Date(Date.parse(iso) + plusDays * 86_400_000).toISOString().slice(0, 10);

function printTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

// ---------------------------------------------------------------------------------------------
// The lake: its plan, writing it, and its layout on disk
// ---------------------------------------------------------------------------------------------

interface LakePlan {
  readonly version: 1;
  readonly events: number;
  readonly recipients: number;
  readonly campaigns: number;
  readonly maxOpens: number;
  readonly days: number;
  readonly start: string;
  readonly eventsPerObject: number;
}

interface LakeWritten {
  readonly events: number;
  readonly chosenEvents: number;
  readonly seconds: number;
}

interface ParquetLayout {
  /** dt → column → compressed bytes of its column chunks. */
  readonly chunks: Record<string, Record<string, number>>;
  readonly files: number;
  readonly bytes: number;
  readonly seconds: number;
}

interface Marker {
  readonly plan: LakePlan;
  readonly written: LakeWritten;
  readonly parquet?: ParquetLayout;
}

const campaignId = (index: number) => `bench-c${String(index).padStart(2, '0')}`;

function campaignOptions(plan: LakePlan, index: number): SyntheticOptions {
  return { workspaceId: WORKSPACE, campaignId: campaignId(index), recipients: plan.recipients, start: new Date(plan.start), days: plan.days, maxOpens: plan.maxOpens, seed: 1_000 + index, firstRecipient: 0 };
}

/** Events per recipient of one campaign with this many opens at most per opener, from a sample. */
function eventsPerRecipient(maxOpens: number, days: number, sample = 4_000): number {
  const events = syntheticEvents({ workspaceId: WORKSPACE, campaignId: 'calibration', recipients: sample, start: new Date(START), days, maxOpens, seed: 7 });
  let n = 0;
  while (!events.next().done) n += 1;
  return n / sample;
}

/** Campaigns and opens per opener that reach the events asked for over the recipients asked for. */
function planLake(events: number, recipients: number, campaignsWanted: number, days: number): LakePlan {
  const least = eventsPerRecipient(1, days);
  const slope = (eventsPerRecipient(41, days) - least) / 40;
  const campaigns = Math.max(1, Math.min(campaignsWanted, Math.floor(events / (recipients * least))));
  const perRecipient = events / (campaigns * recipients);
  const first = Math.max(1, Math.round(1 + (perRecipient - least) / slope));
  // A larger sample at that point corrects the straight line's error (heavy openers vary most).
  const maxOpens = Math.max(1, Math.round(first + (perRecipient - eventsPerRecipient(first, days, 25_000)) / slope));
  return { version: 1, events, recipients, campaigns, maxOpens, days, start: START, eventsPerObject: EVENTS_PER_OBJECT };
}

/** Every campaign's events, one from each in turn, as a stream of several campaigns reaches Firehose. */
function* interleaved(sources: Generator<LakeEvent>[], count: (event: LakeEvent) => void): Generator<LakeEvent> {
  let live = sources;
  while (live.length > 0) {
    const next: Generator<LakeEvent>[] = [];
    for (const source of live) {
      const item = source.next();
      if (item.done) continue;
      count(item.value);
      yield item.value;
      next.push(source);
    }
    live = next;
  }
}

function writeSyntheticLake(lakeDir: string, plan: LakePlan): LakeWritten {
  const started = performance.now();
  let events = 0;
  let chosenEvents = 0;
  const chosen = campaignId(0);
  const sources = Array.from({ length: plan.campaigns }, (_, i) => syntheticEvents(campaignOptions(plan, i)));
  writeLake(
    lakeDir,
    interleaved(sources, (event) => {
      events += 1;
      if (event.campaign_id === chosen) chosenEvents += 1;
    }),
    { eventsPerObject: plan.eventsPerObject, gzip: true, s3rver: true },
  );
  return { events, chosenEvents, seconds: (performance.now() - started) / 1000 };
}

interface LakeFile {
  readonly path: string;
  readonly dt: string;
  readonly bytes: number;
  /** Uncompressed size, from the gzip trailer (ISIZE). */
  readonly rawBytes: number;
}

/** The lake's objects as they are on disk: what Athena would list and read. */
function lakeFiles(lakeDir: string): LakeFile[] {
  const eventsDir = join(lakeDir, 'events');
  const files: LakeFile[] = [];
  for (const partition of readdirSync(eventsDir).filter((name) => name.startsWith('dt=')).sort()) {
    for (const name of readdirSync(join(eventsDir, partition)).filter((n) => n.endsWith('._S3rver_object')).sort()) {
      const path = join(eventsDir, partition, name);
      const bytes = statSync(path).size;
      const trailer = Buffer.alloc(4);
      const fd = openSync(path, 'r');
      try {
        readSync(fd, trailer, 0, 4, bytes - 4);
      } finally {
        closeSync(fd);
      }
      files.push({ path, dt: partition.slice(3), bytes, rawBytes: trailer.readUInt32LE(0) });
    }
  }
  return files;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The same events as Parquet (what Firehose's record format conversion would write), and its column chunk sizes. */
async function writeParquet(files: readonly LakeFile[], parquetDir: string): Promise<ParquetLayout> {
  const started = performance.now();
  rmSync(parquetDir, { recursive: true, force: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const columns = Object.entries(lakeEventDuckColumns).map(([name, type]) => `${literal(name)}: ${literal(type)}`).join(', ');
    const source = `read_json([${files.map((f) => literal(f.path)).join(', ')}], format = 'newline_delimited', compression = 'gzip', hive_partitioning = true, hive_types = {'dt': VARCHAR}, columns = {${columns}})`;
    await connection.run(`COPY (SELECT * FROM ${source}) TO ${literal(parquetDir)} (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (dt))`);
    const reader = await connection.runAndReadAll(
      `SELECT file_name, path_in_schema, sum(total_compressed_size)::BIGINT AS bytes FROM parquet_metadata(${literal(join(parquetDir, '**', '*.parquet'))}) GROUP BY ALL`,
    );
    const chunks: Record<string, Record<string, number>> = {};
    for (const row of reader.getRowObjectsJS()) {
      const dt = /dt=(\d{4}-\d{2}-\d{2})/.exec(String(row.file_name))?.[1] ?? '?';
      const column = String(row.path_in_schema).split(/[.,]/)[0]?.trim() ?? '';
      const perDay = (chunks[dt] ??= {});
      perDay[column] = (perDay[column] ?? 0) + Number(row.bytes);
    }
    const parquetFiles = readdirSync(parquetDir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.parquet'));
    const bytes = parquetFiles.reduce((total, name) => total + statSync(join(parquetDir, name)).size, 0);
    return { chunks, files: parquetFiles.length, bytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// ---------------------------------------------------------------------------------------------
// What a query reads in Athena, from its SQL
// ---------------------------------------------------------------------------------------------

const withoutLiterals = (sql: string) => sql.replace(/'(?:[^']|'')*'/g, "''");

/** The top-level WITH queries of a statement, and the statement after them. */
function withQueries(sql: string): { ctes: Map<string, string>; main: string } {
  const ctes = new Map<string, string>();
  const head = /^\s*WITH\s+/i.exec(sql);
  if (!head) return { ctes, main: sql };
  let at = head[0].length;
  for (;;) {
    const definition = /^(\w+)\s+AS\s*\(/i.exec(sql.slice(at));
    if (!definition) throw new Error(`cannot read the WITH clause of: ${sql.slice(0, 200)}`);
    const open = at + definition[0].length - 1;
    let depth = 0;
    let close = open;
    for (; close < sql.length; close += 1) {
      if (sql[close] === '(') depth += 1;
      else if (sql[close] === ')' && --depth === 0) break;
    }
    ctes.set((definition[1] as string).toLowerCase(), sql.slice(open + 1, close));
    at = close + 1;
    const comma = /^\s*,\s*/.exec(sql.slice(at));
    if (!comma) break;
    at += comma[0].length;
  }
  return { ctes, main: sql.slice(at) };
}

/** How many times a query reads the `events` table when every WITH query is inlined where it is referenced (Trino). */
function tableReads(sql: string): number {
  const { ctes, main } = withQueries(withoutLiterals(sql));
  const references = (text: string, name: string) => (text.match(new RegExp(`\\b(?:FROM|JOIN)\\s+${name}\\b`, 'gi')) ?? []).length;
  const reads = (text: string): number =>
    [...ctes].reduce((total, [name, body]) => {
      const n = references(text, name);
      return n > 0 ? total + n * reads(body) : total;
    }, references(text, 'events'));
  return reads(main);
}

/** The lake columns a query names anywhere (what a columnar format would let Athena read). */
function columnsNamed(sql: string): string[] {
  const text = withoutLiterals(sql);
  return lakeEventColumns.map(([name]) => name).filter((name) => new RegExp(`\\b${name}\\b`).test(text));
}

// ---------------------------------------------------------------------------------------------
// The bench
// ---------------------------------------------------------------------------------------------

interface ReportRow {
  readonly type: ReportType;
  readonly queries: number;
  readonly reads: number;
  readonly generationMs: number;
  readonly runsMs: readonly number[];
  readonly rows: number;
  readonly jsonBytes: number;
  readonly storeMs: number;
  readonly viewP50: number;
  readonly viewP95: number;
  readonly athenaBytes: number;
  readonly athenaBytesMax: number;
  readonly athenaDollars: number;
  readonly athenaDollarsMax: number;
  readonly parquetBytes?: number;
  readonly parquetDollars?: number;
}

async function bench(): Promise<number> {
  const eventsWanted = positive('BENCH_REPORT_EVENTS', 10_000_000);
  const recipients = positive('BENCH_REPORT_RECIPIENTS', 100_000);
  const campaignsWanted = positive('BENCH_REPORT_CAMPAIGNS', 10);
  const days = positive('BENCH_REPORT_DAYS', 30);
  const views = positive('BENCH_REPORT_VIEWS', 50);
  const quick = flag('BENCH_REPORT_QUICK');
  const withParquet = flag('BENCH_REPORT_PARQUET');
  const runs = quick ? 1 : 3;
  const benchStarted = performance.now();

  const cpu = cpus();
  const load = () => loadavg().map((n) => n.toFixed(2)).join(' / ');
  console.log(`bench:report — node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory (${(freemem() / 2 ** 30).toFixed(1)} free), load average ${load()} (1 / 5 / 15 min)`);
  console.log(`asked: ${int(eventsWanted)} events over ${int(recipients)} recipients, ${campaignsWanted} campaigns over ${days} days; ${runs === 1 ? '1 generation' : `median of ${runs} generations`} and ${views} views per report${withParquet ? '; Parquet estimate on' : ''}`);

  // ---- the lake: reused when BENCH_REPORT_DIR holds one with the same plan ----
  const keep = process.env.BENCH_REPORT_DIR;
  const baseDir = keep ?? mkdtempSync(join(tmpdir(), 'pigeon-bench-report-'));
  const lakeDir = join(baseDir, 'lake');
  const parquetDir = join(baseDir, 'parquet');
  const markerPath = join(baseDir, MARKER);
  const storeDir = mkdtempSync(join(tmpdir(), 'pigeon-bench-report-store-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const planStarted = performance.now();
    const plan = planLake(eventsWanted, recipients, campaignsWanted, days);
    const planSeconds = (performance.now() - planStarted) / 1000;
    let marker: Marker | undefined = existsSync(markerPath) ? (JSON.parse(readFileSync(markerPath, 'utf8')) as Marker) : undefined;
    if (marker && JSON.stringify(marker.plan) !== JSON.stringify(plan)) {
      console.log(`${markerPath} holds a lake of other parameters: writing it again`);
      marker = undefined;
    }
    if (!marker && keep && existsSync(baseDir) && readdirSync(baseDir).some((name) => !['lake', 'parquet', MARKER].includes(name))) {
      console.error(`BENCH_REPORT_DIR=${baseDir} holds files that are not a bench lake (no ${MARKER}): choose an empty or new folder`);
      return 2;
    }
    console.log(`plan (${planSeconds.toFixed(1)} s to calibrate): ${plan.campaigns} campaigns × ${int(plan.recipients)} recipients (the same people), 1 to ${plan.maxOpens} opens per opener, ${plan.days} days from ${day(plan.start)}, ${int(plan.eventsPerObject)} events per object`);
    if (marker) {
      console.log(`lake: reused from ${lakeDir} (written earlier in ${marker.written.seconds.toFixed(1)} s)`);
    } else {
      rmSync(lakeDir, { recursive: true, force: true });
      rmSync(parquetDir, { recursive: true, force: true });
      mkdirSync(lakeDir, { recursive: true });
      const written = writeSyntheticLake(lakeDir, plan);
      marker = { plan, written };
      writeFileSync(markerPath, `${JSON.stringify(marker, null, 1)}\n`);
      console.log(`lake: written in ${written.seconds.toFixed(1)} s (${int(written.events / written.seconds)} events/s: generated, serialised, gzipped, written) to ${lakeDir}`);
    }
    const files = lakeFiles(lakeDir);
    const compressed = files.reduce((total, f) => total + f.bytes, 0);
    const raw = files.reduce((total, f) => total + f.rawBytes, 0);
    const partitions = [...new Set(files.map((f) => f.dt))];
    const partitionBytes = new Map<string, number>();
    for (const f of files) partitionBytes.set(f.dt, (partitionBytes.get(f.dt) ?? 0) + f.bytes);
    const biggest = [...partitionBytes].sort((a, b) => b[1] - a[1])[0];
    console.log(
      `lake: ${int(marker.written.events)} events (${int(marker.written.chosenEvents)} of them the chosen campaign's), ${files.length} objects in ${partitions.length} partitions (${partitions[0]} … ${partitions.at(-1)}), ` +
        `${mb(compressed)} gzip (${mb(raw)} uncompressed, ${(raw / compressed).toFixed(1)}:1; ${mb(raw / files.length)} per object on average; largest partition ${biggest?.[0]}: ${mb(biggest?.[1] ?? 0)})`,
    );

    if (withParquet && !marker.parquet) {
      const parquet = await writeParquet(files, parquetDir);
      marker = { ...marker, parquet };
      writeFileSync(markerPath, `${JSON.stringify(marker, null, 1)}\n`);
    }
    if (withParquet && marker.parquet) {
      console.log(`parquet (estimate only): the same events as Snappy Parquet by DuckDB in ${marker.parquet.seconds.toFixed(1)} s — ${marker.parquet.files} files, ${mb(marker.parquet.bytes)} (${(marker.parquet.bytes / compressed).toFixed(2)}× the gzip JSON's size)`);
    }

    // ---- the chosen campaign, its range, and the figures counted in plain JavaScript ----
    const chosen = campaignOptions(plan, 0);
    const range: ReportRange = { from: day(plan.start), to: day(plan.start, plan.days - 1) };
    const facts: CampaignFacts = { id: chosen.campaignId, name: 'bench:report', links: 5, files: 0, runs: [] };
    const weights = defaultEngagementSettings.weights;
    const tallyStarted = performance.now();
    const expected = tally(syntheticEvents(chosen));
    console.log(`chosen campaign ${chosen.campaignId}: range ${range.from} … ${range.to}; tally() in plain JavaScript in ${sec(performance.now() - tallyStarted)} s: ${int(expected.events)} distinct events, ${int(expected.sent)} sent, ${int(expected.openers)} openers, ${int(expected.opens)} opens, ${int(expected.clicks)} clicks`);

    // ---- where snapshots are kept: s3rver and dynalite, through the project's adapters ----
    Object.assign(process.env, { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_TRACE_ENABLED: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
    const { startDynalite, createTables, localRegion } = await import('../../infra/local/emulators/dynamodb');
    const { startS3rver } = await import('../../infra/local/emulators/s3');
    const dynamo = await startDynalite({ path: join(storeDir, 'dynamodb') });
    stops.push(() => dynamo.stop());
    const reportsBucket = 'pigeon-bench-reports';
    const s3 = await startS3rver({ directory: join(storeDir, 's3'), buckets: [reportsBucket] });
    stops.push(() => s3.stop());
    const tableEnv = await createTables(dynamo.endpoint, 'pigeon-bench');
    Object.assign(process.env, {
      ...tableEnv,
      AWS_REGION: localRegion,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      [buckets.reports.envVar]: reportsBucket,
    });
    const { s3BlobStore } = await import('../../shared/adapters/aws/blob-store.s3');
    const { reportStoreFromEnv } = await import('../../shared/adapters/aws/report-store.dynamodb');
    const blobs = s3BlobStore('reports');
    const store = reportStoreFromEnv();

    // ---- the baseline: one bare pass over the lake, same engine ----
    const engine = new DuckDbQueryEngine(lakeDir);
    stops.push(() => engine.close());
    const version = (await engine.query('SELECT version() AS v'))[0]?.v;
    const timed = async <T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> => {
      const started = performance.now();
      const value = await work();
      return { ms: performance.now() - started, value };
    };
    const bare = 'SELECT count(*) AS n FROM events';
    const warm = await timed(() => engine.query(bare));
    const bareRuns: number[] = [];
    // Every ratio divides by it: always the median of 3, even in a quick run.
    for (let i = 0; i < 3; i += 1) bareRuns.push((await timed(() => engine.query(bare))).ms);
    const scanMs = median(bareRuns);
    const lines = Number(warm.value[0]?.n);
    const scoped = 'SELECT count(*) AS n FROM events WHERE workspace_id = :ws AND campaign_id = :campaign AND dt BETWEEN :from AND :to';
    const scopedParams = { ws: WORKSPACE, campaign: chosen.campaignId, from: range.from, to: range.to };
    const scopedRuns: number[] = [];
    for (let i = 0; i < runs; i += 1) scopedRuns.push((await timed(() => engine.query(scoped, scopedParams))).ms);
    console.log(`engine: DuckDB ${String(version)} (the sandbox's Athena), ${cpu.length} threads`);
    console.log(
      `baseline: SELECT count(*) FROM events — ${sec(scanMs)} s (runs ${bareRuns.map(sec).join(', ')} s; first, cold-ish: ${sec(warm.ms)} s) = ${int(lines / (scanMs / 1000))} lines/s, ${mb(raw / (scanMs / 1000))}/s uncompressed`,
    );
    console.log(`reference: the chosen campaign's lines (workspace, campaign, dt range) — ${sec(median(scopedRuns))} s, ${times(median(scopedRuns) / scanMs)} the baseline`);

    // ---- each report: generate, store, view ----
    const athenaCtx: ReportContext = { facts, range, weights, sql: dialectSql('athena') };
    const inRange = (dt: string) => dt >= range.from && dt <= range.to;
    const jsonBytesInRange = [...partitionBytes].filter(([dt]) => inRange(dt)).reduce((total, [, bytes]) => total + bytes, 0);
    const parquetBytesOf = (columns: readonly string[]) =>
      Object.entries(marker?.parquet?.chunks ?? {})
        .filter(([dt]) => inRange(dt))
        .reduce((total, [, perColumn]) => total + columns.reduce((sum, column) => sum + (perColumn[column] ?? 0), 0), 0);
    const dollars = (bytesPerQuery: readonly number[]) => bytesPerQuery.reduce((total, bytes) => total + Math.max(bytes, MIN_BYTES_PER_QUERY), 0) * (DOLLARS_PER_TB / 1e12);

    const rows: ReportRow[] = [];
    const snapshots = new Map<ReportType, ReportSnapshot>();
    const decoder = new TextDecoder();
    console.log();
    console.log(`generating ${reportTypes.length} reports (${runs} × each) …`);
    for (const type of reportTypes) {
      const runsMs: number[] = [];
      let snapshot: ReportSnapshot | undefined;
      for (let i = 0; i < runs; i += 1) {
        const run = await timed(() => generateSnapshot({ engine, dialect: 'duckdb' }, { workspaceId: WORKSPACE, facts, type, range, weights }));
        runsMs.push(run.ms);
        snapshot = run.value;
      }
      if (!snapshot) throw new Error(`no snapshot of ${type}`);
      snapshots.set(type, snapshot);

      // Stored as the worker stores it; then viewed as the API views it.
      const json = JSON.stringify(snapshot);
      const key = snapshotKey(snapshot);
      const stored = await timed(async () => {
        await blobs.put(key, json, 'application/json');
        if (!(await store.markReady(WORKSPACE, facts.id, type, { generatedAt: snapshot.generatedAt, snapshotKey: key, range }))) throw new Error(`the status of ${type} did not take the new snapshot`);
      });
      const view = async () => {
        const status = await store.getStatus(WORKSPACE, facts.id, type);
        if (!status?.snapshotKey) throw new Error(`no snapshot key in the status of ${type}`);
        const body = await blobs.get(status.snapshotKey);
        if (!body) throw new Error(`no snapshot object ${status.snapshotKey}`);
        const viewed = JSON.parse(decoder.decode(body)) as ReportSnapshot;
        if (viewed.type !== type || viewed.generatedAt !== snapshot.generatedAt) throw new Error(`the view of ${type} returned another snapshot`);
      };
      await view();
      const viewMs: number[] = [];
      for (let i = 0; i < views; i += 1) viewMs.push((await timed(view)).ms);

      const queries = Object.values(reportCatalog[type].queries(athenaCtx));
      const reads = queries.map(tableReads);
      const parquet = queries.map((sql) => parquetBytesOf(columnsNamed(sql)));
      rows.push({
        type,
        queries: queries.length,
        reads: reads.reduce((a, b) => a + b, 0),
        generationMs: median(runsMs),
        runsMs,
        rows: snapshot.data.tables.reduce((total, t) => total + t.rows.length, 0),
        jsonBytes: Buffer.byteLength(json),
        storeMs: stored.ms,
        viewP50: percentile(viewMs, 0.5),
        viewP95: percentile(viewMs, 0.95),
        athenaBytes: queries.length * jsonBytesInRange,
        athenaBytesMax: reads.reduce((total, n) => total + Math.max(1, n) * jsonBytesInRange, 0),
        athenaDollars: dollars(queries.map(() => jsonBytesInRange)),
        athenaDollarsMax: dollars(reads.map((n) => Math.max(1, n) * jsonBytesInRange)),
        ...(marker.parquet ? { parquetBytes: parquet.reduce((a, b) => a + b, 0), parquetDollars: dollars(parquet) } : {}),
      });
      const last = rows.at(-1) as ReportRow;
      console.log(`  ${type.padEnd(18)} ${sec(last.generationMs).padStart(7)} s (${last.runsMs.map(sec).join(', ')})  view p50 ${last.viewP50.toFixed(1)} ms`);
    }

    // ---- the figures ----
    console.log();
    console.log(`per report — campaign ${facts.id}, range ${range.from} … ${range.to}, lake ${int(lines)} lines; baseline scan ${sec(scanMs)} s`);
    printTable(
      ['report', 'queries', 'gen s', '× scan', 'rows', 'JSON KB', 'view p50 ms', 'p95 ms', 'gen / view', 'Athena GB (JSON)', '$ / gen', 'Parquet GB', '$ / gen'],
      rows.map((r) => [
        r.type,
        r.reads > r.queries ? `${r.queries} (${r.reads} reads)` : String(r.queries),
        sec(r.generationMs),
        times(r.generationMs / scanMs),
        int(r.rows),
        (r.jsonBytes / 1000).toFixed(1),
        r.viewP50.toFixed(1),
        r.viewP95.toFixed(1),
        times(r.generationMs / r.viewP50),
        r.athenaBytesMax > r.athenaBytes ? `${gb(r.athenaBytes)}–${gb(r.athenaBytesMax)}` : gb(r.athenaBytes),
        r.athenaDollarsMax > r.athenaDollars ? `${r.athenaDollars.toFixed(4)}–${r.athenaDollarsMax.toFixed(4)}` : r.athenaDollars.toFixed(4),
        r.parquetBytes === undefined ? 'not measured' : gb(r.parquetBytes),
        r.parquetDollars === undefined ? '—' : r.parquetDollars.toFixed(4),
      ]),
    );
    const total = (pick: (r: ReportRow) => number) => rows.reduce((sum, r) => sum + pick(r), 0);
    const allGeneration = total((r) => r.generationMs);
    const viewsP50 = rows.map((r) => r.viewP50);
    console.log(
      `all ${rows.length} reports: ${sec(allGeneration)} s of generation (${times(allGeneration / scanMs)} the baseline scan; ${total((r) => r.queries)} queries, ${total((r) => r.reads)} table reads in Athena's terms); ` +
        `views p50 ${median(viewsP50).toFixed(1)} ms (median over the reports; slowest p95 ${Math.max(...rows.map((r) => r.viewP95)).toFixed(1)} ms); storing a snapshot (S3 put + status update) ${median(rows.map((r) => r.storeMs)).toFixed(1)} ms median`,
    );
    console.log(
      `Athena, every report once: ${gb(total((r) => r.athenaBytes))}–${gb(total((r) => r.athenaBytesMax))} GB of gzip JSON scanned, $${total((r) => r.athenaDollars).toFixed(3)}–${total((r) => r.athenaDollarsMax).toFixed(3)}` +
        (marker.parquet ? `; as Parquet (estimate): ${gb(total((r) => r.parquetBytes ?? 0))} GB, $${total((r) => r.parquetDollars ?? 0).toFixed(3)}` : '; as Parquet: not measured (BENCH_REPORT_PARQUET=1 estimates it)'),
    );
    console.log(
      '(gen s: generation (queries + building the snapshot), median; × scan: over the baseline pass; rows: in the snapshot\'s tables; view: status GetItem + snapshot GetObject + JSON.parse, through the adapters on dynalite + s3rver; ' +
        `Athena GB: the gzip objects of the ${[...partitionBytes.keys()].filter(inRange).length} partitions in range, once per query – once per read of the table when a query reads it twice (WITH inlined); $5 per 10^12 bytes, 10 MB minimum per query` +
        (marker.parquet ? '; Parquet GB: column chunks of the columns each query names, in range, one read per query' : '') +
        ')',
    );

    // ---- checks ----
    console.log();
    let failed = false;
    const check = (what: string, actual: unknown, wanted: number) => {
      const ok = Number(actual) === wanted;
      if (!ok) failed = true;
      console.log(`${ok ? 'OK      ' : 'MISMATCH'} ${what}: ${String(actual)}${ok ? '' : ` (tally: ${wanted})`}`);
    };
    const figure = (type: ReportType, key: string) => snapshots.get(type)?.data.figures.find((f) => f.key === key)?.value;
    check('lake lines (count(*)) = events written', lines, marker.written.events);
    check('summary sent', figure('summary', 'sent'), expected.sent);
    check('delivery delivered', figure('delivery', 'delivered'), expected.delivered);
    check('opens openers', figure('opens', 'openers'), expected.openers);
    check('opens opens', figure('opens', 'opens'), expected.opens);
    check('clicks clickers', figure('clicks', 'clickers'), expected.clickers);
    check('clicks clicks', figure('clicks', 'clicks'), expected.clicks);
    check('openTimeline opens', figure('openTimeline', 'opens'), expected.opens);
    console.log(`load average at the end: ${load()}; the whole bench took ${((performance.now() - benchStarted) / 60_000).toFixed(1)} min`);
    return failed ? 1 : 0;
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error(`stop failed: ${String(error)}`));
    rmSync(storeDir, { recursive: true, force: true });
    if (!keep) rmSync(baseDir, { recursive: true, force: true });
  }
}

process.exitCode = await bench();
