/**
 * The delivery ledger: one record per run and recipient, the single source of truth for "was this
 * recipient mailed". Every state change is a conditional write, so duplicate SQS deliveries,
 * retried parts and crashed workers can only ever win a recipient once.
 *
 *   (none) ──claim──▶ sending {attempt, lease} ──▶ sent | failed
 *      │                  │ lease expired + reconcile window passed, no Send event: claimable again
 *      └──settle──▶ suppressed | cancelled                 (SES Send event: sending ──▶ sent)
 *
 * A worker that dies after SES accepted a message leaves `sending`; SES's Send event (published
 * through the configuration set) settles it as sent before anyone may claim it again.
 */
import type { DeliveryRecord, DeliveryStatus } from './types';

export type ClaimOutcome =
  /** This worker holds the recipient: it may call SES once, with this attempt id. */
  | { readonly kind: 'claimed'; readonly attempt: string }
  /** Already sent, failed, suppressed or cancelled: nothing to do. */
  | { readonly kind: 'final'; readonly status: DeliveryStatus }
  /** Another worker holds a live lease, or a lapsed lease is still inside the reconcile window. */
  | { readonly kind: 'busy'; readonly retryAfterMs: number };

export interface ClaimRequest {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly runId: string;
  readonly email: string;
  readonly contactId?: string;
  readonly owner: string;
  readonly attempt: string;
  readonly now: number;
  readonly leaseMs: number;
  /** After a lease lapses, how long to wait for a Send event before sending again. */
  readonly reconcileMs: number;
}

export interface RecipientKey {
  readonly runId: string;
  readonly email: string;
}

export interface DeliveryLedger {
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  /** sending(attempt) → sent. False when the attempt no longer holds it (e.g. the Send event came first). */
  markSent(key: RecipientKey, attempt: string, messageId: string, at: string): Promise<boolean>;
  /** sending(attempt) → failed, with the reason. */
  markFailed(key: RecipientKey, attempt: string, reason: string, at: string): Promise<boolean>;
  /** sending(attempt) → no record holder: another worker may claim at once (throttled, not sent). */
  release(key: RecipientKey, attempt: string): Promise<void>;
  /** (none) → suppressed | cancelled for a recipient never claimed. False when it already had a record. */
  settleUnclaimed(record: Omit<DeliveryRecord, 'attempts' | 'updatedAt' | 'lease'> & { status: 'suppressed' | 'cancelled' }, at: string): Promise<boolean>;
  /** SES's Send event: sending → sent (any attempt), never touching a final record. */
  recordSendEvent(key: RecipientKey, messageId: string, at: string): Promise<boolean>;
  /** A bounce or complaint after sending: notes it on the record (the send stays counted). */
  recordFeedback(key: RecipientKey, feedback: { kind: 'bounce' | 'complaint' | 'delivery'; detail?: string; at: string }): Promise<void>;
  get(key: RecipientKey): Promise<DeliveryRecord | undefined>;
  /** Every record of a run, in pages (final counts, resend audiences). */
  listRun(runId: string): AsyncIterable<DeliveryRecord[]>;
}
