/** The reportJobs queue's messages, checked on the way in (a malformed one is dropped, not retried). */
import { z } from 'zod';
import { reportTypes } from './model';
import type { ReportMessage } from './ports';

const ids = { workspaceId: z.string().min(1).max(64), campaignId: z.string().min(1).max(64) };
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const reportMessageSchema: z.ZodType<ReportMessage> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('generate'), ...ids, types: z.array(z.enum(reportTypes)).min(1), range: z.object({ from: day, to: day }), requestedAt: z.string() }),
  z.object({ kind: z.literal('list'), ...ids, listId: z.string().min(1).max(64) }),
  z.object({ kind: z.literal('dispatch'), ...ids, slot: z.string().min(1).max(64) }),
]);
