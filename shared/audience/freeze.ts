/**
 * Freezing a run's audience at launch (the planner's first step): read every source the way the
 * launcher sees the workspace, correct, de-duplicate, drop the suppressed and the excluded, and
 * write who remains into NDJSON parts in the uploads bucket. What is frozen is what is sent:
 * later edits to contacts, lists or segments never change a run in flight.
 *
 * Deterministic: the same sources over the same data give the same parts, line for line, so a
 * freeze that crashed half-way is simply run again and overwrites what it had written.
 */
import type { Principal } from '../api/operation';
import type { AudienceSpec, CampaignType } from '../campaigns/model';
import { maxTestRecipients } from '../campaigns/schemas';
import { ValidationError } from '../errors';
import { Funnel } from './funnel';
import { audiencePrefix, defaultPartSize, maxPartSize, PartWriter } from './parts';
import type { AudienceDeps } from './ports';
import { collectExclusions, prepareSources, readSource } from './sources';
import type { FrozenAudience, FrozenRecipient } from './types';
import { viewOf } from './view';

export interface FreezeInput {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly runId: string;
  readonly type: CampaignType;
  readonly audience: AudienceSpec;
  /** Who launched the run: the audience holds only contacts they may read. */
  readonly viewer: Principal;
  /** Recipients per part (one mail-queue message each); default 50. */
  readonly partSize?: number;
}

export async function freezeAudience(deps: AudienceDeps, input: FreezeInput): Promise<FrozenAudience> {
  const partSize = input.partSize ?? defaultPartSize;
  if (!Number.isInteger(partSize) || partSize < 1 || partSize > maxPartSize) {
    throw new ValidationError('Invalid partSize', [{ field: 'partSize', message: `Must be a whole number from 1 to ${maxPartSize}` }]);
  }
  // A principal of another workspace would read that workspace's contacts: a caller's bug, never a user's.
  if (input.viewer.workspaceId !== input.workspaceId) {
    throw new Error(`The launcher ${input.viewer.id} belongs to workspace ${input.viewer.workspaceId}, not ${input.workspaceId}`);
  }

  const view = await viewOf(deps, input.viewer);
  // Every mistake that shows without reading a list, for all sources at once, before anything is written.
  const [sources = [], exclusions = []] = await prepareSources(deps, view, [
    { sources: input.audience.sources, root: 'audience.sources' },
    { sources: input.audience.exclusions, root: 'audience.exclusions' },
  ]);
  // Exclusions first: the recipients are then streamed through once and never held.
  const excluded = await collectExclusions(deps, view, exclusions);
  const writer = new PartWriter(deps.blobs, audiencePrefix(input.workspaceId, input.campaignId, input.runId), partSize);

  // A test run is checked whole before anything is written: a refused one leaves no parts behind.
  const test = input.type === 'test';
  const held: FrozenRecipient[] = [];
  const funnel = new Funnel(deps, view, excluded, async (recipient) => {
    if (!test) return writer.add(recipient);
    if (held.length <= maxTestRecipients) held.push(recipient);
  });

  for (const source of sources) {
    for await (const batch of readSource(deps, view, source)) await funnel.take(batch);
  }
  const summary = await funnel.end();

  if (test) {
    if (summary.total > maxTestRecipients) {
      const message = `A test campaign goes to at most ${maxTestRecipients} recipients; this one has ${summary.total}`;
      throw new ValidationError(message, [{ field: 'audience', message }]);
    }
    for (const recipient of held) await writer.add(recipient);
  }
  return { parts: await writer.finish(), partSize, summary };
}
