/**
 * A message queue with SQS semantics (at-least-once, visibility timeout, dead-letter redrive).
 * AWS: SQS through SDK v3. Locally: the sandbox's queue runner, which speaks the same SQS
 * JSON protocol, so the same adapter is used on both hosts.
 */
export interface OutgoingMessage {
  /** JSON-serialisable body. */
  readonly body: unknown;
  /** Seconds before the message becomes visible (SQS allows 0 to 900). */
  readonly delaySeconds?: number;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface SendResult {
  readonly messageId: string;
}

export interface Queue {
  send(message: OutgoingMessage): Promise<SendResult>;
  /** Sends many, in batches of ten; rejects naming the messages that failed after retries. */
  sendMany(messages: readonly OutgoingMessage[]): Promise<SendResult[]>;
}
