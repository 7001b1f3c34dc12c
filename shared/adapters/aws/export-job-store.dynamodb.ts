/**
 * ExportJobStore on the `jobs` table:
 *
 *   WS#<ws> / EXPORT#<id>   one export (type 'export'), with its lease (leaseOwner, leaseUntil)
 *
 * Export ids are ULIDs, so a descending query lists the newest first. The lease is taken and every
 * progress write made with conditional updates (single-item: both emulators support them), so two
 * runs of one export can never both write it. Imports keep their own items (`IMPORT#…`) here.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config';
import { ValidationError } from '../../errors';
import type { ExportJob } from '../../exports/model';
import type { ExportJobStore, ExportPage, ExportPatch } from '../../exports/ports';
import { documentClientFromEnv } from './contact-store.dynamodb';

type Item = Record<string, unknown>;

const partition = (ws: string) => `WS#${ws}`;
const exportSk = (id: string) => `EXPORT#${id}`;
const isConditionFailure = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';

const jobOf = (item: Item): ExportJob => {
  const { pk: _pk, sk: _sk, type: _type, leaseOwner: _owner, leaseUntil: _until, ...rest } = item;
  return rest as unknown as ExportJob;
};

const badCursor = () => new ValidationError('The cursor is not one this list issued: start again without it', [{ field: 'cursor', message: 'Invalid cursor' }]);

export class DynamoExportJobStore implements ExportJobStore {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  private get db() {
    return this.options.client;
  }
  private get table() {
    return this.options.tableName;
  }

  async create(job: ExportJob): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...job, pk: partition(job.workspaceId), sk: exportSk(job.id), type: 'export' },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(ws: string, id: string): Promise<ExportJob | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: partition(ws), sk: exportSk(id) }, ConsistentRead: true }));
    return Item?.type === 'export' ? jobOf(Item) : undefined;
  }

  async list(ws: string, options: { limit: number; cursor?: string; createdBy?: string }): Promise<ExportPage> {
    let startKey: Item | undefined;
    if (options.cursor) {
      let sk: string;
      try {
        sk = Buffer.from(options.cursor, 'base64url').toString('utf8');
      } catch {
        throw badCursor();
      }
      if (!/^EXPORT#[0-9A-Z]{26}$/.test(sk)) throw badCursor();
      startKey = { pk: partition(ws), sk };
    }
    const items: ExportJob[] = [];
    for (let queries = 0; queries < 10 && items.length < options.limit; queries++) {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
          ExpressionAttributeValues: { ':p': partition(ws), ':s': 'EXPORT#', ...(options.createdBy ? { ':by': options.createdBy } : {}) },
          ...(options.createdBy ? { FilterExpression: 'createdBy = :by' } : {}),
          ScanIndexForward: false,
          Limit: options.limit - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as Item[]).map(jobOf));
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, ...(startKey ? { nextCursor: Buffer.from(String(startKey.sk), 'utf8').toString('base64url') } : {}) };
  }

  async acquire(ws: string, id: string, owner: string, now: number, until: number): Promise<ExportJob | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: partition(ws), sk: exportSk(id) },
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression: 'attribute_exists(pk) AND #status IN (:queued, :running) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':owner': owner, ':until': until, ':now': now, ':queued': 'queued', ':running': 'running' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? jobOf(Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async save(ws: string, id: string, owner: string, patch: ExportPatch, release = false): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Item = { ':owner': owner };
    const sets: string[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    if (release) {
      values[':free'] = 0;
      sets.push('leaseUntil = :free');
    }
    if (sets.length === 0) return true;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: partition(ws), sk: exportSk(id) },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'leaseOwner = :owner',
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

export function exportJobStoreFromEnv(): ExportJobStore {
  return new DynamoExportJobStore({ client: documentClientFromEnv(), tableName: tableName('jobs') });
}
