/**
 * SuppressionStore on the `suppression` table (TABLE_SUPPRESSION):
 *
 *   WS#<ws> / E#<lower-cased email>   { email, reason, strength, at, detail?, campaignId? }
 *
 * `strength` is the reason's rank (model.ts) stored as a number, because a condition expression
 * can compare numbers but cannot rank words. An add is one conditional UpdateItem per address —
 * "create, or replace the reason if mine is stronger", keeping the first `at` — plus, only when
 * the entry is older than the stored time, a second one conditioned on `at > :at`. So concurrent
 * adds in any order converge on the strongest reason and the earliest time, with single-item
 * writes only (what dynalite and DynamoDB Local both support). Reads are consistent: an address
 * suppressed a moment ago must not be mailed by a freeze starting now.
 */
import { BatchGetCommand, DeleteCommand, GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config';
import { ValidationError } from '../../errors';
import { normaliseEntries, reasonStrength, suppressionKey, type SuppressionEntry, type SuppressionPage, type SuppressionReason, type SuppressionRecord } from '../../suppression/model';
import type { SuppressionStore } from '../../suppression/ports';
import { documentClientFromEnv } from './contact-store.dynamodb';

type Item = Record<string, unknown>;
type Key = { pk: string; sk: string };

const partition = (ws: string) => `WS#${ws}`;
const prefix = 'E#';
const entrySk = (email: string) => `${prefix}${email}`;

/** BatchGetItem takes at most 100 keys. */
const batchSize = 100;
/** Batches (and single-address writes) in flight at once. */
const concurrency = 8;
const maxAttempts = 8;
const maxListLimit = 1000;

const conditionFailed = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));

const recordOf = (item: Item): SuppressionRecord => ({
  email: String(item.email),
  reason: item.reason as SuppressionReason,
  at: String(item.at),
  ...(typeof item.detail === 'string' ? { detail: item.detail } : {}),
  ...(typeof item.campaignId === 'string' ? { campaignId: item.campaignId } : {}),
});

/** Runs `work` on every item, at most `limit` at a time; the first failure rejects the whole call. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const encodeCursor = (sk: string) => Buffer.from(JSON.stringify([sk]), 'utf8').toString('base64url');
function decodeCursor(ws: string, cursor: string): Key {
  try {
    const [sk] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof sk === 'string' && sk.startsWith(prefix) && sk.length <= 400) return { pk: partition(ws), sk };
  } catch {
    // fall through
  }
  throw new ValidationError('Invalid cursor', [{ field: 'cursor', message: 'Not a cursor this list returned' }]);
}

export class DynamoSuppressionStore implements SuppressionStore {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  private get db() {
    return this.options.client;
  }

  private get table() {
    return this.options.tableName;
  }

  async add(ws: string, entries: readonly SuppressionEntry[]): Promise<void> {
    await inParallel(normaliseEntries(entries), concurrency, (entry) => this.addOne(ws, entry));
  }

  /** Creates the entry, or strengthens the stored one; then makes sure the earliest time is kept. */
  private async addOne(ws: string, entry: SuppressionEntry): Promise<void> {
    const key: Key = { pk: partition(ws), sk: entrySk(entry.email) };
    const values: Item = { ':email': entry.email, ':reason': entry.reason, ':strength': reasonStrength(entry.reason), ':at': entry.at, ':entity': 'suppression' };
    const set = ['email = :email', 'reason = :reason', 'strength = :strength', '#at = if_not_exists(#at, :at)', 'entity = :entity'];
    // The detail and campaign describe the reason: a stronger reason without them clears the old ones.
    const remove: string[] = [];
    if (entry.detail !== undefined) {
      set.push('detail = :detail');
      values[':detail'] = entry.detail;
    } else remove.push('detail');
    if (entry.campaignId !== undefined) {
      set.push('campaignId = :campaignId');
      values[':campaignId'] = entry.campaignId;
    } else remove.push('campaignId');

    let earlier = true;
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(pk) OR strength < :strength',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      const storedAt = result.Attributes?.at;
      earlier = typeof storedAt === 'string' && storedAt > entry.at;
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      // As strong or stronger already: only the time may still move earlier.
    }
    if (!earlier) return;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'SET #at = :at',
          ConditionExpression: 'attribute_exists(pk) AND #at > :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': entry.at },
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }

  async remove(ws: string, email: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: partition(ws), sk: entrySk(suppressionKey(email)) } }));
  }

  async get(ws: string, email: string): Promise<SuppressionRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: partition(ws), sk: entrySk(suppressionKey(email)) }, ConsistentRead: true }));
    return Item ? recordOf(Item) : undefined;
  }

  async filterSuppressed(ws: string, emails: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(emails.map(suppressionKey))].filter((email) => email !== '');
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += batchSize) chunks.push(unique.slice(i, i + batchSize));
    const found = new Set<string>();
    await inParallel(chunks, concurrency, async (chunk) => {
      let keys: Key[] | undefined = chunk.map((email) => ({ pk: partition(ws), sk: entrySk(email) }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt >= maxAttempts) throw new Error(`DynamoDB left ${keys.length} suppression reads unprocessed after ${maxAttempts} attempts`);
        if (attempt > 0) await pause(attempt);
        const result = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'sk' } } }),
        );
        for (const item of result.Responses?.[this.table] ?? []) found.add(String(item.sk).slice(prefix.length));
        // Throttled or over the response size: DynamoDB hands these back to be asked again.
        keys = result.UnprocessedKeys?.[this.table]?.Keys as Key[] | undefined;
      }
    });
    return found;
  }

  async list(ws: string, options: { limit: number; cursor?: string }): Promise<SuppressionPage> {
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > maxListLimit) {
      throw new ValidationError('Invalid limit', [{ field: 'limit', message: `Must be a whole number from 1 to ${maxListLimit}` }]);
    }
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': partition(ws), ':s': prefix },
        Limit: options.limit,
        ConsistentRead: true,
        ...(options.cursor ? { ExclusiveStartKey: decodeCursor(ws, options.cursor) } : {}),
      }),
    );
    const last = page.LastEvaluatedKey?.sk;
    return { items: ((page.Items ?? []) as Item[]).map(recordOf), ...(typeof last === 'string' ? { nextCursor: encodeCursor(last) } : {}) };
  }
}

export function suppressionStoreFromEnv(): SuppressionStore {
  return new DynamoSuppressionStore({ client: documentClientFromEnv(), tableName: tableName('suppression') });
}
