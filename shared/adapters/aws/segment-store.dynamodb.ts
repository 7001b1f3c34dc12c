/**
 * SegmentStore on the `contacts` table, in the workspace's partition next to its contacts:
 *
 *   WS#<ws> / SEGMENT#<id>   a saved segment (type 'segment'; no search-index keys)
 *
 * Not under `DEF#…`: the definitions are loaded (one query on `DEF#`) on nearly every contact
 * call, and segments are not needed there. Contact listing reads `CONTACT#…` and the search index
 * only, and the scanner reads `CONTACT#` ranges, so none of them ever meets a segment.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config';
import { StaleVersionError } from '../../contacts/contact-store';
import type { Segment, SegmentStore } from '../../segments/ports';
import { documentClientFromEnv } from './contact-store.dynamodb';

type Item = Record<string, unknown>;

const partition = (ws: string) => `WS#${ws}`;
const segmentSk = (id: string) => `SEGMENT#${id}`;

const segmentOf = (item: Item): Segment => {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as unknown as Segment;
};

export class DynamoSegmentStore implements SegmentStore {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async list(ws: string): Promise<Segment[]> {
    const segments: Segment[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
          ExpressionAttributeValues: { ':p': partition(ws), ':s': 'SEGMENT#' },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      segments.push(...((page.Items ?? []) as Item[]).map(segmentOf));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return segments.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  async get(ws: string, id: string): Promise<Segment | undefined> {
    const { Item } = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk: partition(ws), sk: segmentSk(id) }, ConsistentRead: true }),
    );
    return Item?.type === 'segment' ? segmentOf(Item) : undefined;
  }

  async put(ws: string, segment: Segment, previousVersion?: number): Promise<void> {
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...segment, pk: partition(ws), sk: segmentSk(segment.id), type: 'segment' },
          ...(previousVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': previousVersion } }),
        }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') throw new StaleVersionError(`Segment ${segment.id} changed meanwhile`);
      throw error;
    }
  }

  async delete(ws: string, id: string): Promise<void> {
    await this.options.client.send(new DeleteCommand({ TableName: this.options.tableName, Key: { pk: partition(ws), sk: segmentSk(id) } }));
  }
}

export function segmentStoreFromEnv(): SegmentStore {
  return new DynamoSegmentStore({ client: documentClientFromEnv(), tableName: tableName('contacts') });
}
