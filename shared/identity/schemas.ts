/** zod schemas for every identity input, and the one place zod issues become a ValidationError. */
import { z } from 'zod';
import { roles } from '../auth/roles';
import { ValidationError, type FieldError } from '../errors';
import { userStatuses } from './model';

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors: FieldError[] = [];
  for (const issue of result.error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ field: base ? `${base}.${key}` : key, message: 'Unknown field' });
    } else {
      errors.push({ field: base || 'body', message: issue.message });
    }
  }
  throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
}

const email = z
  .string({ error: 'Required' })
  .trim()
  .max(254, { error: 'At most 254 characters' })
  .pipe(z.email({ error: 'Not a valid e-mail address' }))
  .transform((value) => value.toLowerCase());
const name = z.string({ error: 'Required' }).trim().min(1, { error: 'Must not be empty' }).max(100, { error: 'At most 100 characters' });
const role = z.enum(roles, { error: `One of ${roles.join(', ')}` });
const status = z.enum(userStatuses, { error: `One of ${userStatuses.join(', ')}` });
const id = z.string({ error: 'Required' }).min(1).max(100);
const password = z
  .string({ error: 'Required' })
  .min(8, { error: 'At least 8 characters' })
  .max(256, { error: 'At most 256 characters' });

/** A date (`YYYY-MM-DD`: valid through that day, UTC) or an ISO-8601 instant. */
const expiresAt = z
  .string({ error: 'A date (YYYY-MM-DD) or an ISO-8601 date-time' })
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) || z.iso.datetime({ offset: true }).safeParse(v).success, {
    error: 'A date (YYYY-MM-DD) or an ISO-8601 date-time',
  })
  .transform((v) => (v.length === 10 ? `${v}T23:59:59.999Z` : new Date(v).toISOString()))
  .refine((v) => !Number.isNaN(Date.parse(v)), { error: 'Not a real date' });

export const signInSchema = z.strictObject({ email, password: z.string({ error: 'Required' }).min(1, { error: 'Required' }).max(256) });

export const createDepartmentSchema = z.strictObject({ name });

export const createUserSchema = z.strictObject({
  email,
  name,
  role,
  password,
  status: status.default('active'),
  departmentId: id.optional(),
  expiresAt: expiresAt.optional(),
});

/** `null` clears an optional field. */
export const updateUserSchema = z
  .strictObject({
    name: name.optional(),
    role: role.optional(),
    status: status.optional(),
    departmentId: id.nullable().optional(),
    expiresAt: expiresAt.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { error: 'Nothing to change' });

export const createApiKeySchema = z
  .strictObject({
    name,
    role: role.default('operator'),
    rateLimit: z.int({ error: 'A whole number of requests per second' }).min(1, { error: 'At least 1' }).max(10_000, { error: 'At most 10000' }).default(10),
    burstLimit: z.int({ error: 'A whole number of requests' }).min(1, { error: 'At least 1' }).max(5_000, { error: 'At most 5000' }).optional(),
  })
  .transform((v) => ({ ...v, burstLimit: v.burstLimit ?? Math.min(v.rateLimit * 2, 5_000) }));

export const idParameterSchema = z.strictObject({ id });

export type SignInInput = z.output<typeof signInSchema>;
export type CreateUserInput = z.output<typeof createUserSchema>;
export type UpdateUserInput = z.output<typeof updateUserSchema>;
export type CreateApiKeyInput = z.output<typeof createApiKeySchema>;
