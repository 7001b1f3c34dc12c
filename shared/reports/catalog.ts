/**
 * The report catalogue: for each report, the SQL it runs over the lake and how the rows become the
 * snapshot's figures, tables and charts. Facts the lake does not hold (list size, invalid and
 * suppressed addresses, links and files in the content) come from the campaign's runs.
 */
import { scoredEventTypes, type ScoredEventType } from '../engagement/model';
import type { QueryRow } from '../ports/query-engine';
import type { DialectSql } from './dialect';
import { maxTableRows, type CellValue, type Figure, type ReportChart, type ReportData, type ReportRange, type ReportTable, type ReportType, type TableColumn, type ValueFormat } from './model';
import { bucketOf, countsOf, countsSql, HUMAN, MACHINE, num, ratio, reached, SCOPE, text, type Counts } from './queries';

export interface RunFacts {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly launchedAt: string;
  readonly finishedAt?: string;
  readonly listSize: number;
  readonly invalid: number;
  readonly duplicates: number;
  readonly corrected: number;
  readonly suppressed: number;
  readonly excluded: number;
  readonly sent: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly forwarded: number;
}

export interface CampaignFacts {
  readonly id: string;
  readonly name: string;
  /** Tracked links in the content. */
  readonly links: number;
  /** Attachments and download links. */
  readonly files: number;
  /** Formal and test runs, oldest first. */
  readonly runs: readonly RunFacts[];
}

export interface ReportContext {
  readonly facts: CampaignFacts;
  readonly range: ReportRange;
  readonly weights: Readonly<Record<ScoredEventType, number>>;
  readonly sql: DialectSql;
}

export type Rows = Readonly<Record<string, readonly QueryRow[]>>;

export interface ReportDefinition {
  /** Named queries; each runs with :ws, :campaign, :from, :to (and :w_<type> weights). */
  queries(ctx: ReportContext): Readonly<Record<string, string>>;
  build(rows: Rows, ctx: ReportContext): Omit<ReportData, 'empty'>;
}

// --- small builders ---

const fig = (key: string, value: CellValue, format: ValueFormat = 'count'): Figure => ({ key, value, format });
const col = (key: string, format: ValueFormat = 'count'): TableColumn => ({ key, format });
/** A column of codes shown through their labels. */
const coded = (key: string): TableColumn => ({ key, format: 'text', coded: true });

const TEXT_FORMATS: ReadonlySet<ValueFormat> = new Set(['text', 'time', 'hour', 'day']);

/** A snapshot table: only the declared columns, text or numbers as the format says, at most maxTableRows rows. */
function table(key: string, columns: readonly TableColumn[], rows: readonly Readonly<Record<string, unknown>>[]): ReportTable {
  const cell = (value: unknown, format: ValueFormat): CellValue => {
    const v = value as QueryRow[string] | undefined;
    if (v === null || v === undefined) return null;
    return TEXT_FORMATS.has(format) ? text(v) : num(v);
  };
  const shaped = rows.slice(0, maxTableRows).map((row) => Object.fromEntries(columns.map((c) => [c.key, cell(row[c.key], c.format)])));
  return { key, columns, rows: shaped, ...(rows.length > maxTableRows ? { truncated: true } : {}) };
}

const chart = (key: string, kind: ReportChart['kind'], tableKey: string, label: string, series: readonly string[]): ReportChart => ({ key, kind, table: tableKey, label, series });

/** Rankings ask for one row more than a snapshot keeps, so `truncated` can be told. */
const LIMIT = maxTableRows + 1;

const counts = (rows: Rows): Counts => countsOf(rows.counts?.[0]);
const countsQuery = (ctx: ReportContext) => ({ counts: countsSql(ctx.sql) });

const sum = (facts: CampaignFacts, pick: (run: RunFacts) => number): number => facts.runs.reduce((total, run) => total + pick(run), 0);
/** Formal runs only: tests are not part of the campaign's figures. */
const formal = (facts: CampaignFacts): CampaignFacts => ({ ...facts, runs: facts.runs.filter((run) => run.type !== 'test') });

function sendDuration(facts: CampaignFacts, c: Counts): number | null {
  const runs = formal(facts).runs;
  const start = runs[0]?.launchedAt ?? c.firstSend;
  const ends = runs.map((run) => run.finishedAt).filter((at): at is string => Boolean(at));
  const end = ends.length === runs.length && ends.length > 0 ? ends.sort().at(-1) : c.lastSend;
  if (!start || !end) return null;
  return Math.max(0, Date.parse(end) - Date.parse(start));
}

const runColumns = [col('runId', 'text'), col('launchedAt', 'time'), col('finishedAt', 'time'), col('listSize'), col('suppressed'), col('sent'), col('failed'), col('cancelled')];
const runRows = (facts: CampaignFacts): QueryRow[] =>
  formal(facts).runs.map((run) => ({ runId: run.id, launchedAt: run.launchedAt, finishedAt: run.finishedAt ?? null, listSize: run.listSize, suppressed: run.suppressed + run.excluded, sent: run.sent, failed: run.failed, cancelled: run.cancelled }));

/** Events per time bucket of one type, people and machines apart. */
function timelineQuery(type: 'open' | 'click', range: ReportRange): string {
  const { length } = bucketOf(range);
  return `SELECT substr(event_time, 1, ${length}) AS bucket,
  count(DISTINCT CASE WHEN ${HUMAN} THEN id END) AS events,
  count(DISTINCT CASE WHEN ${HUMAN} THEN email END) AS people,
  count(DISTINCT CASE WHEN ${MACHINE} THEN id END) AS machine
FROM events WHERE ${SCOPE} AND type = '${type}'
GROUP BY substr(event_time, 1, ${length}) ORDER BY bucket`;
}

/** Target recipients and forwarded ones apart (目標客戶 / 轉寄). */
function audienceSplitQuery(type: 'open' | 'click'): string {
  return `SELECT CASE WHEN forwarded_by IS NULL THEN 'target' ELSE 'forwarded' END AS audience,
  count(DISTINCT CASE WHEN ${HUMAN} THEN email END) AS people,
  count(DISTINCT CASE WHEN ${HUMAN} THEN id END) AS events,
  count(DISTINCT CASE WHEN ${MACHINE} THEN email END) AS machine_people,
  count(DISTINCT CASE WHEN ${MACHINE} THEN id END) AS machine_events
FROM events WHERE ${SCOPE} AND type = '${type}'
GROUP BY CASE WHEN forwarded_by IS NULL THEN 'target' ELSE 'forwarded' END ORDER BY audience DESC`;
}

function linksQuery(order: 'recipients' | 'clicks'): string {
  return `SELECT link_index, min(url) AS url, count(DISTINCT email) AS recipients, count(DISTINCT id) AS clicks,
  min(event_time) AS first_click, max(event_time) AS last_click
FROM events WHERE ${SCOPE} AND type = 'click' AND ${HUMAN} AND link_index IS NOT NULL
GROUP BY link_index ORDER BY ${order} DESC, link_index LIMIT ${LIMIT}`;
}

/** Opens or clicks per country, region and city: one GROUPING SETS query, blanks as ''. */
function geographyQuery(type: 'open' | 'click'): string {
  return `SELECT country, region, city, grouping(region, city) AS level, count(DISTINCT id) AS events, count(DISTINCT email) AS people
FROM (SELECT coalesce(country, '') AS country, coalesce(region, '') AS region, coalesce(city, '') AS city, id, email
      FROM events WHERE ${SCOPE} AND type = '${type}' AND ${HUMAN}) AS placed
GROUP BY GROUPING SETS ((country), (country, region), (country, region, city))
ORDER BY events DESC, country, region, city`;
}

function geographyTables(rows: readonly QueryRow[], prefix: string): ReportTable[] {
  // grouping(region, city): 3 = country only, 1 = country + region, 0 = down to the city.
  const level = (n: number) => rows.filter((row) => num(row.level) === n);
  const people = prefix === 'open' ? 'openers' : 'clickers';
  const events = prefix === 'open' ? 'opens' : 'clicks';
  const shape = (row: QueryRow) => ({ country: row.country || null, region: row.region || null, city: row.city || null, [events]: num(row.events), [people]: num(row.people) });
  return [
    table('byCountry', [col('country', 'text'), col(events), col(people)], level(3).map(shape)),
    table('byRegion', [col('country', 'text'), col('region', 'text'), col(events), col(people)], level(1).map(shape)),
    table('byCity', [col('country', 'text'), col('region', 'text'), col('city', 'text'), col(events), col(people)], level(0).map(shape)),
  ];
}

function timelineReport(rows: Rows, ctx: ReportContext, type: 'open' | 'click'): Omit<ReportData, 'empty'> {
  const { format } = bucketOf(ctx.range);
  const events = type === 'open' ? 'opens' : 'clicks';
  const people = type === 'open' ? 'openers' : 'clickers';
  const machine = type === 'open' ? 'machineOpens' : 'machineClicks';
  const timeline = (rows.timeline ?? []).map((row) => ({ bucket: text(row.bucket), [events]: num(row.events), [people]: num(row.people), [machine]: num(row.machine) }));
  const peak = timeline.reduce<(typeof timeline)[number] | undefined>((best, row) => (!best || (row[events] as number) > (best[events] as number) ? row : best), undefined);
  return {
    figures: [fig(events, timeline.reduce((total, row) => total + (row[events] as number), 0)), fig('peakBucket', peak && (peak[events] as number) > 0 ? peak.bucket : null, format), fig('peakEvents', peak ? (peak[events] as number) : 0)],
    tables: [table('timeline', [col('bucket', format), col(events), col(people), col(machine)], timeline)],
    charts: [chart(`${type}Timeline`, 'line', 'timeline', 'bucket', [events, machine])],
  };
}

function audienceSplitTable(rows: readonly QueryRow[], type: 'open' | 'click'): ReportTable {
  const people = type === 'open' ? 'openers' : 'clickers';
  const events = type === 'open' ? 'opens' : 'clicks';
  const machinePeople = type === 'open' ? 'machineOpeners' : 'machineClickers';
  const machineEvents = type === 'open' ? 'machineOpens' : 'machineClicks';
  return table(
    'byAudience',
    [coded('audience'), col(people), col(events), col(machinePeople), col(machineEvents)],
    rows.map((row) => ({ audience: row.audience, [people]: row.people, [events]: row.events, [machinePeople]: row.machine_people, [machineEvents]: row.machine_events })),
  );
}

const weightParams = (): string => scoredEventTypes.map((type) => `count(DISTINCT CASE WHEN type = '${type}'${type === 'open' || type === 'click' || type === 'page_view' ? ` AND ${HUMAN}` : ''} THEN id END) * :w_${type}`).join(' + ');

// --- the catalogue ---

export const reportCatalog: Readonly<Record<ReportType, ReportDefinition>> = {
  summary: {
    queries: countsQuery,
    build: (rows, ctx) => {
      const c = counts(rows);
      const facts = formal(ctx.facts);
      const listSize = sum(facts, (run) => run.listSize);
      const invalid = sum(facts, (run) => run.invalid + run.duplicates);
      return {
        figures: [
          fig('listSize', listSize),
          fig('validAddresses', Math.max(0, listSize - invalid)),
          fig('suppressed', sum(facts, (run) => run.suppressed + run.excluded)),
          fig('sent', c.sent || sum(facts, (run) => run.sent)),
          fig('links', ctx.facts.links),
          fig('files', ctx.facts.files),
          fig('firstSend', c.firstSend ?? facts.runs[0]?.launchedAt ?? null, 'time'),
          fig('lastSend', c.lastSend, 'time'),
          fig('sendDuration', sendDuration(ctx.facts, c), 'duration'),
        ],
        tables: [table('runs', runColumns, runRows(ctx.facts))],
        charts: [],
      };
    },
  },
  delivery: {
    queries: (ctx) => ({
      ...countsQuery(ctx),
      daily: `SELECT substr(event_time, 1, 10) AS day,
  count(DISTINCT CASE WHEN type = 'send' THEN email END) AS sent,
  count(DISTINCT CASE WHEN type = 'delivery' THEN email END) AS delivered,
  count(DISTINCT CASE WHEN type = 'bounce' THEN email END) AS bounced
FROM events WHERE ${SCOPE} AND type IN ('send', 'delivery', 'bounce')
GROUP BY substr(event_time, 1, 10) ORDER BY day`,
    }),
    build: (rows) => {
      const c = counts(rows);
      return {
        figures: [
          fig('sent', c.sent),
          fig('delivered', c.delivered),
          fig('bounced', c.bounced),
          fig('bounceRate', ratio(c.bounced, c.sent), 'percent'),
          fig('successRate', ratio(c.delivered, c.sent), 'percent'),
          fig('forwarders', c.forwarders),
          fig('friends', c.friends),
          fig('forwardRate', ratio(c.forwarders, reached(c)), 'percent'),
          fig('forwardsPerPerson', ratio(c.friends, c.forwarders), 'ratio'),
        ],
        tables: [table('daily', [col('day', 'day'), col('sent'), col('delivered'), col('bounced')], rows.daily ?? [])],
        charts: [chart('deliveryDaily', 'bar', 'daily', 'day', ['delivered', 'bounced'])],
      };
    },
  },
  bounces: {
    queries: (ctx) => ({
      ...countsQuery(ctx),
      reasons: `SELECT coalesce(bounce_type, 'Undetermined') AS bounce_type, coalesce(reason, '') AS reason, count(DISTINCT email) AS recipients
FROM events WHERE ${SCOPE} AND type = 'bounce'
GROUP BY coalesce(bounce_type, 'Undetermined'), coalesce(reason, '') ORDER BY recipients DESC, bounce_type, reason LIMIT ${LIMIT}`,
      kinds: `SELECT coalesce(bounce_type, 'Undetermined') AS bounce_type, count(DISTINCT email) AS recipients
FROM events WHERE ${SCOPE} AND type = 'bounce' GROUP BY coalesce(bounce_type, 'Undetermined') ORDER BY recipients DESC`,
    }),
    build: (rows) => {
      const c = counts(rows);
      return {
        figures: [fig('sent', c.sent), fig('bounced', c.bounced), fig('hardBounced', c.hardBounced), fig('softBounced', c.bounced - c.hardBounced), fig('bounceRate', ratio(c.bounced, c.sent), 'percent')],
        tables: [table('bounceKinds', [coded('bounce_type'), col('recipients')], rows.kinds ?? []), table('bounceReasons', [col('bounce_type', 'text'), col('reason', 'text'), col('recipients')], rows.reasons ?? [])],
        charts: [chart('bounceKinds', 'pie', 'bounceKinds', 'bounce_type', ['recipients'])],
      };
    },
  },
  invalid: {
    queries: (ctx) => ({
      ...countsQuery(ctx),
      rejections: `SELECT coalesce(reason, '') AS reason, count(DISTINCT email) AS recipients FROM events WHERE ${SCOPE} AND type = 'reject'
GROUP BY coalesce(reason, '') ORDER BY recipients DESC, reason LIMIT ${LIMIT}`,
    }),
    build: (rows, ctx) => {
      const c = counts(rows);
      const facts = formal(ctx.facts);
      const listSize = sum(facts, (run) => run.listSize);
      const invalid = sum(facts, (run) => run.invalid);
      const failed = sum(facts, (run) => run.failed);
      return {
        figures: [
          fig('listSize', listSize),
          fig('invalidAddresses', invalid),
          fig('invalidRate', ratio(invalid, listSize), 'percent'),
          fig('duplicates', sum(facts, (run) => run.duplicates)),
          fig('corrected', sum(facts, (run) => run.corrected)),
          fig('failedSends', failed),
          fig('rejected', c.rejected),
          fig('errorRate', ratio(failed, listSize), 'percent'),
        ],
        tables: [table('rejections', [col('reason', 'text'), col('recipients')], rows.rejections ?? [])],
        charts: [],
      };
    },
  },
  opens: {
    queries: (ctx) => ({ ...countsQuery(ctx), split: audienceSplitQuery('open') }),
    build: (rows) => {
      const c = counts(rows);
      return {
        figures: [
          fig('openers', c.openers),
          fig('opens', c.opens),
          fig('openRate', ratio(c.openers, reached(c)), 'percent'),
          fig('opensPerOpener', ratio(c.opens, c.openers), 'ratio'),
          fig('machineOpeners', c.machineOpeners),
          fig('machineOpens', c.machineOpens),
        ],
        tables: [audienceSplitTable(rows.split ?? [], 'open')],
        charts: [chart('openers', 'bar', 'byAudience', 'audience', ['openers', 'machineOpeners'])],
      };
    },
  },
  openTimeline: { queries: (ctx) => ({ timeline: timelineQuery('open', ctx.range) }), build: (rows, ctx) => timelineReport(rows, ctx, 'open') },
  clicks: {
    queries: (ctx) => ({ ...countsQuery(ctx), split: audienceSplitQuery('click') }),
    build: (rows) => {
      const c = counts(rows);
      return {
        figures: [
          fig('clickers', c.clickers),
          fig('clicks', c.clicks),
          fig('clickRate', ratio(c.clickers, reached(c)), 'percent'),
          fig('clicksPerClicker', ratio(c.clicks, c.clickers), 'ratio'),
          fig('clickToOpenRate', ratio(c.clickers, c.openers), 'percent'),
          fig('machineClicks', c.machineClicks),
        ],
        tables: [audienceSplitTable(rows.split ?? [], 'click')],
        charts: [chart('clickers', 'bar', 'byAudience', 'audience', ['clickers', 'machineClickers'])],
      };
    },
  },
  clickTimeline: { queries: (ctx) => ({ timeline: timelineQuery('click', ctx.range) }), build: (rows, ctx) => timelineReport(rows, ctx, 'click') },
  unsubscribes: {
    queries: (ctx) => ({
      ...countsQuery(ctx),
      scopes: `SELECT scope, count(DISTINCT email) AS recipients FROM (
  SELECT email, s.scope AS scope FROM events CROSS JOIN UNNEST(categories) AS s(scope) WHERE ${SCOPE} AND type = 'unsubscribe'
) AS scoped GROUP BY scope ORDER BY recipients DESC, scope LIMIT ${LIMIT}`,
      daily: `SELECT substr(event_time, 1, 10) AS day, count(DISTINCT email) AS unsubscribers FROM events WHERE ${SCOPE} AND type = 'unsubscribe'
GROUP BY substr(event_time, 1, 10) ORDER BY day`,
    }),
    build: (rows) => {
      const c = counts(rows);
      return {
        figures: [fig('unsubscribers', c.unsubscribers), fig('unsubscribeRate', ratio(c.unsubscribers, reached(c)), 'percent'), fig('complained', c.complained)],
        tables: [table('unsubscribeScopes', [coded('scope'), col('recipients')], rows.scopes ?? []), table('daily', [col('day', 'day'), col('unsubscribers')], rows.daily ?? [])],
        charts: [chart('unsubscribesDaily', 'bar', 'daily', 'day', ['unsubscribers'])],
      };
    },
  },
  comments: {
    queries: () => ({
      list: `SELECT min(event_time) AS event_time, min(email) AS email, min(name) AS name, min(text) AS text FROM events WHERE ${SCOPE} AND type = 'comment'
GROUP BY id ORDER BY event_time DESC LIMIT ${LIMIT}`,
      totals: `SELECT count(DISTINCT id) AS comments, count(DISTINCT email) AS commenters FROM events WHERE ${SCOPE} AND type = 'comment'`,
    }),
    build: (rows) => ({
      figures: [fig('comments', num(rows.totals?.[0]?.comments)), fig('commenters', num(rows.totals?.[0]?.commenters))],
      tables: [table('comments', [col('event_time', 'time'), col('email', 'text'), col('name', 'text'), col('text', 'text')], rows.list ?? [])],
      charts: [],
    }),
  },
  opensVsClicks: {
    queries: countsQuery,
    build: (rows) => {
      const c = counts(rows);
      const base = reached(c);
      return {
        figures: [fig('opensPerOpener', ratio(c.opens, c.openers), 'ratio'), fig('clicksPerClicker', ratio(c.clicks, c.clickers), 'ratio'), fig('clickToOpenRate', ratio(c.clickers, c.openers), 'percent')],
        tables: [
          table(
            'opensVsClicks',
            [coded('action'), col('people'), col('events'), col('rate', 'percent'), col('perPerson', 'ratio')],
            [
              { action: 'open', people: c.openers, events: c.opens, rate: ratio(c.openers, base), perPerson: ratio(c.opens, c.openers) },
              { action: 'click', people: c.clickers, events: c.clicks, rate: ratio(c.clickers, base), perPerson: ratio(c.clicks, c.clickers) },
            ],
          ),
        ],
        charts: [chart('opensVsClicks', 'bar', 'opensVsClicks', 'action', ['people', 'events'])],
      };
    },
  },
  linksByRecipients: {
    queries: () => ({ links: linksQuery('recipients') }),
    build: (rows) => linkRanking(rows, 'recipients'),
  },
  linksByClicks: {
    queries: () => ({ links: linksQuery('clicks') }),
    build: (rows) => linkRanking(rows, 'clicks'),
  },
  linksByFirstClick: {
    queries: () => ({
      links: `SELECT link_index, min(url) AS url, count(*) AS recipients, min(event_time) AS first_click, max(event_time) AS last_click FROM (
  SELECT email, link_index, url, event_time, row_number() OVER (PARTITION BY email ORDER BY event_time, id) AS position
  FROM events WHERE ${SCOPE} AND type = 'click' AND ${HUMAN} AND link_index IS NOT NULL
) AS ordered WHERE position = 1
GROUP BY link_index ORDER BY recipients DESC, link_index LIMIT ${LIMIT}`,
    }),
    build: (rows) => {
      const links = rows.links ?? [];
      return {
        figures: [fig('links', links.length), fig('clickers', links.reduce((total, row) => total + num(row.recipients), 0))],
        tables: [table('links', [col('link_index'), col('url', 'text'), col('recipients'), col('first_click', 'time'), col('last_click', 'time')], links.map((row) => ({ ...row, link_index: num(row.link_index) + 1 })))],
        charts: [chart('links', 'bar', 'links', 'link_index', ['recipients'])],
      };
    },
  },
  scores: {
    queries: () => {
      const perRecipient = `SELECT email, ${weightParams()} AS points,
  count(DISTINCT CASE WHEN type = 'open' AND ${HUMAN} THEN id END) AS opens,
  count(DISTINCT CASE WHEN type = 'click' AND ${HUMAN} THEN id END) AS clicks,
  count(DISTINCT CASE WHEN type = 'forward' THEN id END) AS forwards
FROM events WHERE ${SCOPE} AND email IS NOT NULL GROUP BY email`;
      return {
        top: `${perRecipient} ORDER BY points DESC, email LIMIT ${LIMIT}`,
        distribution: `SELECT points, count(*) AS recipients, sum(points) AS total FROM (${perRecipient}) AS scored GROUP BY points ORDER BY points`,
      };
    },
    build: (rows, ctx) => {
      const distribution = rows.distribution ?? [];
      const recipients = distribution.reduce((total, row) => total + num(row.recipients), 0);
      const points = distribution.reduce((total, row) => total + num(row.total), 0);
      return {
        figures: [fig('scoredRecipients', recipients), fig('totalPoints', points), fig('averagePoints', ratio(points, recipients), 'ratio')],
        tables: [
          table('weights', [coded('event'), col('weight')], scoredEventTypes.map((type) => ({ event: type, weight: ctx.weights[type] }))),
          table('distribution', [col('points'), col('recipients')], distribution),
          table('topRecipients', [col('email', 'text'), col('points'), col('opens'), col('clicks'), col('forwards')], rows.top ?? []),
        ],
        charts: [chart('distribution', 'bar', 'distribution', 'points', ['recipients'])],
      };
    },
  },
  openGeography: {
    queries: () => ({ places: geographyQuery('open') }),
    build: (rows) => {
      const tables = geographyTables(rows.places ?? [], 'open');
      return { figures: [fig('countries', tables[0]?.rows.length ?? 0), fig('cities', tables[2]?.rows.length ?? 0)], tables, charts: [chart('byCountry', 'pie', 'byCountry', 'country', ['opens']), chart('byCity', 'bar', 'byCity', 'city', ['opens'])] };
    },
  },
  clickGeography: {
    queries: () => ({ places: geographyQuery('click') }),
    build: (rows) => {
      const tables = geographyTables(rows.places ?? [], 'click');
      return { figures: [fig('countries', tables[0]?.rows.length ?? 0), fig('cities', tables[2]?.rows.length ?? 0)], tables, charts: [chart('byCountry', 'pie', 'byCountry', 'country', ['clicks']), chart('byCity', 'bar', 'byCity', 'city', ['clicks'])] };
    },
  },
  environment: {
    queries: () => ({
      environment: `SELECT os, client, device_type, grouping(os, client, device_type) AS level, count(DISTINCT id) AS opens, count(DISTINCT email) AS openers
FROM (SELECT coalesce(os, '') AS os, coalesce(client, '') AS client, coalesce(device_type, '') AS device_type, id, email
      FROM events WHERE ${SCOPE} AND type = 'open' AND ${HUMAN}) AS seen
GROUP BY GROUPING SETS ((os), (client), (device_type)) ORDER BY opens DESC`,
      machines: `SELECT coalesce(machine_reason, '') AS machine_reason, count(DISTINCT id) AS opens FROM events WHERE ${SCOPE} AND type = 'open' AND ${MACHINE}
GROUP BY coalesce(machine_reason, '') ORDER BY opens DESC`,
    }),
    build: (rows) => {
      const all = rows.environment ?? [];
      // grouping(os, client, device_type): 3 = by os, 5 = by client, 6 = by device type.
      const pick = (level: number, key: 'os' | 'client' | 'device_type') => all.filter((row) => num(row.level) === level).map((row) => ({ [key]: row[key] || null, opens: row.opens, openers: row.openers }));
      const humanOpens = pick(3, 'os').reduce((total, row) => total + num(row.opens as QueryRow[string]), 0);
      const machineOpens = (rows.machines ?? []).reduce((total, row) => total + num(row.opens), 0);
      return {
        figures: [fig('opens', humanOpens), fig('machineOpens', machineOpens)],
        tables: [
          table('byOs', [col('os', 'text'), col('opens'), col('openers')], pick(3, 'os')),
          table('byClient', [col('client', 'text'), col('opens'), col('openers')], pick(5, 'client')),
          table('byDevice', [col('device_type', 'text'), col('opens'), col('openers')], pick(6, 'device_type')),
          table('machineReasons', [coded('machine_reason'), col('opens')], rows.machines ?? []),
        ],
        charts: [chart('byOs', 'pie', 'byOs', 'os', ['opens']), chart('byClient', 'bar', 'byClient', 'client', ['opens'])],
      };
    },
  },
  highlights: {
    queries: countsQuery,
    build: (rows, ctx) => {
      const c = counts(rows);
      const facts = formal(ctx.facts);
      const listSize = sum(facts, (run) => run.listSize);
      const problems = [
        { problem: 'hardBounced', recipients: c.hardBounced },
        { problem: 'softBounced', recipients: c.bounced - c.hardBounced },
        { problem: 'complained', recipients: c.complained },
        { problem: 'rejected', recipients: c.rejected },
        { problem: 'failedSends', recipients: sum(facts, (run) => run.failed) },
        { problem: 'suppressed', recipients: sum(facts, (run) => run.suppressed + run.excluded) },
        { problem: 'invalidAddresses', recipients: sum(facts, (run) => run.invalid) },
        { problem: 'unsubscribers', recipients: c.unsubscribers },
      ].map((row) => ({ ...row, share: ratio(row.recipients, listSize || c.sent) }));
      const bad = problems.reduce((total, row) => total + row.recipients, 0);
      return {
        figures: [fig('listSize', listSize), fig('sent', c.sent), fig('delivered', c.delivered), fig('problems', bad), fig('problemRate', ratio(bad, listSize || c.sent), 'percent')],
        tables: [table('problems', [coded('problem'), col('recipients'), col('share', 'percent')], problems)],
        charts: [chart('problems', 'bar', 'problems', 'problem', ['recipients'])],
      };
    },
  },
  forwards: {
    queries: () => ({
      tree: `WITH sent AS (
  SELECT id, min(email) AS forwarder, min(event_time) AS event_time, max(coalesce(forward_depth, 0)) + 1 AS depth, max(friends) AS friends
  FROM events WHERE ${SCOPE} AND type = 'forward' GROUP BY id
), edges AS (
  SELECT forwarder, f.friend AS friend, min(event_time) AS event_time, min(depth) AS depth FROM sent CROSS JOIN UNNEST(friends) AS f(friend) GROUP BY forwarder, f.friend
), reach AS (
  SELECT email, forwarded_by,
    max(CASE WHEN type = 'open' AND ${HUMAN} THEN 1 ELSE 0 END) AS opened,
    max(CASE WHEN type = 'click' AND ${HUMAN} THEN 1 ELSE 0 END) AS clicked,
    max(CASE WHEN type = 'forward' THEN 1 ELSE 0 END) AS forwarded_on
  FROM events WHERE ${SCOPE} AND forwarded_by IS NOT NULL GROUP BY email, forwarded_by
)
SELECT edges.depth, edges.forwarder, edges.friend, edges.event_time, coalesce(reach.opened, 0) AS opened, coalesce(reach.clicked, 0) AS clicked, coalesce(reach.forwarded_on, 0) AS forwarded_on
FROM edges LEFT JOIN reach ON reach.email = edges.friend AND reach.forwarded_by = edges.forwarder
ORDER BY edges.depth, edges.forwarder, edges.friend LIMIT ${LIMIT}`,
      totals: `WITH sent AS (SELECT id, min(email) AS forwarder, max(friends) AS friends, max(coalesce(forward_depth, 0)) + 1 AS depth FROM events WHERE ${SCOPE} AND type = 'forward' GROUP BY id)
SELECT count(DISTINCT forwarder) AS forwarders, count(DISTINCT f.friend) AS friends, max(depth) AS depth FROM sent CROSS JOIN UNNEST(friends) AS f(friend)`,
      reach: `SELECT count(DISTINCT CASE WHEN type = 'open' AND ${HUMAN} THEN email END) AS openers, count(DISTINCT CASE WHEN type = 'click' AND ${HUMAN} THEN email END) AS clickers,
  count(DISTINCT CASE WHEN type = 'open' AND ${MACHINE} THEN email END) AS machine_openers
FROM events WHERE ${SCOPE} AND forwarded_by IS NOT NULL`,
    }),
    build: (rows) => {
      const totals = rows.totals?.[0] ?? {};
      const reach = rows.reach?.[0] ?? {};
      const tree = (rows.tree ?? []).map((row) => ({ ...row, opened: num(row.opened), clicked: num(row.clicked), forwarded_on: num(row.forwarded_on) }));
      const friends = num(totals.friends);
      return {
        figures: [
          fig('forwarders', num(totals.forwarders)),
          fig('friends', friends),
          fig('maxDepth', num(totals.depth)),
          fig('friendOpeners', num(reach.openers)),
          fig('friendOpenRate', ratio(num(reach.openers), friends), 'percent'),
          fig('friendClickers', num(reach.clickers)),
          fig('friendMachineOpeners', num(reach.machine_openers)),
        ],
        tables: [table('forwardTree', [col('depth'), col('forwarder', 'text'), col('friend', 'text'), col('event_time', 'time'), col('opened'), col('clicked'), col('forwarded_on')], tree)],
        charts: [],
      };
    },
  },
};

function linkRanking(rows: Rows, by: 'recipients' | 'clicks'): Omit<ReportData, 'empty'> {
  // Link positions are shown from 1, as people count them.
  const links = (rows.links ?? []).map((row) => ({ ...row, link_index: num(row.link_index) + 1 }));
  return {
    figures: [fig('links', links.length), fig(by === 'recipients' ? 'topLinkRecipients' : 'topLinkClicks', num(rows.links?.[0]?.[by]))],
    tables: [table('links', [col('link_index'), col('url', 'text'), col('recipients'), col('clicks'), col('first_click', 'time'), col('last_click', 'time')], links)],
    charts: [chart('links', 'bar', 'links', 'link_index', [by])],
  };
}

/** Query parameters every report binds: the scope and the score weights. */
export function reportParams(workspaceId: string, campaignId: string, range: ReportRange, weights: Readonly<Record<ScoredEventType, number>>): Record<string, string | number> {
  return { ws: workspaceId, campaign: campaignId, from: range.from, to: range.to, ...Object.fromEntries(scoredEventTypes.map((type) => [`w_${type}`, weights[type]])) };
}
