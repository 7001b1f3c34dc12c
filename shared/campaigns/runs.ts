/**
 * Run bookkeeping for the delivery module (planner, mail worker, notifications): read and update
 * runs, create a run on a recurring schedule's fire, finish a run (run status, the campaign's
 * next status, points settled), and reserve / settle points.
 *
 * Two forms: `createRunBookkeeping(deps)` for tests and hosts that build their own adapters, and
 * the same functions bound to adapters built from the environment (TABLE_CAMPAIGNS) on first use:
 *
 *   getRun(ws, campaignId, runId)
 *   updateRun(ws, campaignId, runId, patch, condition?)   // condition: { status?, version? } → StaleVersionError
 *   addRunProgress(ws, campaignId, runId, { sent: 1, … })
 *   createRunFromCampaign(ws, campaignId, { runId? })     // recurring fire; idempotent with a runId
 *   setCampaignStatus(ws, campaignId, to, audit, { from? })
 *   finishRun(ws, campaignId, runId, { status, error?, pointsUsed? }, audit?)
 *   reservePoints(ws, { userId, departmentId }, runId, count)   // QuotaShortError (code quota.short)
 *   settlePoints(ws, runId, used)
 */
import { campaignStoreFromEnv } from '../adapters/aws/campaign-store.dynamodb';
import { quotaStoreFromEnv } from '../adapters/aws/quota-store.dynamodb';
import { StaleVersionError } from '../contacts/contact-store';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../errors';
import { systemClock, type Clock } from '../ports/clock';
import type { QuotaHolders, Reservation } from '../quotas/model';
import type { QuotaStore } from '../quotas/ports';
import { reservePoints as reserve, settlePoints as settle } from '../quotas/quotas';
import { transition } from './campaigns';
import { isRecurring, newRun } from './launch';
import type { Campaign, CampaignRun, CampaignStatus, RunStatus } from './model';
import type { CampaignStore, RunCondition, RunPatch } from './ports';

export type { RunCondition, RunPatch } from './ports';
export { StaleVersionError } from '../contacts/contact-store';
export { QuotaShortError } from '../quotas/model';

export interface RunBookkeepingDeps {
  readonly campaigns: CampaignStore;
  readonly quotas: QuotaStore;
  readonly clock: Clock;
}

export interface StatusAudit {
  /** User id, API key id, or a system actor such as `planner`. */
  readonly by: string;
  readonly action: string;
  readonly comment?: string;
}

export type FinalRunStatus = Extract<RunStatus, 'completed' | 'failed' | 'cancelled'>;

export interface RunOutcome {
  readonly status: FinalRunStatus;
  readonly error?: { readonly code: string; readonly detail: string };
  /** Points to settle (messages sent); default: the run's progress.sent. */
  readonly pointsUsed?: number;
}

export interface RunBookkeeping {
  getRun(workspaceId: string, campaignId: string, runId: string): Promise<CampaignRun | undefined>;
  updateRun(workspaceId: string, campaignId: string, runId: string, patch: RunPatch, condition?: RunCondition): Promise<CampaignRun>;
  addRunProgress(workspaceId: string, campaignId: string, runId: string, delta: Partial<Record<keyof CampaignRun['progress'], number>>): Promise<void>;
  createRunFromCampaign(workspaceId: string, campaignId: string, options?: { runId?: string }): Promise<CampaignRun>;
  setCampaignStatus(workspaceId: string, campaignId: string, to: CampaignStatus, audit: StatusAudit, options?: { from?: readonly CampaignStatus[] }): Promise<Campaign>;
  finishRun(workspaceId: string, campaignId: string, runId: string, outcome: RunOutcome, audit?: StatusAudit): Promise<{ run: CampaignRun; campaign?: Campaign }>;
  reservePoints(workspaceId: string, holders: QuotaHolders, runId: string, count: number): Promise<Reservation>;
  settlePoints(workspaceId: string, runId: string, used: number): Promise<Reservation | undefined>;
}

const activeRunStatuses: readonly RunStatus[] = ['scheduled', 'planning', 'sending', 'paused'];

export function createRunBookkeeping(deps: RunBookkeepingDeps): RunBookkeeping {
  const now = () => deps.clock.now().toISOString();

  async function campaignOf(ws: string, id: string): Promise<Campaign> {
    const campaign = await deps.campaigns.getCampaign(ws, id);
    if (!campaign) throw new NotFoundError(`No campaign ${id}`);
    return campaign;
  }

  /** Status change with audit, re-read and retried when another writer got there first. */
  async function setCampaignStatus(ws: string, campaignId: string, to: CampaignStatus, audit: StatusAudit, options: { from?: readonly CampaignStatus[] } = {}): Promise<Campaign> {
    for (let attempt = 0; ; attempt++) {
      const campaign = await campaignOf(ws, campaignId);
      if (campaign.status === to) return campaign;
      if (options.from && !options.from.includes(campaign.status)) throw new ConflictError(`Campaign ${campaignId} is ${campaign.status}, not ${options.from.join(' or ')}`);
      try {
        return await transition(deps, campaign, to, audit.by, audit.action, {}, audit.comment);
      } catch (error) {
        if (!(error instanceof PreconditionFailedError) || attempt >= 5) throw error;
      }
    }
  }

  async function createRunFromCampaign(ws: string, campaignId: string, options: { runId?: string } = {}): Promise<CampaignRun> {
    if (options.runId) {
      const existing = await deps.campaigns.getRun(ws, campaignId, options.runId);
      if (existing) return existing;
    }
    const campaign = await campaignOf(ws, campaignId);
    if (campaign.status !== 'scheduled' || !isRecurring(campaign.schedule)) {
      throw new ConflictError(`Campaign ${campaignId} is ${campaign.status}, not on a recurring schedule`);
    }
    const launcher = { id: campaign.launchedBy ?? campaign.createdBy, ...(campaign.launchedByDepartment ? { departmentId: campaign.launchedByDepartment } : {}) };
    const run = newRun(campaign, launcher, now(), { status: 'sending', ...(options.runId ? { id: options.runId } : {}) });
    // The campaign first: its version check lets only one fire through.
    await transition(deps, campaign, 'sending', 'scheduler', 'fire', { lastRunId: run.id }, campaign.schedule?.expression);
    await deps.campaigns.createRun(run);
    return run;
  }

  async function finishRun(ws: string, campaignId: string, runId: string, outcome: RunOutcome, audit?: StatusAudit): Promise<{ run: CampaignRun; campaign?: Campaign }> {
    let run = await deps.campaigns.getRun(ws, campaignId, runId);
    if (!run) throw new NotFoundError(`No run ${runId} of campaign ${campaignId}`);
    // Points are settled first (idempotent per run), so a finished run never shows without them.
    const used = outcome.pointsUsed ?? run.progress.sent;
    const settled = await settle(deps, ws, runId, used);
    const points = settled?.used !== undefined ? { pointsUsed: settled.used, pointsReserved: settled.count } : undefined;
    if (activeRunStatuses.includes(run.status)) {
      try {
        run = await deps.campaigns.updateRun(
          ws,
          campaignId,
          runId,
          { status: outcome.status, finishedAt: now(), updatedAt: now(), ...(outcome.error ? { error: outcome.error } : {}), ...(run.pointsUsed === undefined ? (points ?? {}) : {}) },
          { status: activeRunStatuses },
        );
      } catch (error) {
        if (!(error instanceof StaleVersionError)) throw error;
        run = (await deps.campaigns.getRun(ws, campaignId, runId)) ?? run;
      }
    }
    if (points && run.pointsUsed === undefined) run = await deps.campaigns.updateRun(ws, campaignId, runId, points);
    // Test runs and older runs never move the campaign.
    const campaign = await deps.campaigns.getCampaign(ws, campaignId);
    if (!campaign || run.type === 'test' || campaign.lastRunId !== runId) return { run, ...(campaign ? { campaign } : {}) };
    const who = audit ?? { by: 'delivery', action: `run-${run.status}`, ...(run.error ? { comment: `${run.error.code}: ${run.error.detail}` } : {}) };
    let to: CampaignStatus;
    if (run.status === 'cancelled') to = 'cancelled';
    else if (campaign.status === 'cancelled') return { run, campaign };
    else if (isRecurring(campaign.schedule)) to = 'scheduled';
    else to = run.status === 'completed' ? 'completed' : 'approved';
    const next = campaign.status === to ? campaign : await setCampaignStatus(ws, campaignId, to, who);
    return { run, campaign: next };
  }

  return {
    getRun: (ws, campaignId, runId) => deps.campaigns.getRun(ws, campaignId, runId),
    updateRun: (ws, campaignId, runId, patch, condition) => deps.campaigns.updateRun(ws, campaignId, runId, { updatedAt: now(), ...patch }, condition),
    addRunProgress: (ws, campaignId, runId, delta) => deps.campaigns.addRunProgress(ws, campaignId, runId, delta),
    createRunFromCampaign,
    setCampaignStatus,
    finishRun,
    reservePoints: (ws, holders, runId, count) => reserve(deps, ws, holders, runId, count),
    settlePoints: (ws, runId, used) => settle(deps, ws, runId, used),
  };
}

let fromEnv: RunBookkeeping | undefined;
/** The bookkeeping on the campaigns table from the environment, built once per container. */
export const runBookkeepingFromEnv = (): RunBookkeeping => (fromEnv ??= createRunBookkeeping({ campaigns: campaignStoreFromEnv(), quotas: quotaStoreFromEnv(), clock: systemClock }));

export const getRun: RunBookkeeping['getRun'] = (...args) => runBookkeepingFromEnv().getRun(...args);
export const updateRun: RunBookkeeping['updateRun'] = (...args) => runBookkeepingFromEnv().updateRun(...args);
export const addRunProgress: RunBookkeeping['addRunProgress'] = (...args) => runBookkeepingFromEnv().addRunProgress(...args);
export const createRunFromCampaign: RunBookkeeping['createRunFromCampaign'] = (...args) => runBookkeepingFromEnv().createRunFromCampaign(...args);
export const setCampaignStatus: RunBookkeeping['setCampaignStatus'] = (...args) => runBookkeepingFromEnv().setCampaignStatus(...args);
export const finishRun: RunBookkeeping['finishRun'] = (...args) => runBookkeepingFromEnv().finishRun(...args);
export const reservePoints: RunBookkeeping['reservePoints'] = (...args) => runBookkeepingFromEnv().reservePoints(...args);
export const settlePoints: RunBookkeeping['settlePoints'] = (...args) => runBookkeepingFromEnv().settlePoints(...args);
