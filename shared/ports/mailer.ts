/** Sends one e-mail. AWS: SES v2. Locally: aws-ses-v2-local through the same SES adapter. */
export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
  readonly replyTo?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  /** SES configuration set carrying bounce/complaint notifications. */
  readonly configurationSet?: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}
