/** Parsing what arrives on the delivery queues and from SNS: a malformed message is named, never guessed at. */
import { z } from 'zod';
import type { CampaignRunMessage, MailBatchMessage, RunWatchMessage } from './types';
import type { WatchState } from './planner';

const id = z.string().min(1).max(100);

export const campaignRunMessageSchema = z.object({ workspaceId: id, campaignId: id, runId: id.optional() });
export const runWatchMessageSchema = z.object({
  kind: z.literal('watch'),
  workspaceId: id,
  campaignId: id,
  runId: id,
  seq: z.number().int().nonnegative().optional(),
  lastSettled: z.number().int().nonnegative().optional(),
  stillSince: z.number().int().nonnegative().optional(),
  lastCounted: z.number().int().nonnegative().optional(),
});
export const mailBatchMessageSchema = z.object({
  workspaceId: id,
  campaignId: id,
  runId: id,
  part: z.string().min(1).max(500),
  partIndex: z.number().int().positive(),
  round: z.number().int().nonnegative().optional(),
  forward: z.object({ by: z.string().min(3).max(320), depth: z.number().int().positive().max(100) }).optional(),
});

export function parsePlannerMessage(body: unknown): CampaignRunMessage | (RunWatchMessage & WatchState) {
  const watch = runWatchMessageSchema.safeParse(body);
  if (watch.success) return watch.data;
  return campaignRunMessageSchema.parse(body);
}

export const parseMailBatch = (body: unknown): MailBatchMessage => mailBatchMessageSchema.parse(body);
