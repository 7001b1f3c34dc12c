/**
 * DeliveryLedger on the deliveries table:
 *
 *   RUN#<runId> / R#<email>   status, attempt (current attempt id), leaseOwner, leaseUntil (epoch ms),
 *                             attempts, messageId, sentAt, reason, feedback…
 *   gsi1 (byRecipient)        WS#<ws>#E#<email> / <runId>: a recipient's history across runs
 *
 * Every transition is one conditional UpdateItem; a lost condition is answered by a consistent
 * read, so callers learn whether the record is final or held by someone else.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config';
import type { ClaimOutcome, ClaimRequest, DeliveryLedger, RecipientKey } from '../../delivery/ledger';
import type { DeliveryRecord, DeliveryStatus } from '../../delivery/types';
import { documentClientFromEnv } from './contact-store.dynamodb';

type Item = Record<string, unknown>;

const pkOf = (runId: string) => `RUN#${runId}`;
const skOf = (email: string) => `R#${email}`;
const gsiOf = (ws: string, email: string) => `WS#${ws}#E#${email}`;
const conditionFailed = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';

const finalStatuses: readonly DeliveryStatus[] = ['sent', 'failed', 'suppressed', 'cancelled'];

function recordOf(item: Item): DeliveryRecord {
  return {
    workspaceId: item.workspaceId as string,
    campaignId: item.campaignId as string,
    runId: item.runId as string,
    email: item.email as string,
    ...(item.contactId ? { contactId: item.contactId as string } : {}),
    status: item.status as DeliveryStatus,
    ...(item.leaseOwner ? { lease: { owner: item.leaseOwner as string, until: Number(item.leaseUntil) } } : {}),
    attempts: Number(item.attempts ?? 0),
    ...(item.messageId ? { messageId: item.messageId as string } : {}),
    ...(item.sentAt ? { sentAt: item.sentAt as string } : {}),
    ...(item.reason ? { reason: item.reason as string } : {}),
    ...(item.feedback ? { feedback: item.feedback as string } : {}),
    ...(item.openedAt ? { openedAt: item.openedAt as string } : {}),
    ...(item.clickedAt ? { clickedAt: item.clickedAt as string } : {}),
    updatedAt: item.updatedAt as string,
  };
}

export class DynamoDeliveryLedger implements DeliveryLedger {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  private get db() {
    return this.options.client;
  }

  private async item(key: RecipientKey): Promise<Item | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: pkOf(key.runId), sk: skOf(key.email) }, ConsistentRead: true }));
    return Item;
  }

  async claim(request: ClaimRequest): Promise<ClaimOutcome> {
    const at = new Date(request.now).toISOString();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: pkOf(request.runId), sk: skOf(request.email) },
          UpdateExpression:
            'SET #status = :sending, attempt = :attempt, leaseOwner = :owner, leaseUntil = :until, workspaceId = :ws, campaignId = :campaign, runId = :run, email = :email, gsi1pk = :gsi, gsi1sk = :run, updatedAt = :at' +
            (request.contactId ? ', contactId = :contact' : '') +
            ' ADD attempts :one',
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending OR (#status = :sending AND leaseUntil < :reclaimBefore)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':pending': 'pending',
            ':attempt': request.attempt,
            ':owner': request.owner,
            ':until': request.now + request.leaseMs,
            ':reclaimBefore': request.now - request.reconcileMs,
            ':ws': request.workspaceId,
            ':campaign': request.campaignId,
            ':run': request.runId,
            ':email': request.email,
            ':gsi': gsiOf(request.workspaceId, request.email),
            ':at': at,
            ':one': 1,
            ...(request.contactId ? { ':contact': request.contactId } : {}),
          },
        }),
      );
      return { kind: 'claimed', attempt: request.attempt };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
    const item = await this.item(request);
    const status = item?.status as DeliveryStatus | undefined;
    if (status && finalStatuses.includes(status)) return { kind: 'final', status };
    // Held: wait until the lease lapses and the reconcile window has passed.
    const until = Number(item?.leaseUntil ?? request.now);
    return { kind: 'busy', retryAfterMs: Math.max(1_000, until + request.reconcileMs - request.now) };
  }

  private async settleAttempt(key: RecipientKey, attempt: string, set: string, values: Item, remove = 'leaseOwner, leaseUntil'): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: pkOf(key.runId), sk: skOf(key.email) },
          UpdateExpression: `SET ${set} REMOVE ${remove}`,
          ConditionExpression: '#status = :sending AND attempt = :attempt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sending': 'sending', ':attempt': attempt, ...values },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  markSent(key: RecipientKey, attempt: string, messageId: string, at: string): Promise<boolean> {
    return this.settleAttempt(key, attempt, '#status = :sent, messageId = :id, sentAt = :at, updatedAt = :at', { ':sent': 'sent', ':id': messageId, ':at': at });
  }

  markFailed(key: RecipientKey, attempt: string, reason: string, at: string): Promise<boolean> {
    return this.settleAttempt(key, attempt, '#status = :failed, reason = :reason, updatedAt = :at', { ':failed': 'failed', ':reason': reason.slice(0, 1000), ':at': at });
  }

  async release(key: RecipientKey, attempt: string): Promise<void> {
    await this.settleAttempt(key, attempt, '#status = :pending', { ':pending': 'pending' });
  }

  async settleUnclaimed(record: Parameters<DeliveryLedger['settleUnclaimed']>[0], at: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            pk: pkOf(record.runId),
            sk: skOf(record.email),
            gsi1pk: gsiOf(record.workspaceId, record.email),
            gsi1sk: record.runId,
            workspaceId: record.workspaceId,
            campaignId: record.campaignId,
            runId: record.runId,
            email: record.email,
            ...(record.contactId ? { contactId: record.contactId } : {}),
            status: record.status,
            ...(record.reason ? { reason: record.reason } : {}),
            attempts: 0,
            updatedAt: at,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async recordSendEvent(key: RecipientKey, messageId: string, at: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: pkOf(key.runId), sk: skOf(key.email) },
          UpdateExpression: 'SET #status = :sent, messageId = :id, sentAt = :at, updatedAt = :at REMOVE leaseOwner, leaseUntil',
          ConditionExpression: '#status IN (:sending, :pending)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sent': 'sent', ':sending': 'sending', ':pending': 'pending', ':id': messageId, ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async recordFeedback(key: RecipientKey, feedback: { kind: 'bounce' | 'complaint' | 'delivery'; detail?: string; at: string }): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: pkOf(key.runId), sk: skOf(key.email) },
          UpdateExpression: feedback.kind === 'delivery' ? 'SET deliveredAt = :at' : 'SET feedback = :kind, feedbackDetail = :detail, feedbackAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: feedback.kind === 'delivery' ? { ':at': feedback.at } : { ':kind': feedback.kind, ':detail': (feedback.detail ?? '').slice(0, 1000), ':at': feedback.at },
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }

  async get(key: RecipientKey): Promise<DeliveryRecord | undefined> {
    const item = await this.item(key);
    return item ? recordOf(item) : undefined;
  }

  async *listRun(runId: string): AsyncIterable<DeliveryRecord[]> {
    let startKey: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': pkOf(runId) },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      yield ((page.Items ?? []) as Item[]).map(recordOf);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}

let fromEnv: DynamoDeliveryLedger | undefined;
export const deliveryLedgerFromEnv = (): DynamoDeliveryLedger => (fromEnv ??= new DynamoDeliveryLedger({ client: documentClientFromEnv(), tableName: tableName('deliveries') }));
