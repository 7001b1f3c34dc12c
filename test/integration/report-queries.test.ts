/**
 * The report SQL against a lake whose counts are known: a synthetic campaign (with duplicated
 * Firehose lines, machine opens, forwards, bounces, rejects) written as gzip objects the way
 * Firehose writes them and as plain files, beside another campaign's events in the same
 * partitions. Every figure is checked against `tally`, counted in plain JavaScript. Then the same
 * reports built from rows shaped as Athena answers them (text values) must come out identical,
 * and the Athena dialect's SQL must not use what only DuckDB knows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../shared/adapters/local/query-engine.duckdb';
import { rewritePlaceholders } from '../../shared/adapters/aws/query-placeholders';
import { defaultEngagementSettings } from '../../shared/engagement/model';
import type { QueryEngine, QueryRow } from '../../shared/ports/query-engine';
import { reportCatalog, reportParams, type CampaignFacts } from '../../shared/reports/catalog';
import { dialectSql } from '../../shared/reports/dialect';
import { generateSnapshot } from '../../shared/reports/generate';
import { labelledKeys } from '../../shared/reports/labels';
import { reportTypes, type ReportSnapshot, type ReportType } from '../../shared/reports/model';
import { syntheticEvents, tally, writeLake, type SyntheticOptions, type Tally } from '../fixtures/synthetic-lake';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-report-sql-'));
const options: SyntheticOptions = { workspaceId: 'ws-1', campaignId: 'cmp-a', recipients: 3_000, start: new Date('2026-11-20T01:00:00Z'), days: 3, seed: 7 };
const other: SyntheticOptions = { ...options, campaignId: 'cmp-b', recipients: 1_000, seed: 8 };
const range = { from: '2026-11-20', to: '2026-11-23' };
const facts: CampaignFacts = { id: 'cmp-a', name: '雙十一', links: 5, files: 0, runs: [] };
const weights = defaultEngagementSettings.weights;

let engine: DuckDbQueryEngine;
let expected: Tally;
const snapshots = new Map<ReportType, ReportSnapshot>();

const figures = (type: ReportType) => Object.fromEntries((snapshots.get(type)?.data.figures ?? []).map((f) => [f.key, f.value]));
const rows = (type: ReportType, table: string) => snapshots.get(type)?.data.tables.find((t) => t.key === table)?.rows ?? [];

beforeAll(async () => {
  const events = [...syntheticEvents(options)];
  // Half of the campaign's lines as Firehose's gzip objects, half as plain NDJSON: one view reads both.
  const half = Math.floor(events.length / 2);
  writeLake(dir, events.slice(0, half), { eventsPerObject: 2_000, tag: 'a-gzip' });
  writeLake(dir, events.slice(half), { gzip: false, eventsPerObject: 2_000, tag: 'a-plain' });
  writeLake(dir, syntheticEvents(other), { eventsPerObject: 5_000, tag: 'b' });
  expected = tally(events);
  engine = new DuckDbQueryEngine(dir);
  for (const type of reportTypes) snapshots.set(type, await generateSnapshot({ engine, dialect: 'duckdb' }, { workspaceId: 'ws-1', facts, type, range, weights }));
}, 120_000);

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report figures against known counts (DuckDB over Firehose-shaped files)', () => {
  it('delivery: sent, delivered, bounces, rejects, forwards', () => {
    expect(figures('delivery')).toMatchObject({ sent: expected.sent, delivered: expected.delivered, bounced: expected.bounced, forwarders: expected.forwarders, friends: expected.friends });
    expect(figures('delivery').bounceRate).toBeCloseTo(expected.bounced / expected.sent);
    expect(figures('bounces')).toMatchObject({ bounced: expected.bounced, hardBounced: expected.hardBounced, softBounced: expected.bounced - expected.hardBounced });
    expect(figures('invalid').rejected).toBe(expected.rejected);
    expect(figures('highlights').problems).toBe(expected.hardBounced + (expected.bounced - expected.hardBounced) + expected.complained + expected.rejected + expected.unsubscribers);
  });

  it('reading: opens and clicks counted once per event, people and machines apart', () => {
    expect(figures('opens')).toMatchObject({ openers: expected.openers, opens: expected.opens, machineOpens: expected.machineOpens });
    expect(figures('opens').openRate).toBeCloseTo(expected.openers / expected.delivered);
    expect(figures('clicks')).toMatchObject({ clickers: expected.clickers, clicks: expected.clicks });
    expect(figures('openTimeline').opens).toBe(expected.opens);
    expect(figures('clickTimeline').clicks).toBe(expected.clicks);
    expect(figures('unsubscribes').unsubscribers).toBe(expected.unsubscribers);
    expect(figures('comments').comments).toBe(expected.comments);
    const split = rows('opens', 'byAudience');
    expect(split.find((r) => r.audience === 'forwarded')?.openers).toBe(expected.friendOpeners);
  });

  it('ranking: links by recipients, by clicks and by first click', () => {
    const byLink = [...expected.clicksByLink.entries()];
    const ranked = rows('linksByClicks', 'links');
    expect(ranked.map((r) => r.clicks)).toEqual(byLink.map(([, v]) => v.clicks).sort((a, b) => b - a));
    for (const row of ranked) {
      const known = expected.clicksByLink.get((row.link_index as number) - 1);
      expect(row).toMatchObject({ clicks: known?.clicks, recipients: known?.recipients });
    }
    expect(rows('linksByRecipients', 'links').map((r) => r.recipients)).toEqual(byLink.map(([, v]) => v.recipients).sort((a, b) => b - a));
    for (const row of rows('linksByFirstClick', 'links')) expect(row.recipients).toBe(expected.clicksByLink.get((row.link_index as number) - 1)?.firstChoice);
  });

  it('geography and environment sum to the opens', () => {
    const cities = rows('openGeography', 'byCity');
    for (const [city, opens] of expected.opensByCity) expect(cities.find((r) => r.city === city)?.opens, city).toBe(opens);
    const countries = rows('openGeography', 'byCountry');
    expect(countries.reduce((total, r) => total + (r.opens as number), 0)).toBe(expected.opens);
    const os = rows('environment', 'byOs');
    for (const [name, opens] of expected.opensByOs) expect(os.find((r) => r.os === name)?.opens, name).toBe(opens);
  });

  it('forwarding: the tree, its reach, and depth', () => {
    expect(figures('forwards')).toMatchObject({ forwarders: expected.forwarders, friends: expected.friends, friendOpeners: expected.friendOpeners, maxDepth: 1 });
    const tree = rows('forwards', 'forwardTree');
    expect(tree).toHaveLength(expected.friends);
    expect(tree.filter((r) => r.opened === 1)).toHaveLength(expected.friendOpeners);
  });

  it('scores: each recipient\'s points from the weights', () => {
    const top = rows('scores', 'topRecipients');
    for (const row of top.slice(0, 20)) expect(row.points).toBeGreaterThanOrEqual(top.at(-1)?.points as number);
    const distribution = rows('scores', 'distribution');
    expect(distribution.reduce((total, r) => total + (r.recipients as number), 0)).toBe(figures('scores').scoredRecipients);
  });

  it('a campaign with no events gives an empty snapshot, not an error', async () => {
    const empty = await generateSnapshot({ engine, dialect: 'duckdb' }, { workspaceId: 'ws-1', facts: { ...facts, id: 'cmp-none' }, type: 'opens', range, weights });
    expect(empty.data.empty).toBe(true);
    expect(empty.data.figures.find((f) => f.key === 'openers')?.value).toBe(0);
    expect(empty.data.figures.find((f) => f.key === 'openRate')?.value).toBeNull();
  });

  it('the date range prunes: days outside it read nothing', async () => {
    const later = await generateSnapshot({ engine, dialect: 'duckdb' }, { workspaceId: 'ws-1', facts, type: 'opens', range: { from: '2026-12-01', to: '2026-12-31' }, weights });
    expect(later.data.empty).toBe(true);
  });

  it('every key a report shows has a label in both languages', () => {
    const labelled = labelledKeys();
    for (const [type, snapshot] of snapshots) {
      const keys = [...snapshot.data.figures.map((f) => f.key), ...snapshot.data.tables.flatMap((t) => [t.key, ...t.columns.map((c) => c.key)]), ...snapshot.data.charts.map((c) => c.key)];
      for (const key of keys) expect(labelled.has(key), `${type}: ${key}`).toBe(true);
    }
  });
});

/** Rows as Athena returns them when it knows no column type: every value as text, NULL absent. */
class TextRowsEngine implements QueryEngine {
  constructor(private readonly inner: QueryEngine) {}
  async query(sql: string, params?: Readonly<Record<string, string | number>>): Promise<QueryRow[]> {
    const rows = await this.inner.query(sql, params);
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value === null ? null : String(value)])));
  }
}

describe('both shapes of answer, and the Athena dialect', () => {
  it('builds the same data from text cells (Athena) as from typed ones (DuckDB)', async () => {
    const textual = new TextRowsEngine(engine);
    for (const type of reportTypes) {
      const fromText = await generateSnapshot({ engine: textual, dialect: 'duckdb' }, { workspaceId: 'ws-1', facts, type, range, weights });
      expect(fromText.data, type).toEqual(snapshots.get(type)?.data);
    }
  }, 60_000);

  it('writes Athena SQL with Trino functions only, every value a parameter', () => {
    const sql = dialectSql('athena');
    for (const type of reportTypes) {
      const ctx = { facts, range, weights, sql };
      for (const [name, text] of Object.entries(reportCatalog[type].queries(ctx))) {
        const where = `${type}.${name}`;
        expect(text, where).not.toMatch(/\blen\(|array_to_string|::|\bcount_if\b|\bILIKE\b/i);
        const { sql: rewritten, names } = rewritePlaceholders(text, () => '?');
        expect(rewritten, where).not.toMatch(/:[a-z]/i);
        const params = reportParams('ws-1', facts.id, range, weights);
        for (const param of names) expect(params, `${where} :${param}`).toHaveProperty(param);
      }
    }
    expect(sql.arrayLength('friends')).toContain('cardinality(friends)');
    expect(dialectSql('duckdb').arrayLength('friends')).toContain('len(friends)');
  });
});
