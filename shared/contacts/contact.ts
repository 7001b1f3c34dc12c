/**
 * The contact: one person a workspace may send to, reachable by e-mail, mobile or fax.
 * `version` counts writes (optimistic concurrency, If-Match); e-mails are stored lower-cased and
 * mobiles as E.164 when parseable (see schemas.ts).
 */
import type { ContactEngagement } from '../engagement/model';
import type { ScoreState } from '../engagement/score';

export const contactStatuses = ['active', 'unsubscribed', 'bounced', 'complained'] as const;
export type ContactStatus = (typeof contactStatuses)[number];

export const subscriptionStates = ['subscribed', 'unsubscribed'] as const;
export type SubscriptionState = (typeof subscriptionStates)[number];

/** A custom field's value: text, number, YYYY-MM-DD date, boolean, a choice or several. */
export type CustomValue = string | number | boolean | readonly string[];

export const genders = ['female', 'male', 'other'] as const;
export type Gender = (typeof genders)[number];

export interface Contact {
  readonly id: string;
  readonly email?: string;
  readonly mobile?: string;
  readonly fax?: string;
  readonly name?: string;
  readonly company?: string;
  readonly title?: string;
  readonly gender?: Gender;
  /** YYYY-MM-DD */
  readonly birthday?: string;
  readonly city?: string;
  readonly address?: string;
  /** BCP 47 tag, e.g. `zh-TW`, `en`. */
  readonly language?: string;
  readonly tags: readonly string[];
  readonly status: ContactStatus;
  /** Engagement / loyalty score: a whole number ≥ 0 (tracking raises it; operators may set it). */
  readonly score: number;
  /** Ids of the groups the contact is in (only groups that still exist are shown). */
  readonly groups: readonly string[];
  /** Newsletter category id → the contact's choice for it. */
  readonly subscriptions: Readonly<Record<string, SubscriptionState>>;
  /**
   * The workspace's own fields. In the API keyed by field name; in storage (ContactStore) keyed
   * by the field's id, so a deleted and re-created field never inherits old values.
   */
  readonly custom: Readonly<Record<string, CustomValue>>;
  readonly departmentId?: string;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** 1 on create, +1 on every update. */
  readonly version: number;
  /** What the contact did with campaigns (the engagement projector keeps it; read-only in the API). */
  readonly engagement?: ContactEngagement;
  /** The projector's bookkeeping for the score (exact value, lake objects applied); never shown. */
  readonly scoring?: ScoreState;
}

/** The optional text and choice fields a client may set or clear. */
export const contactFields = [
  'email',
  'mobile',
  'fax',
  'name',
  'company',
  'title',
  'gender',
  'birthday',
  'city',
  'address',
  'language',
  'departmentId',
] as const;
export type ContactField = (typeof contactFields)[number];

/** Every top-level name a contact already uses: custom fields may not take one of these. */
export const reservedFieldNames: readonly string[] = [
  ...contactFields,
  'id',
  'tags',
  'status',
  'score',
  'groups',
  'subscriptions',
  'custom',
  'createdAt',
  'updatedAt',
  'version',
  'engagement',
  'scoring',
];

export const hasChannel = (contact: Pick<Contact, 'email' | 'mobile' | 'fax'>): boolean =>
  Boolean(contact.email || contact.mobile || contact.fax);

/** Lower-case, width-folded form used for case-insensitive prefix search (names and e-mails). */
export function searchKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().trim();
}
