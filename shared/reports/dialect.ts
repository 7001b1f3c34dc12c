/**
 * Where Athena (Trino SQL, engine v3) and DuckDB differ, for the SQL the reports use. Everything
 * else in the report queries is common to both: CASE, COUNT(DISTINCT …), FILTER-free aggregates,
 * window functions, GROUPING SETS, substr on the ISO `event_time` text (time buckets without any
 * date function), CROSS JOIN UNNEST(array) AS t(column), coalesce.
 *
 * Kept deliberately small: a new difference is added here, with a test on both shapes.
 */
export type Dialect = 'athena' | 'duckdb';

export interface DialectSql {
  /** Number of elements of an array column (`friends`, `categories`). */
  arrayLength(column: string): string;
  /** An array column as one text, elements joined by `separator` (NULL → ''). */
  arrayJoin(column: string, separator: string): string;
}

const dialects: Readonly<Record<Dialect, DialectSql>> = {
  // Trino: cardinality(array); DuckDB's cardinality() is for MAPs only.
  athena: {
    arrayLength: (column) => `coalesce(cardinality(${column}), 0)`,
    arrayJoin: (column, separator) => `coalesce(array_join(${column}, '${separator}'), '')`,
  },
  duckdb: {
    arrayLength: (column) => `coalesce(len(${column}), 0)`,
    // Trino's array_join is DuckDB's array_to_string.
    arrayJoin: (column, separator) => `coalesce(array_to_string(${column}, '${separator}'), '')`,
  },
};

export const dialectSql = (dialect: Dialect): DialectSql => dialects[dialect];
