/**
 * Zod schemas for every contact input, and the Contact output schema the OpenAPI document uses.
 * Normalisation happens here, once: e-mails trimmed and lower-cased, phone numbers to E.164
 * (default region Taiwan, as most of our users' contacts are), tags trimmed and de-duplicated.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { contactStatuses, genders, subscriptionStates } from './contact';

export const defaultPhoneRegion: CountryCode = 'TW';

/** E.164 when libphonenumber recognises a valid number, else the digits as typed (kept, not lost). */
export function normalisePhone(value: string, region: CountryCode = defaultPhoneRegion): string {
  const parsed = parsePhoneNumberFromString(value, region);
  if (parsed?.isValid()) return parsed.number;
  return value.replace(/\s+/g, ' ').trim();
}

const phoneCharacters = /^\+?[0-9 ()./-]+(?:\s*(?:#|ext\.?|x)\s*[0-9]{1,6})?$/i;

const phone = (what: string) =>
  z
    .string()
    .trim()
    .max(40)
    .refine((value) => phoneCharacters.test(value), { message: `Not a ${what} number`, abort: true })
    .refine((value) => {
      const digits = value.replace(/\D/g, '').length;
      return digits >= 6 && digits <= 20;
    }, { message: `A ${what} number has 6 to 20 digits` })
    .transform((value) => normalisePhone(value))
    .meta({ description: `${what} number; stored as E.164 (e.g. +886912345678) when recognised, default region TW` });

const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'Not a valid e-mail address' }))
  .meta({ format: 'email', description: 'Stored lower-cased; unique within the workspace' });

const text = (max: number) => z.string().trim().min(1, { message: 'Must not be empty' }).max(max);

const tag = z.string().trim().min(1, { message: 'A tag must not be empty' }).max(50);
const tags = z
  .array(tag)
  .max(50)
  .transform((list) => [...new Set(list)]);

const language = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, { message: 'Use a BCP 47 language tag such as zh-TW or en' });

const birthday = z.iso.date({ message: 'Use a real date as YYYY-MM-DD' });

const score = z
  .number({ message: 'score must be a whole number of 0 or more' })
  .int({ message: 'score must be a whole number of 0 or more' })
  .min(0, { message: 'score must be a whole number of 0 or more' })
  .max(1_000_000_000)
  .meta({ description: 'Engagement / loyalty score (tracking raises it)' });
const groupIds = z
  .array(z.string().min(1).max(64))
  .max(200)
  .transform((list) => [...new Set(list)])
  .meta({ description: 'Ids of the groups (GET /groups) the contact is in; replaces the membership' });
const categoryId = z.string().min(1).max(64);
const subscriptions = z
  .record(categoryId, z.enum(subscriptionStates))
  .meta({ description: 'Category id (GET /categories) → subscribed or unsubscribed' });
const subscriptionChanges = z
  .record(categoryId, z.enum(subscriptionStates).nullable())
  .meta({ description: 'Category id → subscribed or unsubscribed; null forgets the choice; categories not named keep theirs' });
const custom = z
  .record(z.string(), z.unknown())
  .meta({ description: 'Custom field name (GET /fields) → value of the field\'s type; checked against its validation' });

const fields = {
  email,
  mobile: phone('mobile'),
  fax: phone('fax'),
  name: text(200),
  company: text(200),
  title: text(100),
  gender: z.enum(genders),
  birthday,
  city: text(100),
  address: text(500),
  language,
  departmentId: text(64),
};

const channelRequired = { message: 'Give at least one of email, mobile or fax', path: ['email'] };

export const createContactSchema = z
  .strictObject({
    email: fields.email.optional(),
    mobile: fields.mobile.optional(),
    fax: fields.fax.optional(),
    name: fields.name.optional(),
    company: fields.company.optional(),
    title: fields.title.optional(),
    gender: fields.gender.optional(),
    birthday: fields.birthday.optional(),
    city: fields.city.optional(),
    address: fields.address.optional(),
    language: fields.language.optional(),
    departmentId: fields.departmentId.optional(),
    tags: tags.default([]),
    status: z.enum(contactStatuses).default('active'),
    score: score.default(0),
    groups: groupIds.default([]),
    subscriptions: subscriptions.default({}),
    custom: custom.optional(),
  })
  .refine((input) => Boolean(input.email || input.mobile || input.fax), channelRequired)
  .meta({ description: 'A new contact: at least one of email, mobile or fax' });
export type CreateContactInput = z.input<typeof createContactSchema>;
export type CreateContactData = z.output<typeof createContactSchema>;

/** PATCH: only the fields to change; `null` clears an optional field. */
export const updateContactSchema = z
  .strictObject({
    email: fields.email.nullable().optional(),
    mobile: fields.mobile.nullable().optional(),
    fax: fields.fax.nullable().optional(),
    name: fields.name.nullable().optional(),
    company: fields.company.nullable().optional(),
    title: fields.title.nullable().optional(),
    gender: fields.gender.nullable().optional(),
    birthday: fields.birthday.nullable().optional(),
    city: fields.city.nullable().optional(),
    address: fields.address.nullable().optional(),
    language: fields.language.nullable().optional(),
    departmentId: fields.departmentId.nullable().optional(),
    tags: tags.nullable().optional(),
    status: z.enum(contactStatuses).optional(),
    score: score.optional(),
    groups: groupIds.nullable().optional(),
    subscriptions: subscriptionChanges.optional(),
    custom: custom.optional().meta({ description: 'Custom fields to change (others keep their values); null clears one' }),
  })
  .meta({ description: 'Fields to change; null clears one. The result must keep an email, mobile or fax.' });
export type UpdateContactInput = z.input<typeof updateContactSchema>;
export type UpdateContactData = z.output<typeof updateContactSchema>;

const scoreBound = (name: string) =>
  z.coerce
    .number({ message: `${name} must be a whole number of 0 or more` })
    .int({ message: `${name} must be a whole number of 0 or more` })
    .min(0, { message: `${name} must be a whole number of 0 or more` });

export const listContactsQuerySchema = z.object({
  limit: z.coerce
    .number({ message: 'limit must be a whole number from 1 to 100' })
    .int({ message: 'limit must be a whole number from 1 to 100' })
    .min(1, { message: 'limit must be a whole number from 1 to 100' })
    .max(100, { message: 'limit must be a whole number from 1 to 100' })
    .default(25),
  cursor: z.string().min(1).max(2048).optional(),
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((value) => (value ? value : undefined)),
  group: z.string().min(1).max(64).optional().meta({ description: 'Only contacts in this group' }),
  category: z.string().min(1).max(64).optional().meta({ description: 'Only contacts subscribed to this category' }),
  status: z.enum(contactStatuses).optional(),
  scoreMin: scoreBound('scoreMin').optional(),
  scoreMax: scoreBound('scoreMax').optional(),
})
  .refine((query) => query.scoreMin === undefined || query.scoreMax === undefined || query.scoreMin <= query.scoreMax, {
    message: 'scoreMin must not be above scoreMax',
    path: ['scoreMax'],
  })
  .meta({
    description:
      'Filters combine with AND, and with q. `custom.<field name>=<value>` (any number of them) also filters: equal to the ' +
      'value (for a multi-choice field: holding that choice).',
  });
export type ListContactsQuery = z.output<typeof listContactsQuerySchema>;

/** The Contact as the API returns it (documentation and response checks). */
export const contactSchema = z
  .object({
    id: z.string(),
    email: z.email().optional(),
    mobile: z.string().optional(),
    fax: z.string().optional(),
    name: z.string().optional(),
    company: z.string().optional(),
    title: z.string().optional(),
    gender: z.enum(genders).optional(),
    birthday: z.iso.date().optional(),
    city: z.string().optional(),
    address: z.string().optional(),
    language: z.string().optional(),
    tags: z.array(z.string()),
    status: z.enum(contactStatuses),
    score: z.number().int().min(0),
    groups: z.array(z.string()),
    subscriptions: z.record(z.string(), z.enum(subscriptionStates)),
    custom: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).meta({
      description: 'Custom field name → value',
    }),
    departmentId: z.string().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int().min(1),
  })
  .meta({ description: 'A contact' });

export const contactPageSchema = z
  .object({
    items: z.array(contactSchema),
    nextCursor: z.string().optional().meta({ description: 'Pass as `cursor` for the next page; absent on the last page' }),
  })
  .meta({ description: 'One page of contacts' });
