/**
 * SQL pieces every report shares. Each query reads one campaign's events in a partition range
 * (`dt BETWEEN :from AND :to` — Athena prunes the partitions it scans, DuckDB the files) and
 * counts `DISTINCT id`: Firehose may write a record twice, and an event's id is its identity.
 */
import type { QueryRow } from '../ports/query-engine';
import type { DialectSql } from './dialect';

/** The campaign's events in the range. */
export const SCOPE = 'workspace_id = :ws AND campaign_id = :campaign AND dt BETWEEN :from AND :to';
/** A person, not a mail privacy proxy or link scanner (NULL counts as a person). */
export const HUMAN = 'coalesce(machine, false) = false';
export const MACHINE = 'coalesce(machine, false) = true';

const distinctWhen = (condition: string, what: 'email' | 'id', alias: string) => `count(DISTINCT CASE WHEN ${condition} THEN ${what} END) AS ${alias}`;

/**
 * The counts most reports start from: recipients per delivery outcome and per action, events per
 * action, people and machines apart.
 */
export function countsSql(sql: DialectSql): string {
  const columns = [
    distinctWhen("type = 'send'", 'email', 'sent'),
    distinctWhen("type = 'delivery'", 'email', 'delivered'),
    distinctWhen("type = 'bounce'", 'email', 'bounced'),
    distinctWhen("type = 'bounce' AND bounce_type = 'Permanent'", 'email', 'hard_bounced'),
    distinctWhen("type = 'complaint'", 'email', 'complained'),
    distinctWhen("type = 'reject'", 'email', 'rejected'),
    distinctWhen(`type = 'open' AND ${HUMAN}`, 'email', 'openers'),
    distinctWhen(`type = 'open' AND ${HUMAN}`, 'id', 'opens'),
    distinctWhen(`type = 'open' AND ${MACHINE}`, 'email', 'machine_openers'),
    distinctWhen(`type = 'open' AND ${MACHINE}`, 'id', 'machine_opens'),
    distinctWhen(`type = 'click' AND ${HUMAN}`, 'email', 'clickers'),
    distinctWhen(`type = 'click' AND ${HUMAN}`, 'id', 'clicks'),
    distinctWhen(`type = 'click' AND ${MACHINE}`, 'email', 'machine_clickers'),
    distinctWhen(`type = 'click' AND ${MACHINE}`, 'id', 'machine_clicks'),
    distinctWhen("type = 'unsubscribe'", 'email', 'unsubscribers'),
    distinctWhen("type = 'forward'", 'email', 'forwarders'),
    distinctWhen("type = 'forward'", 'id', 'forwards'),
    distinctWhen("type = 'comment'", 'email', 'commenters'),
    distinctWhen("type = 'comment'", 'id', 'comments'),
    distinctWhen(`type = 'page_view' AND ${HUMAN}`, 'id', 'page_views'),
    'count(DISTINCT id) AS events',
    "min(CASE WHEN type = 'send' THEN event_time END) AS first_send",
    "max(CASE WHEN type = 'send' THEN event_time END) AS last_send",
  ];
  // Friends addressed: forward events are counted once per id before their friends are summed.
  return `WITH scoped AS (SELECT * FROM events WHERE ${SCOPE}),
forward_friends AS (SELECT id, max(${sql.arrayLength('friends')}) AS friends FROM scoped WHERE type = 'forward' GROUP BY id)
SELECT ${columns.join(',\n  ')},
  (SELECT coalesce(sum(friends), 0) FROM forward_friends) AS friends
FROM scoped`;
}

export interface Counts {
  readonly sent: number;
  readonly delivered: number;
  readonly bounced: number;
  readonly hardBounced: number;
  readonly complained: number;
  readonly rejected: number;
  readonly openers: number;
  readonly opens: number;
  readonly machineOpeners: number;
  readonly machineOpens: number;
  readonly clickers: number;
  readonly clicks: number;
  readonly machineClickers: number;
  readonly machineClicks: number;
  readonly unsubscribers: number;
  readonly forwarders: number;
  readonly forwards: number;
  readonly friends: number;
  readonly commenters: number;
  readonly comments: number;
  readonly pageViews: number;
  readonly events: number;
  readonly firstSend: string | null;
  readonly lastSend: string | null;
}

/**
 * A number from a result cell. Athena answers every value as text (the adapter converts the
 * numeric columns it knows, but a NULL sum or an unexpected type stays text); DuckDB answers
 * typed values. Both shapes read the same here.
 */
export function num(value: QueryRow[string] | undefined): number {
  if (value === null || value === undefined || value === '') return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
}

export function text(value: QueryRow[string] | undefined): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

export function countsOf(row: QueryRow | undefined): Counts {
  const r = row ?? {};
  return {
    sent: num(r.sent),
    delivered: num(r.delivered),
    bounced: num(r.bounced),
    hardBounced: num(r.hard_bounced),
    complained: num(r.complained),
    rejected: num(r.rejected),
    openers: num(r.openers),
    opens: num(r.opens),
    machineOpeners: num(r.machine_openers),
    machineOpens: num(r.machine_opens),
    clickers: num(r.clickers),
    clicks: num(r.clicks),
    machineClickers: num(r.machine_clickers),
    machineClicks: num(r.machine_clicks),
    unsubscribers: num(r.unsubscribers),
    forwarders: num(r.forwarders),
    forwards: num(r.forwards),
    friends: num(r.friends),
    commenters: num(r.commenters),
    comments: num(r.comments),
    pageViews: num(r.page_views),
    events: num(r.events),
    firstSend: text(r.first_send),
    lastSend: text(r.last_send),
  };
}

/** a / b, or null when b is 0 (a rate of nothing is not 0 %). */
export const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** What rates are measured against: delivered when the lake knows deliveries, else sent. */
export const reached = (counts: Counts): number => (counts.delivered > 0 ? counts.delivered : counts.sent);

/**
 * Time buckets straight from the ISO text: `YYYY-MM-DDTHH` (13 characters) per hour for ranges up
 * to a week, `YYYY-MM-DD` per day beyond.
 */
export function bucketOf(range: { from: string; to: string }): { length: 13 | 10; format: 'hour' | 'day' } {
  const days = (Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / 86_400_000 + 1;
  return days <= 7 ? { length: 13, format: 'hour' } : { length: 10, format: 'day' };
}
