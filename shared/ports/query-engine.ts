/**
 * SQL over the event lake. AWS: Athena (client-athena). Locally: DuckDB over the same files and
 * the same `dt=YYYY-MM-DD` partition layout.
 */
export type QueryRow = Record<string, string | number | boolean | null>;

export interface QueryEngine {
  /** Runs a read-only query; `:name` placeholders are bound from `params`, never concatenated. */
  query(sql: string, params?: Readonly<Record<string, string | number>>): Promise<QueryRow[]>;
}
