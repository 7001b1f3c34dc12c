/**
 * A run's audience, frozen at launch: who gets the message, with the fields merge tags read, in
 * parts of at most `partSize` recipients (one mail-queue message each).
 */
export interface FrozenRecipient {
  /** Lower-cased, corrected address: the delivery ledger's key. */
  readonly email: string;
  /** Absent for recipients from a typed list / file / URL who are not (yet) contacts. */
  readonly contactId?: string;
  /** Merge fields: standard ones by name, custom under `custom` (by field name), plus any file columns. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface AudienceSummary {
  readonly total: number;
  readonly duplicates: number;
  readonly invalid: number;
  readonly corrected: number;
  readonly suppressed: number;
  readonly excluded: number;
}

export interface FrozenAudience {
  /** Keys of the NDJSON parts in the uploads bucket, in order: `audiences/<ws>/<campaignId>/<runId>/part-00001.ndjson`. */
  readonly parts: readonly string[];
  readonly partSize: number;
  readonly summary: AudienceSummary;
}
