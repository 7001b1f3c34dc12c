/**
 * QueryEngine port over DuckDB, reading the lake bucket's files where s3rver keeps them on disk
 * (`<bucket dir>/<prefix>dt=YYYY-MM-DD/<file>._S3rver_object`). Each lake table is a view over
 * its prefix with hive partitioning, so `dt` is a column exactly as in the Glue table Athena
 * reads. Only single SELECT statements run; `:name` placeholders are bound as DuckDB parameters.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIGINT, DOUBLE, DuckDBInstance, StatementType, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { bucketName, required } from '../../config';
import { lakeEventDuckColumns } from '../../lake/event';
import type { QueryEngine, QueryRow } from '../../ports/query-engine';
import { checkParameters, rewritePlaceholders } from '../aws/query-placeholders';

export interface LakeTable {
  /** Table name used in SQL (the Glue table's name in AWS). */
  readonly name: string;
  /** Key prefix inside the lake bucket, ending in `/`; partitions `dt=YYYY-MM-DD/` below it. */
  readonly prefix: string;
  /** Firehose writes newline-delimited JSON. */
  readonly format: 'json' | 'parquet' | 'csv';
  /** Column name → DuckDB type, mirroring the Glue schema; none: detected from the files. */
  readonly columns?: Readonly<Record<string, string>>;
}

/** The lake's tables; must match the Glue table(s) of the analytics stack. */
export const defaultLakeTables: readonly LakeTable[] = [{ name: 'events', prefix: 'events/', format: 'json', columns: lakeEventDuckColumns }];

const OBJECT_SUFFIX = '._S3rver_object';

/** Paths of every object file under dir. */
function objects(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => entry.endsWith(OBJECT_SUFFIX))
    .map((entry) => join(dir, entry));
}

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const identifier = (text: string): string => `"${text.replaceAll('"', '""')}"`;

function toQueryValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' ? JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) : String(value);
}

export class DuckDbQueryEngine implements QueryEngine {
  private connection?: Promise<DuckDBConnection>;
  private instance?: DuckDBInstance;

  constructor(
    /** Folder holding the lake bucket's objects. */
    private readonly lakeDir: string,
    private readonly tables: readonly LakeTable[] = defaultLakeTables,
  ) {}

  private async connect(): Promise<DuckDBConnection> {
    this.instance ??= await DuckDBInstance.create(':memory:');
    return this.instance.connect();
  }

  /** Views are rebuilt per query: new files (and new partitions) appear as soon as they land. */
  private async defineViews(connection: DuckDBConnection): Promise<void> {
    for (const table of this.tables) {
      const dir = join(this.lakeDir, table.prefix);
      const columns = table.columns ? Object.entries(table.columns) : undefined;
      const all = objects(dir);
      if (all.length === 0) {
        // No files yet: an empty table with the declared columns, not an error.
        const select = columns?.length ? columns.map(([name, type]) => `NULL::${type} AS ${identifier(name)}`).join(', ') : 'NULL::VARCHAR AS "value"';
        await connection.run(`CREATE OR REPLACE TEMP VIEW ${identifier(table.name)} AS SELECT ${select}, NULL::VARCHAR AS dt WHERE false`);
        continue;
      }
      const schema = columns ? `, columns = {${columns.map(([name, type]) => `${literal(name)}: ${literal(type)}`).join(', ')}}` : '';
      // DuckDB tells gzip from the file name's ending, which s3rver's suffix hides: Firehose's
      // `.gz` objects are read with compression = 'gzip', anything else as before (auto-detected).
      const gzipped = (file: string) => file.endsWith(`.gz${OBJECT_SUFFIX}`);
      const readers: string[] = [];
      for (const [found, compression] of [[all.filter(gzipped), ", compression = 'gzip'"], [all.filter((file) => !gzipped(file)), '']] as const) {
        if (found.length === 0) continue;
        const files = `[${found.map(literal).join(', ')}]`;
        readers.push(
          table.format === 'json'
            ? `read_json(${files}, format = 'newline_delimited'${compression}, hive_partitioning = true, hive_types = {'dt': VARCHAR}${schema})`
            : table.format === 'csv'
              ? `read_csv(${files}, header = true${compression}, hive_partitioning = true, hive_types = {'dt': VARCHAR}${schema})`
              : `read_parquet(${files}, hive_partitioning = true, hive_types = {'dt': VARCHAR})`,
        );
      }
      const select = readers.map((reader) => `SELECT * FROM ${reader}`).join(' UNION ALL BY NAME ');
      await connection.run(`CREATE OR REPLACE TEMP VIEW ${identifier(table.name)} AS ${select}`);
    }
  }

  async query(sql: string, params: Readonly<Record<string, string | number>> = {}): Promise<QueryRow[]> {
    const { sql: rewritten, names } = rewritePlaceholders(sql, (name) => `$${name}`);
    checkParameters(names, params);
    this.connection ??= this.connect();
    const connection = await this.connection;
    await this.defineViews(connection);
    const prepared = await connection.prepare(rewritten);
    if (prepared.statementType !== StatementType.SELECT) throw new Error('Only SELECT queries run against the lake');
    const used = Object.fromEntries([...new Set(names)].map((name) => [name, params[name] as string | number]));
    // Whole numbers bind as INTEGER/BIGINT (usable in LIMIT), others by their JS type.
    if (names.length > 0) {
      prepared.bind(
        Object.fromEntries(Object.entries(used).map(([name, value]) => [name, Number.isSafeInteger(value) ? BigInt(value) : value])),
        Object.fromEntries(Object.entries(used).map(([name, value]) => [name, Number.isSafeInteger(value) ? BIGINT : typeof value === 'number' ? DOUBLE : VARCHAR])),
      );
    }
    const reader = await prepared.runAndReadAll();
    return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, toQueryValue(value)])));
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    (await connection)?.closeSync();
    this.instance?.closeSync();
    this.instance = undefined;
  }
}

/** Sandbox: LOCAL_S3_DIR is s3rver's folder, BUCKET_LAKE the lake bucket inside it. */
export function duckDbQueryEngineFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): DuckDbQueryEngine {
  return new DuckDbQueryEngine(join(required('LOCAL_S3_DIR', env), bucketName('lake', env)));
}
