/**
 * What the public tracking endpoints need from the rest of the system. Factories in
 * deps-from-env.ts bind them to DynamoDB, S3, SQS, SES and Firehose; tests pass the same adapters
 * pointed at the sandbox.
 */
import type { LakeEvent } from '../../lake/event';
import type { GeoLookup } from '../enrich';

/** One HTTP request as the endpoints see it (a Lambda function URL event, or the local gateway's). */
export interface TrackingRequest {
  readonly method: string;
  /** Path below the tracking base, starting with `/` (e.g. `/o/<token>`). */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** UTF-8 body, if any. */
  readonly body?: string;
  /** The client's address (the function URL's sourceIp; behind CloudFront, the viewer's). */
  readonly ip?: string;
}

export interface TrackingResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

export interface RecipientCategory {
  readonly id: string;
  readonly name: string;
}

export interface SubscriptionRequest {
  readonly workspaceId: string;
  readonly email: string;
  readonly name?: string;
  readonly categories: readonly string[];
  /** Where the sign-up came from: a forwarded campaign keeps its lineage on the new contact. */
  readonly campaignId?: string;
  readonly forwardedBy?: string;
}

/** Contacts and the suppression list, as far as a recipient's own choices reach. */
export interface RecipientDirectory {
  categories(workspaceId: string): Promise<readonly RecipientCategory[]>;
  /** The categories the address's contact is subscribed to (none when there is no contact). */
  subscribedCategories(workspaceId: string, email: string): Promise<ReadonlySet<string>>;
  /** 'all': suppressed with reason unsubscribe and the contact marked unsubscribed; else those categories only. */
  unsubscribe(workspaceId: string, email: string, scope: 'all' | readonly string[], at: string): Promise<void>;
  /** Creates or updates the contact (double opt-in confirmed): subscribed to the categories, an unsubscribe lifted. */
  subscribe(request: SubscriptionRequest, at: string): Promise<{ readonly contactId: string; readonly created: boolean }>;
}

export interface CampaignFacts {
  readonly name: string;
  readonly fromEmail: string;
  readonly fromName?: string;
}

export interface ForwardRequest {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly runId: string;
  readonly forwardedBy: string;
  readonly depth: number;
  readonly friends: readonly string[];
}

export interface ConfirmationMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface TrackingDeps {
  readonly key: () => Promise<Uint8Array>;
  /** Resolves only once the events are in the lake's stream (acknowledged by Firehose). */
  readonly events: { put(records: readonly LakeEvent[]): Promise<void> };
  readonly geo: () => Promise<GeoLookup>;
  readonly directory: RecipientDirectory;
  readonly campaign: (workspaceId: string, campaignId: string, runId: string) => Promise<CampaignFacts | undefined>;
  /** Queues the campaign to the friends (the mail worker sends it; the ledger keeps it once per friend and run). */
  readonly forward: (request: ForwardRequest) => Promise<void>;
  readonly sendConfirmation: (mail: ConfirmationMail) => Promise<void>;
  /** True the first time (scope, nonce) is seen: CAPTCHA answers are good once. */
  readonly claimNonce: (scope: string, nonce: string, expiresAt: Date) => Promise<boolean>;
  /** Public base URL of these endpoints (TRACKING_BASE_URL). */
  readonly baseUrl: string;
  readonly now: () => number;
  readonly newId: (now: number) => string;
  readonly log?: (message: string, detail: Record<string, unknown>) => void;
  /** How long opens, page views, forwards and comments are honoured (clicks and unsubscribes always are). */
  readonly tokenDays?: number;
}
