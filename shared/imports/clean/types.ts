/**
 * What cleaning one imported row produces. Every value cleaning alters is recorded as a Change so
 * the import result can show the user, per row, what was corrected and by which rule.
 */

/** One alteration of one field. `to` is '' when the value was dropped. */
export interface Change {
  readonly field: string;
  readonly from: string;
  readonly to: string;
  /** Stable rule id, e.g. `email.domain-typo`, `mobile.e164`, `birthday.roc` (see README.md). */
  readonly rule: string;
}

/** Why a row was refused. `code` is stable (for counts and translations), `message` is for people. */
export interface Reason {
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

export type CleanedRow =
  | {
      readonly outcome: 'ok';
      /** Cleaned values; empty values are absent. `tags` is not here but in `tags`. */
      readonly fields: Record<string, string>;
      readonly tags: readonly string[];
      readonly changes: readonly Change[];
    }
  | { readonly outcome: 'rejected'; readonly reasons: readonly Reason[]; readonly changes: readonly Change[] }
  | { readonly outcome: 'filtered'; readonly keyword: string; readonly field: string; readonly changes: readonly Change[] };

export const channelFields = ['email', 'mobile', 'fax'] as const;
export type ChannelField = (typeof channelFields)[number];
