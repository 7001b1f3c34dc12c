/**
 * The contact: one person a workspace may send to, reachable by e-mail, mobile or fax.
 * `version` counts writes (optimistic concurrency, If-Match); e-mails are stored lower-cased and
 * mobiles as E.164 when parseable (see schemas.ts).
 */
export const contactStatuses = ['active', 'unsubscribed', 'bounced', 'complained'] as const;
export type ContactStatus = (typeof contactStatuses)[number];

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
  readonly departmentId?: string;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** 1 on create, +1 on every update. */
  readonly version: number;
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

export const hasChannel = (contact: Pick<Contact, 'email' | 'mobile' | 'fax'>): boolean =>
  Boolean(contact.email || contact.mobile || contact.fax);

/** Lower-case, width-folded form used for case-insensitive prefix search (names and e-mails). */
export function searchKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().trim();
}
