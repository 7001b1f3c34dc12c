/** DuckDB over lake files written through the S3 adapter into s3rver, with dt= partitions. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../shared/adapters/aws/blob-store.s3';
import { DuckDbQueryEngine } from '../../shared/adapters/local/query-engine.duckdb';
import { startS3rver, type RunningS3 } from '../../infra/local/emulators/s3';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-lake-'));
let s3: RunningS3;
let client: S3Client;
let lake: S3BlobStore;
let engine: DuckDbQueryEngine;

const lines = (...rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

beforeAll(async () => {
  s3 = await startS3rver({ directory: dir, buckets: ['lake'] });
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  lake = new S3BlobStore('lake', client);
  engine = new DuckDbQueryEngine(join(dir, 'lake'));
});

afterAll(async () => {
  await engine.close();
  client.destroy();
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('DuckDB query engine over the lake', () => {
  it('an empty lake is an empty table, not an error', async () => {
    expect(await engine.query('SELECT count(*) AS n FROM events')).toEqual([{ n: 0 }]);
  });

  it('reads dt= partitions and binds named parameters', async () => {
    await lake.put('events/dt=2026-05-01/part-1.json', lines({ campaign_id: 'c1', type: 'open', email: 'a@x.tw' }, { campaign_id: 'c1', type: 'click', email: 'a@x.tw' }), 'application/json');
    await lake.put('events/dt=2026-05-02/part-1.json', lines({ campaign_id: 'c1', type: 'open', email: "o'brien@x.tw" }, { campaign_id: 'c2', type: 'open', email: 'b@x.tw' }));
    expect(await lake.list('events/')).toHaveLength(2);

    const rows = await engine.query(
      'SELECT dt, type, count(*) AS n FROM events WHERE campaign_id = :campaign AND dt >= :from GROUP BY dt, type ORDER BY dt, type',
      { campaign: 'c1', from: '2026-05-01' },
    );
    expect(rows).toEqual([
      { dt: '2026-05-01', type: 'click', n: 1 },
      { dt: '2026-05-01', type: 'open', n: 1 },
      { dt: '2026-05-02', type: 'open', n: 1 },
    ]);
    // A value with a quote is data, not SQL.
    expect(await engine.query('SELECT campaign_id FROM events WHERE email = :email', { email: "o'brien@x.tw" })).toEqual([{ campaign_id: 'c1' }]);
    expect(await engine.query("SELECT count(*) AS n FROM events WHERE email = :email", { email: "x' OR '1'='1" })).toEqual([{ n: 0 }]);
    expect(await engine.query('SELECT type FROM events ORDER BY dt, type LIMIT :n', { n: 1 })).toEqual([{ type: 'click' }]);
  });

  it('sees new partitions as soon as they land, and runs nothing but SELECT', async () => {
    await lake.put('events/dt=2026-05-03/part-9.json', lines({ campaign_id: 'c3', type: 'open', email: 'c@x.tw' }));
    expect(await engine.query('SELECT count(DISTINCT dt) AS days FROM events')).toEqual([{ days: 3 }]);
    await expect(engine.query("COPY (SELECT 1) TO '/tmp/pigeon-should-not-exist.csv'")).rejects.toThrow(/SELECT/);
    await expect(engine.query('SELECT * FROM events WHERE campaign_id = :c')).rejects.toThrow(/missing/);
  });

  it('the S3 adapter reads back what it wrote, and misses cleanly', async () => {
    await lake.put('reports/a.txt', '信鴿');
    expect(new TextDecoder().decode(await lake.get('reports/a.txt'))).toBe('信鴿');
    expect(await lake.get('reports/none.txt')).toBeUndefined();
    await lake.delete('reports/a.txt');
    expect(await lake.get('reports/a.txt')).toBeUndefined();
  });
});
