/**
 * What freezing an audience runs on. Every side effect is a port, so the planner passes the AWS
 * adapters (audienceDepsFromEnv in deps-from-env.ts) and tests pass in-memory ones.
 */
import type { PreviousRecipients } from '../campaigns/model';
import type { Contact } from '../contacts/contact';
import type { DefinitionStore } from '../contacts/definition-store';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { ContactScanner, SegmentStore } from '../segments/ports';
import type { SuppressionStore } from '../suppression/ports';

/**
 * Contacts read by id and (when the store has an index for it) by address. DynamoContactStore
 * (shared/adapters/aws/contact-store.dynamodb.ts) has both; contacts come back as stored
 * (custom values keyed by field id).
 */
export interface AudienceContactReader {
  /** The contacts with these ids that exist (absent ids are simply missing from the map). */
  getMany(workspaceId: string, ids: readonly string[]): Promise<Map<string, Contact>>;
  /**
   * The contacts holding these lower-cased addresses. Optional: without it, typed-list, file and
   * URL recipients stay anonymous (no contactId, no contact fields, no contact-status check —
   * the suppression table still applies).
   */
  findByEmails?(workspaceId: string, emails: readonly string[]): Promise<Map<string, Contact>>;
}

/** One recipient of an earlier run. */
export interface PreviousRecipient {
  readonly email: string;
  readonly contactId?: string;
  /** The merge fields it was sent with, if the ledger kept them (used when it is not a contact). */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/**
 * The recipients of an earlier run (resends, "everyone who opened last week's"). Implemented over
 * the delivery ledger (and, for openers / clickers, tracking). The order must be stable — the
 * same run read twice yields the same sequence — because frozen parts must be reproducible.
 */
export interface RunRecipientsReader {
  /** `runId` undefined: the campaign's latest run. */
  read(workspaceId: string, campaignId: string, runId: string | undefined, who: PreviousRecipients): AsyncIterable<PreviousRecipient>;
}

/** Fetches a list from a URL, refusing anything but public http(s) within size and time limits (url-guard.ts). */
export type FetchList = (url: string) => Promise<Uint8Array>;

export interface AudienceDeps {
  readonly contacts: AudienceContactReader;
  /** Custom fields, groups and categories: read fresh at every freeze. */
  readonly definitions: Pick<DefinitionStore, 'load'>;
  readonly scanner: ContactScanner;
  readonly segments: Pick<SegmentStore, 'get'>;
  readonly suppression: SuppressionStore;
  /** The uploads bucket: uploaded lists are read from it, frozen parts written to it. */
  readonly blobs: BlobStore;
  /** Default: the guarded fetcher with its default limits (20 MB, 15 s, 3 redirects). */
  readonly fetchList?: FetchList;
  readonly previousRecipients: RunRecipientsReader;
  readonly clock: Clock;
  /** Concurrent readers for contact scans (default: the scanner's). */
  readonly scanParallelism?: number;
}
