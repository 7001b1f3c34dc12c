/**
 * What a workspace defines about its contacts (OMICard 延伸資料庫 and 客戶屬性管理): custom fields,
 * groups and newsletter categories; their input schemas; and the validation of custom values
 * against the field definitions (errors named `custom.<name>`).
 */
import { z } from 'zod';
import type { FieldError } from '../errors';
import { reservedFieldNames, type CustomValue } from './contact';

export const customFieldTypes = ['text', 'number', 'date', 'boolean', 'single_choice', 'multi_choice'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];

export interface Label {
  readonly 'zh-TW'?: string;
  readonly en?: string;
}

export interface FieldValidation {
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly min?: number | string;
  readonly max?: number | string;
  readonly integer?: boolean;
  readonly options?: readonly string[];
}

export interface CustomFieldDefinition {
  /** Internal, never reused: the key of the field's values in stored contacts. */
  readonly id: string;
  /** The identifier clients use (`custom.<name>`, merge tags, import mapping); unique per workspace. */
  readonly name: string;
  readonly label: Label;
  readonly type: CustomFieldType;
  readonly required: boolean;
  readonly validation: FieldValidation;
  /**
   * Set (never cleared) the first time a contact gets a value: from then on the type is fixed.
   * `usedChoices` likewise records every choice ever stored, so none of them can be removed.
   */
  readonly used?: boolean;
  readonly usedChoices?: readonly string[];
  /** +1 on every definition change (not on usage marks); usage marks are conditional on it. */
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const shareAccess = ['read', 'readWrite'] as const;
export interface GroupShare {
  readonly kind: 'department' | 'user';
  readonly id: string;
  readonly access: (typeof shareAccess)[number];
}

export interface Group {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  /** Department of the creator: the group's owner. Who sees its members: see visibility.ts. */
  readonly departmentId?: string;
  readonly sharedWith: readonly GroupShare[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface Category {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** Everything a workspace defines, loaded together (one query). */
export interface Definitions {
  readonly fields: readonly CustomFieldDefinition[];
  readonly groups: readonly Group[];
  readonly categories: readonly Category[];
}

/** Soft caps that keep one workspace's definitions well inside one 1 MB query page. */
export const definitionLimits = { fields: 200, groups: 1000, categories: 200 } as const;

// ---- input schemas -------------------------------------------------------------------------

const reserved = new Set(reservedFieldNames.map((n) => n.toLowerCase()));

export const fieldNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, { message: 'Use 1-40 lower-case letters, digits or _, starting with a letter' })
  .refine((name) => !reserved.has(name.replace(/_/g, '')) && !reserved.has(name), { message: 'Clashes with a standard contact field' });

const labelSchema = z
  .strictObject({
    'zh-TW': z.string().trim().min(1).max(100).optional(),
    en: z.string().trim().min(1).max(100).optional(),
  })
  .refine((label) => Boolean(label['zh-TW'] || label.en), { message: 'Give a zh-TW or an en label' });

const isoDate = z.iso.date({ message: 'Use a real date as YYYY-MM-DD' });

const compilablePattern = z
  .string()
  .min(1)
  .max(200)
  .refine((pattern) => {
    try {
      new RegExp(pattern, 'u');
      return true;
    } catch {
      return false;
    }
  }, { message: 'Not a valid regular expression' });

const option = z.string().trim().min(1, { message: 'A choice must not be empty' }).max(100);
const optionsSchema = z
  .array(option)
  .min(1, { message: 'Give at least one choice' })
  .max(200)
  .refine((list) => new Set(list).size === list.length, { message: 'Choices must be unique' });

const ordered = <T extends { min?: number | string | undefined; max?: number | string | undefined }>(v: T) =>
  v.min === undefined || v.max === undefined || v.min <= v.max;
const orderedMessage = { message: 'min must not be above max', path: ['max'] };

export const validationSchemas = {
  text: z.strictObject({ maxLength: z.number().int().min(1).max(10_000).optional(), pattern: compilablePattern.optional() }),
  number: z.strictObject({ min: z.number().optional(), max: z.number().optional(), integer: z.boolean().optional() }).refine(ordered, orderedMessage),
  date: z.strictObject({ min: isoDate.optional(), max: isoDate.optional() }).refine(ordered, orderedMessage),
  boolean: z.strictObject({}),
  single_choice: z.strictObject({ options: optionsSchema }),
  multi_choice: z.strictObject({ options: optionsSchema }),
} as const satisfies Record<CustomFieldType, z.ZodType>;

const fieldBase = { name: fieldNameSchema, label: labelSchema, required: z.boolean().default(false) };

export const createFieldSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ ...fieldBase, type: z.literal('text'), validation: validationSchemas.text.default({}) }),
    z.strictObject({ ...fieldBase, type: z.literal('number'), validation: validationSchemas.number.default({}) }),
    z.strictObject({ ...fieldBase, type: z.literal('date'), validation: validationSchemas.date.default({}) }),
    z.strictObject({ ...fieldBase, type: z.literal('boolean'), validation: validationSchemas.boolean.default({}) }),
    z.strictObject({ ...fieldBase, type: z.literal('single_choice'), validation: validationSchemas.single_choice }),
    z.strictObject({ ...fieldBase, type: z.literal('multi_choice'), validation: validationSchemas.multi_choice }),
  ])
  .meta({ description: 'A custom field: name (unique identifier), label, type, required, validation for its type' });
export type CreateFieldData = z.output<typeof createFieldSchema>;

/** PATCH a field: the name stays; `validation` replaces the whole validation when given. */
export const updateFieldSchema = z
  .strictObject({
    label: labelSchema.optional(),
    type: z.enum(customFieldTypes).optional(),
    required: z.boolean().optional(),
    validation: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({
    description:
      'Fields to change. `validation` replaces the validation and must suit the (new) type. The type cannot change once a ' +
      'contact has held a value for the field, nor can a choice ever stored be removed (409).',
  });

const share = z.strictObject({
  kind: z.enum(['department', 'user']),
  id: z.string().trim().min(1).max(64),
  access: z.enum(shareAccess),
});

const groupFields = {
  name: z.string().trim().min(1, { message: 'Must not be empty' }).max(100),
  description: z.string().trim().max(500),
  sharedWith: z
    .array(share)
    .max(100)
    .refine((list) => new Set(list.map((s) => `${s.kind}:${s.id}`)).size === list.length, { message: 'Each department or user once' }),
};

export const createGroupSchema = z
  .strictObject({ name: groupFields.name, description: groupFields.description.optional(), sharedWith: groupFields.sharedWith.default([]) })
  .meta({ description: 'A contact group; sharedWith lets other departments or users read (or read and change) its members' });
export const updateGroupSchema = z
  .strictObject({ name: groupFields.name.optional(), description: groupFields.description.nullable().optional(), sharedWith: groupFields.sharedWith.optional() })
  .meta({ description: 'Fields to change; null clears the description' });

export const shareGroupSchema = z
  .strictObject({ sharedWith: groupFields.sharedWith })
  .meta({
    description:
      'Who else sees the group\'s contacts: departments or users, each with read or readWrite access; replaces the list (empty: shared with nobody)',
  });

export const createCategorySchema = z
  .strictObject({ name: groupFields.name, description: groupFields.description.optional() })
  .meta({ description: 'A newsletter category contacts subscribe to' });
export const updateCategorySchema = z
  .strictObject({ name: groupFields.name.optional(), description: groupFields.description.nullable().optional() })
  .meta({ description: 'Fields to change; null clears the description' });

export const maxMembersPerCall = 1000;
export const membersSchema = z
  .strictObject({
    contactIds: z
      .array(z.string().min(1).max(64))
      .min(1, { message: 'Give at least one contact id' })
      .max(maxMembersPerCall, { message: `At most ${maxMembersPerCall} contact ids per call` })
      .transform((ids) => [...new Set(ids)]),
  })
  .meta({ description: `Contact ids to add to or remove from the group (at most ${maxMembersPerCall})` });

export const membershipResultSchema = z
  .object({
    changed: z.number().int().meta({ description: 'Contacts added (or removed) by this call' }),
    unchanged: z.number().int().meta({ description: 'Contacts already in (or already out of) the group' }),
    notFound: z.array(z.string()).meta({ description: 'Ids with no contact in this workspace' }),
  })
  .meta({ description: 'What a bulk membership change did' });

const labelOut = z.object({ 'zh-TW': z.string().optional(), en: z.string().optional() });
export const fieldDefinitionSchema = z
  .object({
    name: z.string(),
    label: labelOut,
    type: z.enum(customFieldTypes),
    required: z.boolean(),
    validation: z.object({
      maxLength: z.number().int().optional(),
      pattern: z.string().optional(),
      min: z.union([z.number(), z.string()]).optional(),
      max: z.union([z.number(), z.string()]).optional(),
      integer: z.boolean().optional(),
      options: z.array(z.string()).optional(),
    }),
    inUse: z.boolean().meta({ description: 'A contact has held a value: the type is fixed' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ description: 'A custom field definition' });
export const groupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    departmentId: z.string().optional(),
    sharedWith: z.array(z.object({ kind: z.enum(['department', 'user']), id: z.string(), access: z.enum(shareAccess) })),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .meta({ description: 'A contact group' });
export const categorySchema = z
  .object({ id: z.string(), name: z.string(), description: z.string().optional(), createdAt: z.iso.datetime(), updatedAt: z.iso.datetime(), version: z.number().int() })
  .meta({ description: 'A newsletter category' });

/** A definition as the API shows it: internal id and usage marks left out. */
export function publicField(field: CustomFieldDefinition) {
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    required: field.required,
    validation: field.validation,
    inUse: Boolean(field.used),
    createdAt: field.createdAt,
    updatedAt: field.updatedAt,
  };
}

// ---- custom values -------------------------------------------------------------------------

/** The zod schema one field's value must pass (normalising it: trimmed text, de-duplicated choices). */
export function valueSchema(field: Pick<CustomFieldDefinition, 'type' | 'validation'>): z.ZodType<CustomValue> {
  const v = field.validation;
  switch (field.type) {
    case 'text': {
      let s = z.string({ message: 'Must be text' }).trim().min(1, { message: 'Must not be empty' }).max(v.maxLength ?? 2000, {
        message: `At most ${v.maxLength ?? 2000} characters`,
      });
      if (v.pattern) s = s.regex(new RegExp(v.pattern, 'u'), { message: `Must match ${v.pattern}` });
      return s;
    }
    case 'number': {
      let n = z.number({ message: 'Must be a number' });
      if (v.integer) n = n.int({ message: 'Must be a whole number' });
      if (typeof v.min === 'number') n = n.min(v.min, { message: `Must be at least ${v.min}` });
      if (typeof v.max === 'number') n = n.max(v.max, { message: `Must be at most ${v.max}` });
      return n;
    }
    case 'date':
      return isoDate
        .refine((d) => typeof v.min !== 'string' || d >= v.min, { message: `Must be on or after ${String(v.min)}` })
        .refine((d) => typeof v.max !== 'string' || d <= v.max, { message: `Must be on or before ${String(v.max)}` });
    case 'boolean':
      return z.boolean({ message: 'Must be true or false' });
    case 'single_choice':
      return z.string({ message: 'Must be one of the choices' }).refine((c) => v.options?.includes(c) ?? false, {
        message: `Must be one of: ${(v.options ?? []).join(', ')}`,
      });
    case 'multi_choice':
      return z
        .array(z.string(), { message: 'Must be a list of choices' })
        .refine((list) => list.every((c) => v.options?.includes(c)), { message: `Each must be one of: ${(v.options ?? []).join(', ')}` })
        .transform((list) => [...new Set(list)]);
  }
}

export interface ParsedCustom {
  /** Field name → normalised value; `null` clears the field (updates only). */
  readonly values: Record<string, CustomValue | null>;
  readonly errors: FieldError[];
}

/**
 * Checks `input` (a client's `custom` object) against the definitions. On create every required
 * field needs a value; on update a required field may not be cleared, while a contact stored
 * before a field became required keeps working until someone sets its value.
 */
export function parseCustomValues(fields: readonly CustomFieldDefinition[], input: unknown, mode: 'create' | 'update'): ParsedCustom {
  const values: Record<string, CustomValue | null> = {};
  const errors: FieldError[] = [];
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    return { values, errors: [{ field: 'custom', message: 'Must be an object of field name → value' }] };
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const [name, raw] of Object.entries(given)) {
    const field = byName.get(name);
    if (!field) {
      errors.push({ field: `custom.${name}`, message: 'Unknown field: define it under /fields first' });
      continue;
    }
    const empty = raw === null || (Array.isArray(raw) && raw.length === 0);
    if (empty) {
      if (field.required) errors.push({ field: `custom.${name}`, message: 'Required' });
      else values[name] = null;
      continue;
    }
    const result = valueSchema(field).safeParse(raw);
    if (result.success) values[name] = result.data;
    else errors.push({ field: `custom.${name}`, message: result.error.issues[0]?.message ?? 'Invalid' });
  }
  if (mode === 'create') {
    for (const field of fields) {
      if (field.required && !(field.name in given)) errors.push({ field: `custom.${field.name}`, message: 'Required' });
    }
  }
  return { values, errors };
}
