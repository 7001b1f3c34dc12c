/**
 * 下載報表: the recipient-level lists behind the reports, written as CSV or XLSX files of at most
 * `maxRowsPerFile` rows each (the same writers as contact exports: BOM + CSV-injection guard,
 * typed XLSX cells). One row per event for opens and clicks (as OMICard's open list: open id,
 * address, target or forwarded, time, OS, client, IP), one per recipient for the others.
 */
import type { FileSink } from '../exports/ports';
import { contentTypes, openRowWriter, type RowWriter } from '../exports/writers';
import type { QueryEngine, QueryRow } from '../ports/query-engine';
import type { DialectSql } from './dialect';
import { reportLabel } from './labels';
import type { ListFile, RecipientList, RecipientListJob, ReportLanguage, ReportRange } from './model';
import { HUMAN, SCOPE } from './queries';

interface ListQuery {
  readonly sql: string;
  readonly columns: readonly string[];
}

const audience = "CASE WHEN forwarded_by IS NULL THEN 'target' ELSE 'forwarded' END AS audience";
const place = 'ip, country, region, city';

function listQuery(list: RecipientList, sql: DialectSql, linkIndex: number | undefined): ListQuery {
  switch (list) {
    case 'openers':
      return {
        sql: `SELECT DISTINCT id AS event_id, email, ${audience}, event_time, os, client, ${place}, coalesce(machine, false) AS machine, machine_reason
FROM events WHERE ${SCOPE} AND type = 'open' ORDER BY event_time, event_id`,
        columns: ['event_id', 'email', 'audience', 'event_time', 'os', 'client', 'ip', 'country', 'region', 'city', 'machine', 'machine_reason'],
      };
    case 'clickers':
      return {
        sql: `SELECT DISTINCT id AS event_id, email, ${audience}, event_time, link_index + 1 AS link_index, url, os, client, ${place}
FROM events WHERE ${SCOPE} AND type = 'click' AND ${HUMAN}${linkIndex === undefined ? '' : ' AND link_index = :link'} ORDER BY event_time, event_id`,
        columns: ['event_id', 'email', 'audience', 'event_time', 'link_index', 'url', 'os', 'client', 'ip', 'country', 'region', 'city'],
      };
    case 'bounces':
      return {
        sql: `SELECT email, min(event_time) AS event_time, max(bounce_type) AS bounce_type, max(reason) AS reason FROM events WHERE ${SCOPE} AND type = 'bounce' GROUP BY email ORDER BY email`,
        columns: ['email', 'event_time', 'bounce_type', 'reason'],
      };
    case 'complaints':
      return {
        sql: `SELECT email, min(event_time) AS event_time, max(reason) AS reason FROM events WHERE ${SCOPE} AND type = 'complaint' GROUP BY email ORDER BY email`,
        columns: ['email', 'event_time', 'reason'],
      };
    case 'unsubscribers':
      return {
        sql: `SELECT email, min(event_time) AS event_time, max(${sql.arrayJoin('categories', '; ')}) AS scope FROM events WHERE ${SCOPE} AND type = 'unsubscribe' GROUP BY email ORDER BY email`,
        columns: ['email', 'event_time', 'scope'],
      };
    case 'nonOpeners':
      // Delivered (or, where the lake has no delivery events, sent) and never opened by a person.
      return {
        sql: `WITH reached AS (
  SELECT email, min(event_time) AS event_time FROM events WHERE ${SCOPE} AND type IN ('send', 'delivery') AND forwarded_by IS NULL GROUP BY email
), failed AS (
  SELECT DISTINCT email FROM events WHERE ${SCOPE} AND type IN ('bounce', 'reject')
), opened AS (
  SELECT DISTINCT email FROM events WHERE ${SCOPE} AND type IN ('open', 'click') AND ${HUMAN}
)
SELECT reached.email, reached.event_time FROM reached
LEFT JOIN failed ON failed.email = reached.email
LEFT JOIN opened ON opened.email = reached.email
WHERE failed.email IS NULL AND opened.email IS NULL ORDER BY reached.email`,
        columns: ['email', 'event_time'],
      };
    case 'forwarded':
      return {
        sql: `WITH sent AS (
  SELECT id, min(email) AS forwarder, min(event_time) AS event_time, max(coalesce(forward_depth, 0)) + 1 AS depth, max(friends) AS friends
  FROM events WHERE ${SCOPE} AND type = 'forward' GROUP BY id
), reach AS (
  SELECT email, forwarded_by,
    max(CASE WHEN type = 'open' AND ${HUMAN} THEN 1 ELSE 0 END) AS opened,
    max(CASE WHEN type = 'click' AND ${HUMAN} THEN 1 ELSE 0 END) AS clicked
  FROM events WHERE ${SCOPE} AND forwarded_by IS NOT NULL GROUP BY email, forwarded_by
)
SELECT f.friend AS friend, sent.forwarder, min(sent.event_time) AS event_time, min(sent.depth) AS depth, max(coalesce(reach.opened, 0)) AS opened, max(coalesce(reach.clicked, 0)) AS clicked
FROM sent CROSS JOIN UNNEST(friends) AS f(friend)
LEFT JOIN reach ON reach.email = f.friend AND reach.forwarded_by = sent.forwarder
GROUP BY f.friend, sent.forwarder ORDER BY depth, forwarder, friend`,
        columns: ['friend', 'forwarder', 'event_time', 'depth', 'opened', 'clicked'],
      };
    case 'comments':
      return {
        sql: `SELECT DISTINCT id AS event_id, event_time, email, name, text FROM events WHERE ${SCOPE} AND type = 'comment' ORDER BY event_time, event_id`,
        columns: ['event_id', 'event_time', 'email', 'name', 'text'],
      };
  }
}

export interface ListDeps {
  readonly engine: QueryEngine;
  readonly sql: DialectSql;
  readonly openSink: (key: string, contentType: string) => FileSink;
}

const CODED = new Set(['audience', 'bounce_type', 'machine_reason']);

/** One cell as written: codes through their label, booleans as the words, NULL as empty. */
function cellOf(column: string, value: QueryRow[string] | undefined, language: ReportLanguage): string | number | boolean | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (column === 'machine') return reportLabel(language, value === true || value === 'true' ? 'machine' : 'human');
  if (CODED.has(column) && typeof value === 'string') return reportLabel(language, value);
  return value;
}

const fileNameOf = (job: RecipientListJob, index: number, parts: number) =>
  `${job.list}-${job.campaignId}${parts > 1 ? `-${String(index + 1).padStart(3, '0')}` : ''}.${job.format}`;

/**
 * Runs the list's query and writes its rows into files of at most `maxRowsPerFile` rows; a list
 * with no rows still gives one file with its header. Returns the files, in order.
 */
export async function writeRecipientList(deps: ListDeps, job: RecipientListJob, range: ReportRange, language: ReportLanguage): Promise<{ files: ListFile[]; rows: number }> {
  const query = listQuery(job.list, deps.sql, job.linkIndex);
  const params: Record<string, string | number> = { ws: job.workspaceId, campaign: job.campaignId, from: range.from, to: range.to };
  // People count links from 1; the lake keeps their position from 0.
  if (job.list === 'clickers' && job.linkIndex !== undefined) params.link = job.linkIndex - 1;
  const rows = await deps.engine.query(query.sql, params);
  const header = query.columns.map((column) => reportLabel(language, column));
  const parts = Math.max(1, Math.ceil(rows.length / job.maxRowsPerFile));
  const files: ListFile[] = [];
  for (let part = 0; part < parts; part += 1) {
    const name = fileNameOf(job, part, parts);
    const key = `lists/${job.workspaceId}/${job.campaignId}/${job.id}/${name}`;
    const writer: RowWriter = await openRowWriter(job.format, deps.openSink(key, contentTypes[job.format]), header);
    const slice = rows.slice(part * job.maxRowsPerFile, (part + 1) * job.maxRowsPerFile);
    try {
      for (const row of slice) await writer.write(query.columns.map((column) => cellOf(column, row[column], language)));
      await writer.end();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    files.push({ name, key, rows: slice.length });
  }
  return { files, rows: rows.length };
}
