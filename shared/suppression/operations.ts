/**
 * The suppression list over the API (console 退信 / 拒收名單): read it, add addresses by hand
 * (a customer asked by phone, a known trap), and — admins only — take one off after its mailbox
 * was fixed. Adds never weaken an entry (the store keeps the strongest reason).
 */
import { z } from 'zod';
import { suppressionStoreFromEnv } from '../adapters/aws/suppression-store.dynamodb';
import type { Operation, OperationRequest } from '../api/operation';
import type { OperationId } from '../api/routes';
import { ValidationError } from '../errors';
import { fieldErrorsOf } from '../http/problem';
import { principalOf } from '../http/router';
import { suppressionKey } from './model';
import type { SuppressionStore } from './ports';

export type SuppressionOperationId = Extract<OperationId, 'listSuppressions' | 'addSuppressions' | 'removeSuppression'>;

export const addSuppressionsSchema = z
  .object({
    emails: z.array(z.string().trim().min(3).max(320)).min(1).max(1000),
    detail: z.string().trim().max(500).optional(),
  })
  .strict()
  .meta({ description: 'Addresses never to mail again (reason "manual"); a stronger existing reason is kept' });

export const listSuppressionsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(2000).optional(),
});

function parse<T extends z.ZodType>(schema: T, input: unknown, what: string, root: 'body' | 'query'): z.output<T> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(`Invalid ${what}`, fieldErrorsOf(parsed.error, root));
  return parsed.data;
}

export function createSuppressionOperations(store: () => SuppressionStore = suppressionStoreFromEnv): Record<SuppressionOperationId, Operation> {
  return {
    listSuppressions: async (request: OperationRequest) => {
      const query = parse(listSuppressionsQuerySchema, request.query, 'query', 'query');
      return { status: 200, body: await store().list(principalOf(request).workspaceId, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }) };
    },
    addSuppressions: async (request: OperationRequest) => {
      const principal = principalOf(request);
      const input = parse(addSuppressionsSchema, request.body, 'suppressions', 'body');
      const at = new Date().toISOString();
      const detail = input.detail ?? `added by ${principal.email ?? principal.id}`;
      await store().add(principal.workspaceId, input.emails.map((email) => ({ email, reason: 'manual' as const, detail, at })));
      return { status: 200, body: { added: new Set(input.emails.map(suppressionKey)).size } };
    },
    removeSuppression: async (request: OperationRequest) => {
      const email = suppressionKey(decodeURIComponent(request.pathParameters.email ?? ''));
      if (!email.includes('@')) throw new ValidationError('Name an e-mail address', [{ field: 'email', message: 'Must be an e-mail address' }]);
      await store().remove(principalOf(request).workspaceId, email);
      return { status: 204 };
    },
  };
}
