/**
 * One event in the lake: every send, delivery, bounce, complaint, open, click, page view,
 * unsubscribe, subscribe, forward and comment has this one flat shape (one JSON line), so Athena
 * (Glue table, analytics stack) and DuckDB (the sandbox) read the same columns.
 */
export const lakeEventTypes = [
  'send',
  'delivery',
  'bounce',
  'complaint',
  'reject',
  'open',
  'click',
  'page_view',
  'unsubscribe',
  'subscribe',
  'forward',
  'comment',
] as const;
export type LakeEventType = (typeof lakeEventTypes)[number];

/**
 * The line written for each event. Keys are snake_case because they are also the column names:
 * Athena's JSON SerDe and DuckDB's read_json both match keys to columns by exact name.
 * Absent fields are left out of the line (NULL in both engines).
 */
export interface LakeEvent {
  /** ULID: unique, sortable by time; the idempotency key of everything derived from the event. */
  readonly id: string;
  readonly type: LakeEventType;
  /** ISO 8601 UTC, milliseconds. (Not `at`: a keyword in DuckDB's grammar, so report SQL would need quotes.) */
  readonly event_time: string;
  readonly workspace_id: string;
  readonly campaign_id?: string;
  readonly run_id?: string;
  /** Lower-cased recipient address (the ledger key). */
  readonly email?: string;
  readonly contact_id?: string;
  readonly channel?: 'mail' | 'sms' | 'fax';
  /** SES message id (send / delivery / bounce / complaint). */
  readonly message_id?: string;
  /** Opens, clicks, page views: a mail privacy proxy or a link scanner, not a person. */
  readonly machine?: boolean;
  readonly machine_reason?: string;
  /** Click: the link's position in the message; page views: absent. */
  readonly link_index?: number;
  /** Click target, or the page viewed / link clicked on a landing page. */
  readonly url?: string;
  readonly referrer?: string;
  /** Page views: 1 for a link click reported from a landing page, 0 for the view itself. */
  readonly in_page_click?: boolean;
  readonly ip?: string;
  readonly country?: string;
  readonly region?: string;
  readonly city?: string;
  readonly os?: string;
  readonly client?: string;
  readonly client_kind?: string;
  readonly device_type?: string;
  readonly user_agent?: string;
  /** Events of a forwarded recipient: who forwarded the campaign to them, and how many hops from the original list. */
  readonly forwarded_by?: string;
  readonly forward_depth?: number;
  /** Forward: the friends' addresses. */
  readonly friends?: readonly string[];
  /** Unsubscribe / subscribe: category ids, or ['all']. */
  readonly categories?: readonly string[];
  /** Bounce: Permanent / Transient / Undetermined; reject and failures: the reason. */
  readonly bounce_type?: string;
  readonly reason?: string;
  /** Comment text (≤ 2,000 characters); subscribe / comment: the name given. */
  readonly text?: string;
  readonly name?: string;
}

type Column = readonly [name: keyof LakeEvent, glue: string, duck: string, comment: string];

/** The columns, once: the Glue table (analytics stack) and the DuckDB views (sandbox) both read this list. */
export const lakeEventColumns: readonly Column[] = [
  ['id', 'string', 'VARCHAR', 'Event id (ULID)'],
  ['type', 'string', 'VARCHAR', lakeEventTypes.join(', ')],
  ['event_time', 'string', 'VARCHAR', 'ISO-8601 UTC time of the event'],
  ['workspace_id', 'string', 'VARCHAR', ''],
  ['campaign_id', 'string', 'VARCHAR', ''],
  ['run_id', 'string', 'VARCHAR', ''],
  ['email', 'string', 'VARCHAR', 'Recipient address, lower case'],
  ['contact_id', 'string', 'VARCHAR', ''],
  ['channel', 'string', 'VARCHAR', 'mail, sms or fax'],
  ['message_id', 'string', 'VARCHAR', 'SES message id'],
  ['machine', 'boolean', 'BOOLEAN', 'Mail privacy proxy or link scanner'],
  ['machine_reason', 'string', 'VARCHAR', ''],
  ['link_index', 'int', 'INTEGER', 'Position of the clicked link in the message'],
  ['url', 'string', 'VARCHAR', 'Click target or page URL'],
  ['referrer', 'string', 'VARCHAR', ''],
  ['in_page_click', 'boolean', 'BOOLEAN', 'A link click reported from a landing page'],
  ['ip', 'string', 'VARCHAR', ''],
  ['country', 'string', 'VARCHAR', 'ISO 3166-1 alpha-2'],
  ['region', 'string', 'VARCHAR', ''],
  ['city', 'string', 'VARCHAR', ''],
  ['os', 'string', 'VARCHAR', ''],
  ['client', 'string', 'VARCHAR', 'Browser or mail client'],
  ['client_kind', 'string', 'VARCHAR', 'browser, mail-client, proxy or bot'],
  ['device_type', 'string', 'VARCHAR', ''],
  ['user_agent', 'string', 'VARCHAR', ''],
  ['forwarded_by', 'string', 'VARCHAR', 'Who forwarded the campaign to this recipient'],
  ['forward_depth', 'int', 'INTEGER', 'Hops from the original list'],
  ['friends', 'array<string>', 'VARCHAR[]', 'Forward: the friends addressed'],
  ['categories', 'array<string>', 'VARCHAR[]', 'Unsubscribe / subscribe scope'],
  ['bounce_type', 'string', 'VARCHAR', ''],
  ['reason', 'string', 'VARCHAR', ''],
  ['text', 'string', 'VARCHAR', 'Comment text'],
  ['name', 'string', 'VARCHAR', ''],
];

/** Column name → DuckDB type, for the local engine's `events` view. */
export const lakeEventDuckColumns: Readonly<Record<string, string>> = Object.fromEntries(lakeEventColumns.map(([name, , duck]) => [name, duck]));

const MAX_TEXT = 2_000;
const MAX_URL = 2_048;

const clip = (text: string | undefined, max: number): string | undefined => (text === undefined ? undefined : text.length > max ? text.slice(0, max) : text);

/** Drops empty fields and clips free text, so one hostile request cannot write a huge line. */
export function compactEvent(event: LakeEvent): LakeEvent {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  for (const key of ['url', 'referrer'] as const) if (typeof out[key] === 'string') out[key] = clip(out[key] as string, MAX_URL);
  for (const key of ['text', 'user_agent', 'reason', 'name'] as const) if (typeof out[key] === 'string') out[key] = clip(out[key] as string, MAX_TEXT);
  return out as unknown as LakeEvent;
}
