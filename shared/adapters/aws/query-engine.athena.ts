/**
 * QueryEngine port over Athena, with @aws-sdk/client-athena.
 *
 * Not athena-express: its 7.x constructs `new aws.Athena()` / `.promise()` from SDK v2 (not
 * installed, and not in the Lambda Node 22 runtime) and passes no ExecutionParameters, so it
 * could only run queries with values pasted into the SQL text. Here `:name` placeholders become
 * `?` and the values go as ExecutionParameters (SQL literals Athena substitutes server-side).
 *
 * Environment: ATHENA_WORKGROUP (results location and scanned-bytes limit come from the
 * workgroup), ATHENA_DATABASE (the Glue database of the lake).
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type ColumnInfo,
} from '@aws-sdk/client-athena';
import { required } from '../../config';
import type { QueryEngine, QueryRow } from '../../ports/query-engine';
import { checkParameters, rewritePlaceholders } from './query-placeholders';

let sharedClient: AthenaClient | undefined;

export function athenaClient(): AthenaClient {
  sharedClient ??= new AthenaClient({ region: required('AWS_REGION') });
  return sharedClient;
}

/** A value as an Athena execution parameter: a SQL literal, quotes doubled inside strings. */
export function executionParameter(value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('Query parameters must be finite numbers');
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

const NUMERIC = new Set(['tinyint', 'smallint', 'integer', 'bigint', 'double', 'float', 'real', 'decimal']);

function convert(value: string | undefined, column: ColumnInfo | undefined): string | number | boolean | null {
  if (value === undefined) return null;
  const type = (column?.Type ?? 'varchar').toLowerCase();
  if (type === 'boolean') return value === 'true';
  if (NUMERIC.has(type)) {
    const number = Number(value);
    return Number.isSafeInteger(number) || !Number.isInteger(number) ? number : value;
  }
  return value;
}

export interface AthenaQueryEngineOptions {
  readonly workGroup: string;
  readonly database: string;
  readonly client?: AthenaClient;
  readonly pollIntervalMs?: number;
  readonly timeoutMs?: number;
}

export class AthenaQueryEngine implements QueryEngine {
  private readonly client: AthenaClient;

  constructor(private readonly options: AthenaQueryEngineOptions) {
    this.client = options.client ?? athenaClient();
  }

  async query(sql: string, params: Readonly<Record<string, string | number>> = {}): Promise<QueryRow[]> {
    const { sql: rewritten, names } = rewritePlaceholders(sql, () => '?');
    checkParameters(names, params);
    const { QueryExecutionId } = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: rewritten,
        WorkGroup: this.options.workGroup,
        QueryExecutionContext: { Database: this.options.database },
        ExecutionParameters: names.length > 0 ? names.map((name) => executionParameter(params[name] as string | number)) : undefined,
      }),
    );
    await this.waitFor(QueryExecutionId as string);
    const rows: QueryRow[] = [];
    let columns: ColumnInfo[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.client.send(new GetQueryResultsCommand({ QueryExecutionId, NextToken: token }));
      columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? columns;
      const data = page.ResultSet?.Rows ?? [];
      // The first row of the first page repeats the column names.
      for (const row of first ? data.slice(1) : data) {
        rows.push(Object.fromEntries(columns.map((column, i) => [column.Name as string, convert(row.Data?.[i]?.VarCharValue, column)])));
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }

  private async waitFor(id: string): Promise<void> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 120_000);
    let delay = this.options.pollIntervalMs ?? 200;
    for (;;) {
      const { QueryExecution } = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new Error(`Athena query ${id} ${state}: ${QueryExecution?.Status?.StateChangeReason ?? ''}`);
      }
      if (Date.now() > deadline) throw new Error(`Athena query ${id} still ${state} after its timeout`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

export function athenaQueryEngineFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): QueryEngine {
  return new AthenaQueryEngine({ workGroup: required('ATHENA_WORKGROUP', env), database: required('ATHENA_DATABASE', env) });
}
