/**
 * What every source yields: a would-be recipient before correction, de-duplication, suppression
 * and exclusions (funnel.ts applies those, the same way for all eight kinds).
 */
import type { ContactStatus } from '../../contacts/contact';

export interface Candidate {
  /** The address as the source gave it; '' when it has none (counted invalid). */
  readonly address: string;
  /** Merge fields from the source: file columns, or the contact's fields. `email` is set later. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Set when the source read the contact itself (and checked the launcher may see it). */
  readonly contactId?: string;
  readonly status?: ContactStatus;
  /** Typed lists, files, URLs, anonymous earlier recipients: look the address up among contacts. */
  readonly lookUp?: boolean;
}

/** Sources yield batches: one await per batch rather than per recipient keeps 100k-line lists fast. */
export type CandidateBatches = AsyncIterable<readonly Candidate[]>;

export const batchSize = 1000;
