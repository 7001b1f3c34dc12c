/**
 * CampaignStore on the campaigns table:
 *
 *   WS#<ws> / CAMPAIGN#<id>        a campaign (ULID ids: a descending Query lists newest first)
 *   CAMPAIGN#<id> / RUN#<runId>    its runs (one Query, newest first), each with `workspaceId`
 *                                  checked on every read and write
 *   WS#<ws> / SETTINGS#approval    the workspace's approval settings
 *
 * (Quotas and reservations share the workspace partition under QUOTA# / RESERVATION#, see
 * quota-store.dynamodb.ts.) Writes are single-item and conditional on `version`. The item kind is in
 * `entity` (campaigns and runs have a `type` of their own).
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApprovalSettings } from '../../campaigns/lifecycle';
import type { Campaign, CampaignRun } from '../../campaigns/model';
import type { CampaignPage, CampaignStore, RunCondition, RunPatch } from '../../campaigns/ports';
import { tableName } from '../../config';
import { StaleVersionError } from '../../contacts/contact-store';
import { ValidationError } from '../../errors';
import { documentClientFromEnv } from './contact-store.dynamodb';

type Item = Record<string, unknown>;

const partition = (ws: string) => `WS#${ws}`;
const campaignSk = (id: string) => `CAMPAIGN#${id}`;
const runPk = (campaignId: string) => `CAMPAIGN#${campaignId}`;
const runSk = (runId: string) => `RUN#${runId}`;
const settingsSk = 'SETTINGS#approval';

const conditionFailed = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';

function strip<T>(item: Item): T {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest as T;
}

const encodeCursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify([key.sk]), 'utf8').toString('base64url');
function decodeCursor(ws: string, cursor: string): Record<string, unknown> {
  try {
    const [sk] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof sk === 'string' && sk.startsWith('CAMPAIGN#')) return { pk: partition(ws), sk };
  } catch {
    // fall through
  }
  throw new ValidationError('Invalid cursor', [{ field: 'cursor', message: 'Not a cursor this API returned' }]);
}

export class DynamoCampaignStore implements CampaignStore {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  private get db() {
    return this.options.client;
  }

  private get table() {
    return this.options.tableName;
  }

  async listCampaigns(ws: string, options: { limit: number; cursor?: string }): Promise<CampaignPage> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': partition(ws), ':s': 'CAMPAIGN#' },
        ScanIndexForward: false,
        Limit: options.limit,
        ...(options.cursor ? { ExclusiveStartKey: decodeCursor(ws, options.cursor) } : {}),
      }),
    );
    return {
      items: ((page.Items ?? []) as Item[]).map((item) => strip<Campaign>(item)),
      ...(page.LastEvaluatedKey ? { next: encodeCursor(page.LastEvaluatedKey) } : {}),
    };
  }

  async getCampaign(ws: string, id: string): Promise<Campaign | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: partition(ws), sk: campaignSk(id) }, ConsistentRead: true }));
    return Item?.entity === 'campaign' ? strip<Campaign>(Item) : undefined;
  }

  async putCampaign(campaign: Campaign, previousVersion?: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...campaign, pk: partition(campaign.workspaceId), sk: campaignSk(campaign.id), entity: 'campaign' },
          ...(previousVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': previousVersion } }),
        }),
      );
    } catch (error) {
      if (conditionFailed(error)) throw new StaleVersionError(`Campaign ${campaign.id} changed meanwhile`);
      throw error;
    }
  }

  async deleteCampaign(ws: string, id: string, version: number): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: partition(ws), sk: campaignSk(id) },
          ConditionExpression: '#v = :v',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':v': version },
        }),
      );
    } catch (error) {
      if (conditionFailed(error)) throw new StaleVersionError(`Campaign ${id} changed meanwhile`);
      throw error;
    }
  }

  async createRun(run: CampaignRun): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...run, pk: runPk(run.campaignId), sk: runSk(run.id), entity: 'run' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (conditionFailed(error)) throw new StaleVersionError(`Run ${run.id} exists`);
      throw error;
    }
  }

  async getRun(ws: string, campaignId: string, runId: string): Promise<CampaignRun | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: runPk(campaignId), sk: runSk(runId) }, ConsistentRead: true }));
    return Item?.entity === 'run' && Item.workspaceId === ws ? strip<CampaignRun>(Item) : undefined;
  }

  async listRuns(ws: string, campaignId: string): Promise<CampaignRun[]> {
    const runs: CampaignRun[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
          ExpressionAttributeValues: { ':p': runPk(campaignId), ':s': 'RUN#' },
          ScanIndexForward: false,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      runs.push(...((page.Items ?? []) as Item[]).filter((item) => item.workspaceId === ws).map((item) => strip<CampaignRun>(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return runs;
  }

  async updateRun(ws: string, campaignId: string, runId: string, patch: RunPatch, condition: RunCondition = {}): Promise<CampaignRun> {
    const names: Record<string, string> = { '#v': 'version', '#ws': 'workspaceId' };
    const values: Record<string, unknown> = { ':one': 1, ':ws': ws };
    const sets: string[] = [];
    Object.entries(patch).forEach(([key, value], i) => {
      if (value === undefined) return;
      names[`#f${i}`] = key;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    const conditions = ['attribute_exists(pk)', '#ws = :ws'];
    if (condition.status !== undefined) {
      const statuses = typeof condition.status === 'string' ? [condition.status] : condition.status;
      names['#st'] = 'status';
      conditions.push(`#st IN (${statuses.map((s, i) => ((values[`:st${i}`] = s), `:st${i}`)).join(', ')})`);
    }
    if (condition.version !== undefined) {
      values[':ver'] = condition.version;
      conditions.push('#v = :ver');
    }
    if (condition.partsAbsent) conditions.push('attribute_not_exists(parts)');
    if (condition.watchSeq !== undefined) {
      values[':wseq'] = condition.watchSeq;
      conditions.push(condition.watchSeq === 0 ? '(attribute_not_exists(watchSeq) OR watchSeq = :wseq)' : 'watchSeq = :wseq');
    }
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(campaignId), sk: runSk(runId) },
          UpdateExpression: `${sets.length ? `SET ${sets.join(', ')} ` : ''}ADD #v :one`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<CampaignRun>(Attributes as Item);
    } catch (error) {
      if (conditionFailed(error)) throw new StaleVersionError(`Run ${runId} is missing or no longer matches the condition`);
      throw error;
    }
  }

  async addRunProgress(ws: string, campaignId: string, runId: string, delta: Partial<Record<keyof CampaignRun['progress'], number>>): Promise<void> {
    const entries = Object.entries(delta).filter(([, n]) => typeof n === 'number' && n !== 0);
    if (entries.length === 0) return;
    const names: Record<string, string> = { '#p': 'progress', '#ws': 'workspaceId' };
    const values: Record<string, unknown> = { ':ws': ws };
    const adds = entries.map(([key, n], i) => {
      names[`#c${i}`] = key;
      values[`:c${i}`] = n;
      return `#p.#c${i} :c${i}`;
    });
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: runPk(campaignId), sk: runSk(runId) },
        UpdateExpression: `ADD ${adds.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk) AND #ws = :ws',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async getApprovalSettings(ws: string): Promise<ApprovalSettings | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: partition(ws), sk: settingsSk }, ConsistentRead: true }));
    return Item ? strip<ApprovalSettings>(Item) : undefined;
  }

  async putApprovalSettings(ws: string, settings: ApprovalSettings): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...settings, pk: partition(ws), sk: settingsSk, entity: 'settings' } }));
  }
}

export function campaignStoreFromEnv(): CampaignStore {
  return new DynamoCampaignStore({ client: documentClientFromEnv(), tableName: tableName('campaigns') });
}
