/** Messages and records of the delivery pipeline (planner → mail queues → mail worker → ledger). */

/** On the campaignRuns queue (and a schedule's payload): plan this run. */
export interface CampaignRunMessage {
  readonly workspaceId: string;
  readonly campaignId: string;
  /** Absent on a recurring schedule's fire: the planner creates a new run from the campaign. */
  readonly runId?: string;
}

/** On a mail lane queue: send one part of a run's frozen audience. */
export interface MailBatchMessage {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly runId: string;
  /** The part's key in the uploads bucket. */
  readonly part: string;
  readonly partIndex: number;
}

export const deliveryStatuses = ['pending', 'sending', 'sent', 'failed', 'suppressed', 'cancelled'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** The ledger: deliveries table, `RUN#<runId>` / `R#<email>`; gsi1 `WS#<ws>#E#<email>` / `<sentAt>` for a recipient's history. */
export interface DeliveryRecord {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly runId: string;
  readonly email: string;
  readonly contactId?: string;
  readonly status: DeliveryStatus;
  /** Holder and expiry (epoch ms) of the right to call SES for this recipient. */
  readonly lease?: { readonly owner: string; readonly until: number };
  readonly attempts: number;
  readonly messageId?: string;
  readonly sentAt?: string;
  readonly reason?: string;
  readonly updatedAt: string;
}
