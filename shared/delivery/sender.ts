/**
 * Handing one rendered message to the mail service, and what its answer means for the ledger.
 * AWS: SES v2 SendEmail with raw content (shared/adapters/aws/raw-mailer.ses.ts); locally the same
 * adapter against the sandbox's SES front, which keeps the raw bytes it was handed.
 */
export interface RawSend {
  readonly raw: Uint8Array;
  readonly from: string;
  readonly to: string;
  /** SES EmailTags: run, campaign, workspace and attempt, echoed in every SES event. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface RawMailer {
  sendRaw(message: RawSend): Promise<{ messageId: string }>;
}

/**
 * throttled: not sent, try again later (rate or quota); permanent: never sent, record the reason;
 * in-doubt: the call failed in a way that leaves open whether SES accepted it (timeout, reset) —
 * never retried directly: the Send event, or its absence after the reconcile window, decides.
 */
export type SendFailureKind = 'throttled' | 'permanent' | 'in-doubt';

export class SendFailure extends Error {
  override readonly name = 'SendFailure';
  constructor(
    readonly kind: SendFailureKind,
    readonly reason: string,
    /** Throttled only: a hint how long to stay away (daily quota, paused sending). */
    readonly retryAfterMs?: number,
  ) {
    super(reason);
  }
}
