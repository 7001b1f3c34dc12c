/**
 * EngagementStore on the `engagement` table (TABLE_ENGAGEMENT):
 *
 *   WS#<ws>#E#<email> / T#<at>#<eventId>     a recipient's timeline entry (expires after 400 days)
 *   WS#<ws>#C#<campaign> / SUMMARY           a campaign's live counters + the lake objects applied
 *   WS#<ws>#C#<campaign> / M#<at>#<eventId>  a comment left on the campaign
 *   WS#<ws> / SETTINGS                       the workspace's score weights and half-life
 *   WORKSPACES / <ws>                        workspaces with scored contacts (the decay sweep's list)
 *
 * Counters are added once per lake object: the summary keeps the last objects it applied, and
 * the update is conditional on the object not being among them (a read-modify-write under the
 * summary's `seq`, so it works on dynalite and DynamoDB Local — no transactions).
 */
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config';
import { defaultEngagementSettings, type CampaignComment, type CampaignEngagement, type EngagementSettings, type TimelineEntry } from '../../engagement/model';
import type { CampaignDelta, EngagementStore, Page } from '../../engagement/ports';
import { ValidationError } from '../../errors';
import { documentClientFromEnv } from './contact-store.dynamodb';

type Item = Record<string, unknown>;

const recipientPk = (ws: string, email: string) => `WS#${ws}#E#${email}`;
const campaignPk = (ws: string, campaignId: string) => `WS#${ws}#C#${campaignId}`;
const settingsKey = (ws: string) => ({ pk: `WS#${ws}`, sk: 'SETTINGS' });
const SUMMARY = 'SUMMARY';
const TIMELINE_DAYS = 400;
/** Lake objects a campaign summary remembers: far more than a retry window ever spans. */
const OBJECT_WINDOW = 256;
const MAX_LIMIT = 200;

const conditionFailed = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));

const counterNames = ['sent', 'delivered', 'bounced', 'complained', 'opens', 'uniqueOpens', 'machineOpens', 'clicks', 'uniqueClicks', 'machineClicks', 'pageViews', 'unsubscribes', 'forwards', 'comments'] as const;

const encodeCursor = (sk: string) => Buffer.from(sk, 'utf8').toString('base64url');
function decodeCursor(pk: string, cursor: string, prefix: string): { pk: string; sk: string } {
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!sk.startsWith(prefix) || sk.length > 300) throw new ValidationError('The cursor is not one this API issued', [{ field: 'cursor', message: 'Unknown cursor' }]);
  return { pk, sk };
}

async function writeAll(db: DynamoDBDocumentClient, table: string, items: readonly Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests: Record<string, unknown>[] | undefined = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      if (attempt > 0) await pause(attempt);
      if (attempt > 10) throw new Error('DynamoDB left engagement writes unprocessed after retries');
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests as never } }));
      requests = result.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined;
    }
  }
}

function summaryOf(campaignId: string, item: Item | undefined): CampaignEngagement {
  const n = (name: string) => (typeof item?.[name] === 'number' ? (item[name] as number) : 0);
  return {
    campaignId,
    sent: n('sent'),
    delivered: n('delivered'),
    bounced: n('bounced'),
    complained: n('complained'),
    opens: { total: n('opens'), unique: n('uniqueOpens'), machine: n('machineOpens') },
    clicks: { total: n('clicks'), unique: n('uniqueClicks'), machine: n('machineClicks') },
    pageViews: n('pageViews'),
    unsubscribes: n('unsubscribes'),
    forwards: n('forwards'),
    comments: n('comments'),
    ...(typeof item?.lastActivityAt === 'string' ? { lastActivityAt: item.lastActivityAt } : {}),
  };
}

export class DynamoEngagementStore implements EngagementStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async putTimeline(ws: string, entries: readonly { email: string; entry: TimelineEntry }[]): Promise<void> {
    const expiresAt = Math.floor(this.now() / 1000) + TIMELINE_DAYS * 86_400;
    await writeAll(
      this.db,
      this.table,
      entries.map(({ email, entry }) => ({ pk: recipientPk(ws, email), sk: `T#${entry.at}#${entry.id}`, entry, expiresAt })),
    );
  }

  async listTimeline(ws: string, email: string, options: { limit: number; cursor?: string }): Promise<Page<TimelineEntry>> {
    const pk = recipientPk(ws, email);
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :t)',
        ExpressionAttributeValues: { ':p': pk, ':t': 'T#' },
        ScanIndexForward: false,
        Limit: Math.min(MAX_LIMIT, options.limit),
        ...(options.cursor ? { ExclusiveStartKey: decodeCursor(pk, options.cursor, 'T#') } : {}),
      }),
    );
    const last = page.LastEvaluatedKey?.sk;
    return { items: (page.Items ?? []).map((item) => item.entry as TimelineEntry), ...(typeof last === 'string' ? { next: encodeCursor(last) } : {}) };
  }

  async putComments(ws: string, campaignId: string, comments: readonly CampaignComment[]): Promise<void> {
    await writeAll(this.db, this.table, comments.map((comment) => ({ pk: campaignPk(ws, campaignId), sk: `M#${comment.at}#${comment.id}`, comment })));
  }

  async listComments(ws: string, campaignId: string, options: { limit: number; cursor?: string }): Promise<Page<CampaignComment>> {
    const pk = campaignPk(ws, campaignId);
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :m)',
        ExpressionAttributeValues: { ':p': pk, ':m': 'M#' },
        ScanIndexForward: false,
        Limit: Math.min(MAX_LIMIT, options.limit),
        ...(options.cursor ? { ExclusiveStartKey: decodeCursor(pk, options.cursor, 'M#') } : {}),
      }),
    );
    const last = page.LastEvaluatedKey?.sk;
    return { items: (page.Items ?? []).map((item) => item.comment as CampaignComment), ...(typeof last === 'string' ? { next: encodeCursor(last) } : {}) };
  }

  async applyCampaign(ws: string, campaignId: string, delta: CampaignDelta, lastActivityAt: string | undefined, objectKey: string): Promise<boolean> {
    const key = { pk: campaignPk(ws, campaignId), sk: SUMMARY };
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = (await this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))).Item;
      const objects = Array.isArray(current?.objects) ? (current.objects as string[]) : [];
      if (objects.includes(objectKey)) return false;
      const seq = typeof current?.seq === 'number' ? current.seq : 0;
      const next: Item = { ...key, ...(current ?? {}), seq: seq + 1, objects: [...objects, objectKey].slice(-OBJECT_WINDOW) };
      for (const name of counterNames) {
        const add = delta[name] ?? 0;
        if (add) next[name] = (typeof next[name] === 'number' ? (next[name] as number) : 0) + add;
      }
      if (lastActivityAt && !(typeof next.lastActivityAt === 'string' && next.lastActivityAt >= lastActivityAt)) next.lastActivityAt = lastActivityAt;
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: next,
            ConditionExpression: current ? 'seq = :seq' : 'attribute_not_exists(pk)',
            ...(current ? { ExpressionAttributeValues: { ':seq': seq } } : {}),
          }),
        );
        return true;
      } catch (error) {
        if (!conditionFailed(error)) throw error;
        await pause(attempt);
      }
    }
    throw new Error(`Campaign ${campaignId}'s counters kept changing: left for the retry`);
  }

  async getCampaign(ws: string, campaignId: string): Promise<CampaignEngagement> {
    const item = (await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: campaignPk(ws, campaignId), sk: SUMMARY } }))).Item;
    return summaryOf(campaignId, item);
  }

  async getSettings(ws: string): Promise<EngagementSettings> {
    const item = (await this.db.send(new GetCommand({ TableName: this.table, Key: settingsKey(ws) }))).Item;
    if (!item?.settings) return defaultEngagementSettings;
    const stored = item.settings as EngagementSettings;
    // Weights added in later versions take their defaults.
    return { ...stored, weights: { ...defaultEngagementSettings.weights, ...stored.weights } };
  }

  async noteWorkspace(ws: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: 'WORKSPACES', sk: ws } }));
  }

  async workspaces(): Promise<readonly string[]> {
    const found: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'WORKSPACES' }, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of page.Items ?? []) found.push(String(item.sk));
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  async putSettings(ws: string, settings: EngagementSettings): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...settingsKey(ws), settings } }));
  }
}

/** First human opens and clicks on the delivery ledger (RUN#<run> / R#<email>), noted once. */
export class LedgerFirstActions {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async note(runId: string, email: string, kind: 'open' | 'click', at: string, objectKey: string): Promise<boolean> {
    const field = kind === 'open' ? 'openedAt' : 'clickedAt';
    const by = kind === 'open' ? 'openedBy' : 'clickedBy';
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `RUN#${runId}`, sk: `R#${email}` },
          UpdateExpression: 'SET #f = if_not_exists(#f, :at), #b = if_not_exists(#b, :obj)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#f': field, '#b': by },
          ExpressionAttributeValues: { ':at': at, ':obj': objectKey },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes?.[by] === objectKey;
    } catch (error) {
      // No ledger record (a test address typed by hand long ago, a purged run): not a unique recipient.
      if (conditionFailed(error)) return false;
      throw error;
    }
  }
}

export function engagementStoreFromEnv(): DynamoEngagementStore {
  return new DynamoEngagementStore(documentClientFromEnv(), tableName('engagement'));
}

export function firstActionsFromEnv(): LedgerFirstActions {
  return new LedgerFirstActions(documentClientFromEnv(), tableName('deliveries'));
}
