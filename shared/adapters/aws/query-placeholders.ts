/**
 * The QueryEngine port's `:name` placeholders, rewritten for each engine's own binding
 * (Athena: positional `?` with ExecutionParameters; DuckDB: `$name`). String literals, quoted
 * identifiers, comments and `::` casts are skipped, so no value ever enters the SQL text.
 * Free of SDK imports: both query-engine adapters use it.
 */
export interface RewrittenQuery {
  readonly sql: string;
  /** Parameter names in order of appearance (repeats included). */
  readonly names: readonly string[];
}

export function rewritePlaceholders(sql: string, placeholder: (name: string, index: number) => string): RewrittenQuery {
  let out = '';
  const names: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"') {
      // Quoted text runs to the matching quote; a doubled quote is an escaped one.
      let j = i + 1;
      while (j < sql.length && !(sql[j] === ch && sql[j + 1] !== ch)) j += sql[j] === ch ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const j = end === -1 ? sql.length : end;
      out += sql.slice(i, j);
      i = j;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const j = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, j);
      i = j;
    } else if (ch === ':' && next === ':') {
      out += '::';
      i += 2;
    } else if (ch === ':' && next !== undefined && /[A-Za-z_]/.test(next)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1)) as RegExpExecArray;
      names.push(match[0]);
      out += placeholder(match[0], names.length - 1);
      i += 1 + match[0].length;
    } else {
      out += ch;
      i += 1;
    }
  }
  return { sql: out, names };
}

/** Throws unless every placeholder has a value. */
export function checkParameters(names: readonly string[], params: Readonly<Record<string, string | number>>): void {
  const missing = [...new Set(names)].filter((name) => !Object.hasOwn(params, name));
  if (missing.length > 0) throw new Error(`Query parameters missing: ${missing.join(', ')}`);
}
