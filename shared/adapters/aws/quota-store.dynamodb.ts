/**
 * QuotaStore on the campaigns table, in the workspace's partition:
 *
 *   WS#<ws> / QUOTA#<user|department>#<id>   balance, reserved, used, free (= balance − reserved),
 *                                            holds (string set of run ids holding points), version
 *   WS#<ws> / RESERVATION#<runId>            a run's reservation (count, quotas held, state)
 *
 * `free` is stored because a condition expression cannot subtract: a hold is one UpdateItem
 * conditioned on `free >= :n AND NOT contains(holds, :run)`, so concurrent runs can never overdraw
 * and a retried hold for the same run is a no-op. Every write bumps `version`; the admin's balance
 * change is a read + write conditioned on that version (retried), so it never loses a hold.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config';
import type { Quota, QuotaOwner, Reservation } from '../../quotas/model';
import type { HoldResult, QuotaStore } from '../../quotas/ports';
import { documentClientFromEnv } from './contact-store.dynamodb';

type Item = Record<string, unknown>;

const partition = (ws: string) => `WS#${ws}`;
const quotaSk = (owner: QuotaOwner) => `QUOTA#${owner.kind}#${owner.id}`;
const reservationSk = (runId: string) => `RESERVATION#${runId}`;

const conditionFailed = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';

const quotaOf = (item: Item): Quota => ({
  owner: { kind: item.ownerKind as QuotaOwner['kind'], id: item.ownerId as string },
  balance: Number(item.balance ?? 0),
  reserved: Number(item.reserved ?? 0),
  used: Number(item.used ?? 0),
  available: Number(item.free ?? 0),
  updatedAt: item.updatedAt as string,
  ...(item.updatedBy ? { updatedBy: item.updatedBy as string } : {}),
  version: Number(item.version ?? 0),
});

const holdsOf = (item: Item | undefined): Set<string> => {
  const holds = item?.holds;
  return holds instanceof Set ? (holds as Set<string>) : new Set(Array.isArray(holds) ? (holds as string[]) : []);
};

export class DynamoQuotaStore implements QuotaStore {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  private get db() {
    return this.options.client;
  }

  private async item(ws: string, sk: string): Promise<Item | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: partition(ws), sk }, ConsistentRead: true }));
    return Item;
  }

  async list(ws: string): Promise<Quota[]> {
    const out: Quota[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
          ExpressionAttributeValues: { ':p': partition(ws), ':s': 'QUOTA#' },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      out.push(...((page.Items ?? []) as Item[]).map(quotaOf));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  async get(ws: string, owner: QuotaOwner): Promise<Quota | undefined> {
    const item = await this.item(ws, quotaSk(owner));
    return item ? quotaOf(item) : undefined;
  }

  async setBalance(ws: string, owner: QuotaOwner, balance: number, by: string, at: string): Promise<Quota> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.item(ws, quotaSk(owner));
      const reserved = Number(current?.reserved ?? 0);
      const version = Number(current?.version ?? 0);
      const next: Item = {
        ...(current ?? {}),
        pk: partition(ws),
        sk: quotaSk(owner),
        entity: 'quota',
        ownerKind: owner.kind,
        ownerId: owner.id,
        balance,
        reserved,
        used: Number(current?.used ?? 0),
        free: balance - reserved,
        updatedAt: at,
        updatedBy: by,
        version: version + 1,
      };
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: next,
            ...(current
              ? { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': version } }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          }),
        );
        return quotaOf(next);
      } catch (error) {
        // A run held or settled points meanwhile: read again (bounded: holds are short writes).
        if (!conditionFailed(error) || attempt >= 20) throw error;
      }
    }
  }

  async hold(ws: string, owner: QuotaOwner, runId: string, count: number): Promise<HoldResult> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: partition(ws), sk: quotaSk(owner) },
          UpdateExpression: 'SET #free = #free - :n, #reserved = #reserved + :n ADD #holds :run, #v :one',
          ConditionExpression: 'attribute_exists(pk) AND #free >= :n AND NOT contains(#holds, :id)',
          ExpressionAttributeNames: { '#free': 'free', '#reserved': 'reserved', '#holds': 'holds', '#v': 'version' },
          ExpressionAttributeValues: { ':n': count, ':run': new Set([runId]), ':id': runId, ':one': 1 },
        }),
      );
      return { kind: 'held' };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
    const item = await this.item(ws, quotaSk(owner));
    if (!item) return { kind: 'absent' };
    if (holdsOf(item).has(runId)) return { kind: 'already' };
    return { kind: 'short', available: Number(item.free ?? 0) };
  }

  async unhold(ws: string, owner: QuotaOwner, runId: string, count: number): Promise<boolean> {
    return this.release(ws, owner, runId, 'SET #free = #free + :n, #reserved = #reserved - :n DELETE #holds :run ADD #v :one', { ':n': count });
  }

  async settle(ws: string, owner: QuotaOwner, runId: string, held: number, used: number): Promise<boolean> {
    // balance −= used, reserved −= held, so free (balance − reserved) += held − used.
    return this.release(
      ws,
      owner,
      runId,
      'SET #free = #free + :back, #reserved = #reserved - :n, #balance = #balance - :used, #used = #used + :used DELETE #holds :run ADD #v :one',
      { ':n': held, ':back': held - used, ':used': used },
      { '#balance': 'balance', '#used': 'used' },
    );
  }

  private async release(ws: string, owner: QuotaOwner, runId: string, update: string, values: Item, names: Record<string, string> = {}): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: partition(ws), sk: quotaSk(owner) },
          UpdateExpression: update,
          ConditionExpression: 'contains(#holds, :id)',
          ExpressionAttributeNames: { '#free': 'free', '#reserved': 'reserved', '#holds': 'holds', '#v': 'version', ...names },
          ExpressionAttributeValues: { ...values, ':run': new Set([runId]), ':id': runId, ':one': 1 },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async getReservation(ws: string, runId: string): Promise<Reservation | undefined> {
    const item = await this.item(ws, reservationSk(runId));
    if (!item) return undefined;
    const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
    return rest as unknown as Reservation;
  }

  async createReservation(ws: string, reservation: Reservation): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...reservation, pk: partition(ws), sk: reservationSk(reservation.runId), entity: 'reservation' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async putReservation(ws: string, reservation: Reservation): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.options.tableName, Item: { ...reservation, pk: partition(ws), sk: reservationSk(reservation.runId), entity: 'reservation' } }));
  }

  async deleteReservation(ws: string, runId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.options.tableName, Key: { pk: partition(ws), sk: reservationSk(runId) } }));
  }
}

export function quotaStoreFromEnv(): QuotaStore {
  return new DynamoQuotaStore({ client: documentClientFromEnv(), tableName: tableName('campaigns') });
}
