import { describe, expect, it } from 'vitest';
import { executionParameter } from '../../shared/adapters/aws/query-engine.athena';
import { checkParameters, rewritePlaceholders } from '../../shared/adapters/aws/query-placeholders';

describe('query placeholders', () => {
  it('rewrites :name outside strings, identifiers, comments and casts', () => {
    const sql = `SELECT dt::DATE, ':skip' AS "a:b" FROM events -- :nope\nWHERE campaign = :campaign /* :no */ AND dt >= :from AND x = :campaign`;
    const athena = rewritePlaceholders(sql, () => '?');
    expect(athena.names).toEqual(['campaign', 'from', 'campaign']);
    expect(athena.sql).toBe(`SELECT dt::DATE, ':skip' AS "a:b" FROM events -- :nope\nWHERE campaign = ? /* :no */ AND dt >= ? AND x = ?`);
    expect(rewritePlaceholders("WHERE a = 'it''s :x' AND b = :y", (n) => `$${n}`).sql).toBe("WHERE a = 'it''s :x' AND b = $y");
  });
  it('refuses to run with a missing value', () => {
    expect(() => checkParameters(['campaign'], {})).toThrow(/campaign/);
  });
  it('Athena parameters are literals with quotes doubled, so a value cannot end the string', () => {
    expect(executionParameter("x' OR '1'='1")).toBe("'x'' OR ''1''=''1'");
    expect(executionParameter(42)).toBe('42');
  });
});
