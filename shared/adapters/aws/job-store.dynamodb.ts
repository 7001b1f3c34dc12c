/**
 * JobStore on the `jobs` table: `WS#<ws>` / `IMPORT#<id>` (ULID ids, so newest first is a reverse
 * query). Every change is one conditional UpdateItem (status, lease), which both dynalite and
 * DynamoDB Local support: the condition is what makes transitions and leases exclusive.
 */
import { QueryCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config';
import { ValidationError } from '../../errors';
import type { ImportJob } from '../../imports/job/model';
import type { JobCondition, JobPage, JobStore } from '../../imports/job/ports';
import { documentClientFromEnv } from './contact-store.dynamodb';

const partition = (ws: string) => `WS#${ws}`;
const importSk = (id: string) => `IMPORT#${id}`;
const storageKeys = new Set(['pk', 'sk', 'type']);

type Item = Record<string, unknown>;

function jobOf(item: Item | undefined): ImportJob | undefined {
  if (!item || item.type !== 'import') return undefined;
  return Object.fromEntries(Object.entries(item).filter(([key]) => !storageKeys.has(key))) as unknown as ImportJob;
}

const isConditionFailure = (error: unknown): boolean => error instanceof Error && error.name === 'ConditionalCheckFailedException';

export class DynamoJobStore implements JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(job: ImportJob): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...job, pk: partition(job.workspaceId), sk: importSk(job.id), type: 'import' },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(ws: string, id: string): Promise<ImportJob | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: partition(ws), sk: importSk(id) }, ConsistentRead: true }));
    return jobOf(Item);
  }

  async list(ws: string, options: { limit: number; cursor?: string }): Promise<JobPage> {
    let start: Record<string, string> | undefined;
    if (options.cursor) {
      const sk = Buffer.from(options.cursor, 'base64url').toString('utf8');
      if (!/^IMPORT#[0-9A-Z]{26}$/.test(sk)) throw new ValidationError('The cursor is not one this list issued', [{ field: 'cursor', message: 'Invalid cursor' }]);
      start = { pk: partition(ws), sk };
    }
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': partition(ws), ':s': 'IMPORT#' },
        ScanIndexForward: false,
        Limit: options.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const items = (page.Items ?? []).map((i) => jobOf(i)).filter((j): j is ImportJob => j !== undefined);
    const last = page.LastEvaluatedKey?.sk as string | undefined;
    return { items, ...(last ? { nextCursor: Buffer.from(last, 'utf8').toString('base64url') } : {}) };
  }

  async update(ws: string, id: string, patch: Partial<Omit<ImportJob, 'id' | 'workspaceId'>>, condition: JobCondition): Promise<ImportJob | undefined> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    Object.entries(patch).forEach(([key, value], i) => {
      names[`#a${i}`] = key;
      if (value === undefined) removes.push(`#a${i}`);
      else {
        values[`:a${i}`] = value;
        sets.push(`#a${i} = :a${i}`);
      }
    });
    const conditions = ['attribute_exists(pk)'];
    if (condition.statusIn) {
      names['#status'] = 'status';
      const list = condition.statusIn.map((s, i) => {
        values[`:s${i}`] = s;
        return `:s${i}`;
      });
      conditions.push(`#status IN (${list.join(', ')})`);
    }
    if (condition.leaseOwner !== undefined) {
      names['#lease'] = 'lease';
      values[':owner'] = condition.leaseOwner;
      conditions.push('#lease.#owner = :owner');
      names['#owner'] = 'owner';
    }
    if (condition.leaseFreeAt !== undefined) {
      names['#lease'] = 'lease';
      names['#until'] = 'until';
      values[':now'] = condition.leaseFreeAt;
      const parts = ['attribute_not_exists(#lease)', '#lease.#until < :now'];
      if (condition.leaseOwnerOrFree !== undefined) {
        names['#owner'] = 'owner';
        values[':mine'] = condition.leaseOwnerOrFree;
        parts.push('#lease.#owner = :mine');
      }
      conditions.push(`(${parts.join(' OR ')})`);
    }
    const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: partition(ws), sk: importSk(id) },
          UpdateExpression: expression,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return jobOf(result.Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}

export function jobStoreFromEnv(): JobStore {
  return new DynamoJobStore(documentClientFromEnv(), tableName('jobs'));
}
