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
  /** Continuations: how many times this part was put back (throttling, a paused run, busy leases). */
  readonly round?: number;
  /**
   * A recipient forwarded the run's message to these friends: sent in the same run (the ledger
   * keeps it once per friend), even after the run finished, tracked with the lineage, and kept out
   * of the run's progress and points (the run's audience did not include them).
   */
  readonly forward?: { readonly by: string; readonly depth: number };
}

/** On the campaignRuns queue: check whether every part of a run is done; finish it when so. */
export interface RunWatchMessage {
  readonly kind: 'watch';
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly runId: string;
}

/** pending: released after throttling (claimable at once); sending: claimed, SES call may be in flight. */
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
  /** A bounce or complaint SES reported after the send. */
  readonly feedback?: string;
  /** First open and click, noted by the tracking endpoints (resends to openers / clickers). */
  readonly openedAt?: string;
  readonly clickedAt?: string;
  readonly updatedAt: string;
}

/** The ledger partition of the friends a run's recipients forwarded it to (an SES tag value: [A-Za-z0-9_-]). */
export const forwardLedgerRunId = (runId: string): string => `${runId}-fwd`;

/** The run a ledger partition belongs to, and whether it holds forwarded recipients. */
export function runOfLedgerId(ledgerRunId: string): { readonly runId: string; readonly forwarded: boolean } {
  return ledgerRunId.endsWith('-fwd') ? { runId: ledgerRunId.slice(0, -4), forwarded: true } : { runId: ledgerRunId, forwarded: false };
}
