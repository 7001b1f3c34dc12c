/**
 * ReportStore on the `jobs` table:
 *
 *   WS#<ws> / REPORT#<campaign>#<type>        a report's status and its latest snapshot's key
 *   WS#<ws> / REPORTSET#<campaign>            the campaign's report settings
 *   WS#<ws> / REPORTLIST#<campaign>#<id>      a recipient-list download job
 *   REPORTDISPATCH / <ws>#<campaign>          the dispatch index the hourly sweep reads
 *
 * Snapshots are objects named by their generation time, so a status update is the only switch:
 * conditional on being newer, a slow generation never replaces a newer snapshot.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config';
import { defaultReportSettings, type RecipientListJob, type ReportRange, type ReportSettings, type ReportType } from '../../reports/model';
import type { DispatchEntry, ReportStore, StoredStatus } from '../../reports/ports';
import { documentClientFromEnv } from './contact-store.dynamodb';

type Item = Record<string, unknown>;

const partition = (ws: string) => `WS#${ws}`;
const statusSk = (campaign: string, type: string) => `REPORT#${campaign}#${type}`;
const settingsSk = (campaign: string) => `REPORTSET#${campaign}`;
const listSk = (campaign: string, id: string) => `REPORTLIST#${campaign}#${id}`;
const DISPATCH_PK = 'REPORTDISPATCH';
const isConditionFailure = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';

function strip(item: Item): Item {
  const { pk: _pk, sk: _sk, kind: _kind, ...rest } = item;
  return rest;
}

export class DynamoReportStore implements ReportStore {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  private get db() {
    return this.options.client;
  }
  private get table() {
    return this.options.tableName;
  }

  async listStatuses(ws: string, campaign: string): Promise<StoredStatus[]> {
    const out: StoredStatus[] = [];
    let start: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': partition(ws), ':prefix': `REPORT#${campaign}#` },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) out.push(strip(item) as unknown as StoredStatus);
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async getStatus(ws: string, campaign: string, type: ReportType): Promise<StoredStatus | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: partition(ws), sk: statusSk(campaign, type) }, ConsistentRead: true }));
    return Item ? (strip(Item) as unknown as StoredStatus) : undefined;
  }

  async markRequested(ws: string, campaign: string, type: ReportType, at: string, by: string, range: ReportRange): Promise<StoredStatus> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: partition(ws), sk: statusSk(campaign, type) },
        UpdateExpression: 'SET #state = :state, requestedAt = :at, requestedBy = :by, #range = :range, #type = :type, kind = :kind REMOVE #error, failedAt',
        ExpressionAttributeNames: { '#state': 'state', '#range': 'range', '#type': 'type', '#error': 'error' },
        ExpressionAttributeValues: { ':state': 'generating', ':at': at, ':by': by, ':range': range, ':type': type, ':kind': 'report' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return strip(Attributes ?? {}) as unknown as StoredStatus;
  }

  async markReady(ws: string, campaign: string, type: ReportType, snapshot: { generatedAt: string; snapshotKey: string; range: ReportRange }): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: partition(ws), sk: statusSk(campaign, type) },
          UpdateExpression: 'SET #state = :ready, generatedAt = :at, snapshotKey = :key, #range = :range, #type = :type, kind = :kind REMOVE #error, failedAt',
          ConditionExpression: 'attribute_not_exists(generatedAt) OR generatedAt < :at',
          ExpressionAttributeNames: { '#state': 'state', '#range': 'range', '#type': 'type', '#error': 'error' },
          ExpressionAttributeValues: { ':ready': 'ready', ':at': snapshot.generatedAt, ':key': snapshot.snapshotKey, ':range': snapshot.range, ':type': type, ':kind': 'report' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markFailed(ws: string, campaign: string, type: ReportType, at: string, error: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: partition(ws), sk: statusSk(campaign, type) },
        UpdateExpression: 'SET #state = :failed, failedAt = :at, #error = :error, #type = :type, kind = :kind',
        ExpressionAttributeNames: { '#state': 'state', '#type': 'type', '#error': 'error' },
        ExpressionAttributeValues: { ':failed': 'failed', ':at': at, ':error': error.slice(0, 1_000), ':type': type, ':kind': 'report' },
      }),
    );
  }

  async getSettings(ws: string, campaign: string): Promise<ReportSettings | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: partition(ws), sk: settingsSk(campaign) }, ConsistentRead: true }));
    if (!Item) return undefined;
    const settings = strip(Item) as unknown as ReportSettings;
    return { ...defaultReportSettings, ...settings, dispatch: { ...defaultReportSettings.dispatch, ...settings.dispatch } };
  }

  async putSettings(ws: string, campaign: string, settings: ReportSettings): Promise<void> {
    const previous = await this.getSettings(ws, campaign);
    // The slot already sent survives a settings change, so saving cannot make an hour send twice.
    const lastSentFor = settings.dispatch.lastSentFor ?? previous?.dispatch.lastSentFor;
    const dispatch = { ...settings.dispatch, ...(lastSentFor ? { lastSentFor } : {}) };
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...settings, dispatch, pk: partition(ws), sk: settingsSk(campaign), kind: 'reportSettings' } }));
    const key = { pk: DISPATCH_PK, sk: `${ws}#${campaign}` };
    if (settings.dispatch.frequency === 'off' || settings.dispatch.recipients.length === 0) {
      await this.db.send(new DeleteCommand({ TableName: this.table, Key: key }));
    } else {
      await this.db.send(new PutCommand({ TableName: this.table, Item: { ...key, workspaceId: ws, campaignId: campaign, dispatch, kind: 'reportDispatch' } }));
    }
  }

  async listDispatches(): Promise<DispatchEntry[]> {
    const out: DispatchEntry[] = [];
    let start: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': DISPATCH_PK }, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      for (const item of page.Items ?? []) out.push({ workspaceId: item.workspaceId as string, campaignId: item.campaignId as string, dispatch: item.dispatch as DispatchEntry['dispatch'] });
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async claimDispatch(ws: string, campaign: string, slot: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: partition(ws), sk: settingsSk(campaign) },
          UpdateExpression: 'SET dispatch.lastSentFor = :slot',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(dispatch.lastSentFor) OR dispatch.lastSentFor <> :slot)',
          ExpressionAttributeValues: { ':slot': slot },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    // The index copy follows (best effort: the settings item is the one that decides).
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: DISPATCH_PK, sk: `${ws}#${campaign}` },
          UpdateExpression: 'SET dispatch.lastSentFor = :slot',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':slot': slot },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
    return true;
  }

  async createList(job: RecipientListJob): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { ...job, pk: partition(job.workspaceId), sk: listSk(job.campaignId, job.id), kind: 'reportList' }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async getList(ws: string, campaign: string, id: string): Promise<RecipientListJob | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: partition(ws), sk: listSk(campaign, id) }, ConsistentRead: true }));
    return Item?.kind === 'reportList' ? (strip(Item) as unknown as RecipientListJob) : undefined;
  }

  async updateList(ws: string, campaign: string, id: string, patch: Partial<Pick<RecipientListJob, 'state' | 'rows' | 'files' | 'error' | 'updatedAt'>>): Promise<void> {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: partition(ws), sk: listSk(campaign, id) },
        UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(entries.map(([key], i) => [`#f${i}`, key])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
      }),
    );
  }
}

export const reportStoreFromEnv = (): ReportStore => new DynamoReportStore({ client: documentClientFromEnv(), tableName: tableName('jobs') });
