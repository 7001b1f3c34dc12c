/**
 * The campaign planner: turns a launched (or fired) run into mail-lane messages, then watches it.
 *
 *  plan:  run (created here for a recurring fire) → planning → audience frozen into parts →
 *         points reserved for the frozen count → one MailBatchMessage per part on the run's lane
 *         (triggered → priority, formal → bulk, test → low) → sending, and a delayed watch.
 *  watch: while the live counters say parts are still out, look again later; once they add up,
 *         or stop moving, count the ledger itself — the exact figures — and finish the run
 *         (status, campaign status, points settled) when every recipient is final.
 *
 * Every step can run twice (duplicate messages, a retried invocation): run updates are
 * conditional, a re-frozen audience is identical, and duplicate part messages meet the ledger.
 */
import type { Principal } from '../api/operation';
import type { FrozenAudience } from '../audience/types';
import { holdersOf } from '../campaigns/launch';
import { StaleVersionError, type RunBookkeeping } from '../campaigns/runs';
import type { AudienceSpec, CampaignRun, CampaignType } from '../campaigns/model';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { QuotaShortError } from '../quotas/model';
import type { DeliveryLedger } from './ledger';
import type { CampaignRunMessage, MailBatchMessage, RunWatchMessage } from './types';

export interface FreezeInput {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly runId: string;
  readonly type: CampaignType;
  readonly audience: AudienceSpec;
  readonly viewer: Principal;
}

export type Lane = 'priority' | 'bulk' | 'low';
export const laneOf = (type: CampaignType): Lane => (type === 'triggered' ? 'priority' : type === 'test' ? 'low' : 'bulk');

export interface PlannerDeps {
  readonly runs: RunBookkeeping;
  readonly ledger: Pick<DeliveryLedger, 'listRun'>;
  readonly freeze: (input: FreezeInput) => Promise<FrozenAudience>;
  /** The launcher as a principal (role, department): the audience holds only contacts they may see. */
  readonly viewerOf: (run: CampaignRun) => Promise<Principal>;
  readonly sendParts: (lane: Lane, messages: readonly MailBatchMessage[]) => Promise<void>;
  readonly watchLater: (message: RunWatchMessage, delaySeconds: number) => Promise<void>;
  readonly watchSeconds: number;
  /** A run whose settled count has not moved for this long (not paused) is failed as stalled. */
  readonly stallMs: number;
  readonly partKeys: PartKeys;
  readonly log?: (message: string, detail?: Record<string, unknown>) => void;
}

const finalRunStatuses = new Set(['completed', 'failed']);

export type PlannerMessage = CampaignRunMessage | RunWatchMessage;
export const isWatch = (message: PlannerMessage): message is RunWatchMessage => (message as RunWatchMessage).kind === 'watch';

async function runToPlan(deps: PlannerDeps, message: CampaignRunMessage): Promise<CampaignRun | undefined> {
  if (message.runId) {
    const run = await deps.runs.getRun(message.workspaceId, message.campaignId, message.runId);
    if (!run) throw new NotFoundError(`No run ${message.runId} of campaign ${message.campaignId}`);
    return run;
  }
  // A recurring schedule fired: one fire gets through the campaign's version check.
  try {
    return await deps.runs.createRunFromCampaign(message.workspaceId, message.campaignId);
  } catch (error) {
    if (error instanceof ConflictError || error instanceof NotFoundError) {
      deps.log?.('schedule fire ignored', { campaignId: message.campaignId, reason: error.message });
      return undefined;
    }
    throw error;
  }
}

/** The parts of a frozen audience, by their fixed names (a re-fan-out needs no list). */
export type PartKeys = (run: Pick<CampaignRun, 'workspaceId' | 'campaignId' | 'id'>, count: number) => string[];

async function fanOut(deps: PlannerDeps, run: CampaignRun, keys: readonly string[]): Promise<void> {
  const messages: MailBatchMessage[] = keys.map((part, i) => ({ workspaceId: run.workspaceId, campaignId: run.campaignId, runId: run.id, part, partIndex: i + 1 }));
  await deps.sendParts(laneOf(run.type), messages);
}

const watchOf = (run: CampaignRun): RunWatchMessage & WatchState => ({ kind: 'watch', workspaceId: run.workspaceId, campaignId: run.campaignId, runId: run.id, seq: run.watchSeq ?? 0 });

export async function planRun(deps: PlannerDeps, message: CampaignRunMessage): Promise<CampaignRun | undefined> {
  let run = await runToPlan(deps, message);
  if (!run || finalRunStatuses.has(run.status)) return run;
  const { workspaceId: ws, campaignId } = run;
  if (run.status === 'cancelled') {
    await deps.runs.finishRun(ws, campaignId, run.id, { status: 'cancelled' });
    return run;
  }
  // Planned before (a redelivered or duplicated message; maybe the planner died mid-fan-out):
  // send the parts again — the ledger makes a second copy harmless — and keep a watch going.
  if (run.parts !== undefined) {
    await fanOut(deps, run, deps.partKeys(run, run.parts));
    await deps.watchLater(watchOf(run), deps.watchSeconds);
    return run;
  }
  if (run.status === 'scheduled') {
    run = await deps.runs.updateRun(ws, campaignId, run.id, { status: 'planning' }, { status: ['scheduled', 'planning'] });
    await deps.runs.setCampaignStatus(ws, campaignId, 'sending', { by: 'scheduler', action: 'fire' }, { from: ['scheduled', 'sending'] }).catch((error: unknown) => {
      // An older run of a campaign since edited or cancelled: the run itself still goes.
      if (!(error instanceof ConflictError)) throw error;
    });
  }

  const viewer = await deps.viewerOf(run);
  let frozen: FrozenAudience;
  try {
    frozen = await deps.freeze({ workspaceId: ws, campaignId, runId: run.id, type: run.type, audience: run.audience, viewer });
  } catch (error) {
    if (error instanceof ValidationError || error instanceof NotFoundError) {
      await deps.runs.finishRun(ws, campaignId, run.id, { status: 'failed', error: { code: 'audience.invalid', detail: error.message }, pointsUsed: 0 });
      return deps.runs.getRun(ws, campaignId, run.id);
    }
    throw error;
  }
  const total = frozen.summary.total;
  try {
    if (total > 0) await deps.runs.reservePoints(ws, holdersOf(viewer), run.id, total);
  } catch (error) {
    if (error instanceof QuotaShortError) {
      await deps.runs.finishRun(ws, campaignId, run.id, { status: 'failed', error: { code: 'quota.short', detail: error.message }, pointsUsed: 0 });
      return deps.runs.getRun(ws, campaignId, run.id);
    }
    throw error;
  }

  // Recorded once: a concurrent duplicate that gets here second leaves progress alone.
  const progress = { total, queued: total, sent: 0, failed: 0, suppressed: 0, cancelled: 0 };
  try {
    run = await deps.runs.updateRun(ws, campaignId, run.id, { audienceSummary: frozen.summary, progress, pointsReserved: total, parts: frozen.parts.length, watchSeq: 0 }, { partsAbsent: true });
  } catch (error) {
    if (!(error instanceof StaleVersionError)) throw error;
    return deps.runs.getRun(ws, campaignId, run.id);
  }
  if (total === 0) {
    await deps.runs.finishRun(ws, campaignId, run.id, { status: 'completed', pointsUsed: 0 });
    return deps.runs.getRun(ws, campaignId, run.id);
  }
  await fanOut(deps, run, frozen.parts);
  if (run.status === 'planning') {
    // Sending now — unless it was paused or cancelled meanwhile (workers honour that).
    run = await deps.runs.updateRun(ws, campaignId, run.id, { status: 'sending' }, { status: 'planning' }).catch((error: unknown) => {
      if (error instanceof StaleVersionError) return run as CampaignRun;
      throw error;
    });
  }
  await deps.watchLater(watchOf(run), deps.watchSeconds);
  return run;
}

export interface LedgerTally {
  readonly sent: number;
  readonly failed: number;
  readonly suppressed: number;
  readonly cancelled: number;
  /** Claimed or released but not final. */
  readonly open: number;
}

export async function tallyLedger(ledger: Pick<DeliveryLedger, 'listRun'>, runId: string): Promise<LedgerTally> {
  const tally = { sent: 0, failed: 0, suppressed: 0, cancelled: 0, open: 0 };
  for await (const page of ledger.listRun(runId)) {
    for (const record of page) {
      if (record.status === 'sending' || record.status === 'pending') tally.open += 1;
      else tally[record.status] += 1;
    }
  }
  return tally;
}

/** Watch state carried in the message: its step in the chain, the settled count last seen, since when it has not moved, when the ledger was last counted. */
export interface WatchState {
  readonly seq?: number;
  readonly lastSettled?: number;
  readonly stillSince?: number;
  readonly lastCounted?: number;
}

/** Checks a run; finishes it when every recipient is final, else watches again. Returns whether it finished. */
export async function watchRun(deps: PlannerDeps, message: RunWatchMessage & WatchState, now: number = Date.now()): Promise<boolean> {
  const { workspaceId: ws, campaignId, runId } = message;
  const run = await deps.runs.getRun(ws, campaignId, runId);
  if (!run || finalRunStatuses.has(run.status)) return true;
  const p = run.progress;
  const live = p.sent + p.failed + p.suppressed + p.cancelled;
  const quietFor = now - (message.stillSince ?? now);
  // Live counters can lag (a worker that died before reporting): when they say done, or stop
  // moving for a while, the ledger is counted — at most once per few watches.
  const countLedger = live >= p.total || (quietFor >= deps.watchSeconds * 3000 && now - (message.lastCounted ?? 0) >= deps.watchSeconds * 3000);
  let observed = live;
  if (countLedger) {
    const tally = await tallyLedger(deps.ledger, runId);
    const final = tally.sent + tally.failed + tally.suppressed + tally.cancelled;
    const progress = { total: p.total, queued: Math.max(0, p.total - final), sent: tally.sent, failed: tally.failed, suppressed: tally.suppressed, cancelled: tally.cancelled };
    if (final >= p.total) {
      await deps.runs.updateRun(ws, campaignId, runId, { progress });
      const status = run.status === 'cancelled' ? 'cancelled' : 'completed';
      await deps.runs.finishRun(ws, campaignId, runId, { status, pointsUsed: tally.sent });
      deps.log?.('run finished', { runId, ...progress });
      return true;
    }
    observed = final;
    const stalled = final === message.lastSettled && run.status !== 'paused' && quietFor >= deps.stallMs;
    if (stalled) {
      // Parts lost for good (dead-lettered): settle what happened, refund the rest, say why.
      await deps.runs.updateRun(ws, campaignId, runId, { progress });
      const detail = `${p.total - final} recipient(s) still unsettled after ${Math.round(quietFor / 60_000)} minutes without progress (see the mail lanes' dead-letter queues)`;
      await deps.runs.finishRun(ws, campaignId, runId, { status: 'failed', error: { code: 'delivery.stalled', detail }, pointsUsed: tally.sent });
      deps.log?.('run stalled', { runId, detail });
      return true;
    }
    // Put the exact figures on show while the rest is still out.
    if (final !== live) await deps.runs.updateRun(ws, campaignId, runId, { progress });
  }
  // A paused run is quiet on purpose: its stall clock does not run.
  const moved = observed !== message.lastSettled || run.status === 'paused';
  // One chain per run: the next step is sent first, then this step is claimed; a duplicate of
  // this message loses the claim, and the extra step it sent dies at the next claim.
  const seq = message.seq ?? 0;
  const next: RunWatchMessage & WatchState = {
    kind: 'watch',
    workspaceId: ws,
    campaignId,
    runId,
    seq: seq + 1,
    lastSettled: observed,
    stillSince: moved ? now : (message.stillSince ?? now),
    ...(countLedger ? { lastCounted: now } : message.lastCounted !== undefined ? { lastCounted: message.lastCounted } : {}),
  };
  if ((run.watchSeq ?? 0) !== seq) return false;
  await deps.watchLater(next, deps.watchSeconds);
  await deps.runs.updateRun(ws, campaignId, runId, { watchSeq: seq + 1 }, { watchSeq: seq }).catch((error: unknown) => {
    if (!(error instanceof StaleVersionError)) throw error;
  });
  return false;
}
