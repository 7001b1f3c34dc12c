/**
 * Launching and steering runs: launch (now → a CampaignRunMessage on the campaignRuns queue;
 * at() → a run `scheduled` and a one-time Scheduler schedule carrying its runId; cron() → a
 * recurring schedule whose fires create runs), pause / resume / cancel of the current run, resend
 * to a previous run's recipients, and test sends (≤ 10 recipients, campaign status untouched).
 *
 * Every run snapshots content and audience at launch; later edits never change what it sends.
 * Points are reserved by the planner once the audience is frozen (reservePoints, runs.ts); launch
 * refuses early (409 quota.short) when a quota is already exhausted, or is smaller than a typed
 * list audience.
 */
import type { Principal } from '../api/operation';
import { ulid } from '../contacts/ids';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { ServiceUnavailableError } from './errors';
import type { CampaignRunMessage } from '../delivery/types';
import { parseScheduleExpression, nextFireTime } from '../schedule/expression';
import { QuotaShortError, type QuotaHolders } from '../quotas/model';
import { availablePoints } from '../quotas/quotas';
import { getApprovalSettings, nowOf, saveCampaign, transition, visibleCampaign, type CampaignDeps } from './campaigns';
import { auditEntry, needsApproval } from './lifecycle';
import type { AudienceSpec, Campaign, CampaignRun, CampaignSchedule, CampaignType, PreviousRecipients } from './model';
import { decisionSchema, launchSchema, maxTestRecipients, parseInput, resendSchema, testSendSchema, triggerSchema } from './schemas';
import { csvCell } from '../text/csv-cell';

/** The manifest function schedules invoke (the delivery module's planner). */
export const plannerFunction = 'campaignPlanner';

/** One schedule per campaign. */
export const scheduleNameOf = (campaignId: string): string => `campaign-${campaignId}`;

export const isRecurring = (schedule: CampaignSchedule | undefined): boolean => !!schedule && !schedule.expression.trim().startsWith('at(');

const zeroProgress = { total: 0, queued: 0, sent: 0, failed: 0, suppressed: 0, cancelled: 0 } as const;

export const holdersOf = (principal: Pick<Principal, 'kind' | 'id' | 'departmentId'>): QuotaHolders => ({
  ...(principal.kind === 'user' ? { userId: principal.id } : {}),
  ...(principal.departmentId ? { departmentId: principal.departmentId } : {}),
});

/** Recipients a typed-list-only audience can have at most; undefined when other sources make it unknown. */
export function listUpperBound(audience: AudienceSpec): number | undefined {
  if (audience.sources.length === 0 || audience.sources.some((s) => s.kind !== 'list')) return undefined;
  return audience.sources.reduce((n, s) => n + (s.kind === 'list' ? s.lines.filter((l) => l.trim() !== '').length : 0), 0);
}

/** Audience rules checked synchronously at launch (a test audience must be a typed list of ≤ 10). */
export function checkAudience(type: CampaignType, audience: AudienceSpec): void {
  if (audience.sources.length === 0) throw new ValidationError('The campaign has no audience', [{ field: 'audience.sources', message: 'Add at least one source' }]);
  if (type === 'test') {
    const count = listUpperBound(audience);
    if (count === undefined) throw new ValidationError('A test campaign goes to a typed list only', [{ field: 'audience.sources', message: 'Use list sources only' }]);
    if (count > maxTestRecipients) {
      throw new ValidationError(`A test campaign goes to at most ${maxTestRecipients} recipients; this one has ${count}`, [
        { field: 'audience.sources', message: `At most ${maxTestRecipients} recipients (found ${count})` },
      ]);
    }
  }
}

async function precheckQuota(deps: CampaignDeps, workspaceId: string, holders: QuotaHolders, count: number | undefined): Promise<void> {
  const least = await availablePoints(deps, workspaceId, holders);
  const needed = Math.max(1, count ?? 1);
  if (least && least.available < needed) throw new QuotaShortError(least.owner, needed, least.available);
}

export function newRun(
  campaign: Campaign,
  launcher: { id: string; departmentId?: string },
  at: string,
  options: { status: CampaignRun['status']; id?: string; type?: CampaignType; audience?: AudienceSpec; content?: CampaignRun['content']; resendOf?: CampaignRun['resendOf'] },
): CampaignRun {
  return {
    id: options.id ?? ulid(Date.parse(at)),
    workspaceId: campaign.workspaceId,
    campaignId: campaign.id,
    status: options.status,
    type: options.type ?? campaign.type,
    content: options.content ?? campaign.content,
    audience: options.audience ?? campaign.audience,
    ...(options.resendOf ? { resendOf: options.resendOf } : {}),
    launchedBy: launcher.id,
    ...(launcher.departmentId ? { launchedByDepartment: launcher.departmentId } : {}),
    launchedAt: at,
    progress: zeroProgress,
    updatedAt: at,
    version: 1,
  };
}

const messageOf = (run: Pick<CampaignRun, 'workspaceId' | 'campaignId' | 'id'>): CampaignRunMessage => ({ workspaceId: run.workspaceId, campaignId: run.campaignId, runId: run.id });

export interface LaunchResult {
  readonly campaign: Campaign;
  /** Absent for a recurring schedule (each fire creates its run). */
  readonly run?: CampaignRun;
}

/**
 * Queues (or schedules) a run. The campaign's conditional write comes first, so two launches at
 * once cannot both pass; if queueing or scheduling then fails, the run is marked failed and the
 * campaign returns to approved before the error surfaces.
 */
async function startRun(deps: CampaignDeps, principal: Principal, campaign: Campaign, run: CampaignRun | undefined, schedule: CampaignSchedule | undefined, action: string, comment?: string): Promise<LaunchResult> {
  const to = schedule ? 'scheduled' : 'sending';
  const launched = await transition(
    deps,
    campaign,
    to,
    principal,
    action,
    {
      ...(run ? { lastRunId: run.id } : {}),
      ...(schedule ? { schedule } : {}),
      launchedBy: principal.id,
      ...(principal.departmentId ? { launchedByDepartment: principal.departmentId } : { launchedByDepartment: undefined }),
    },
    comment,
  );
  if (run) await deps.campaigns.createRun(run);
  try {
    if (schedule) {
      const payload: CampaignRunMessage = run ? messageOf(run) : { workspaceId: campaign.workspaceId, campaignId: campaign.id };
      await deps.scheduler.upsert({
        name: scheduleNameOf(campaign.id),
        expression: schedule.expression,
        timezone: schedule.timezone,
        target: { function: plannerFunction, payload },
        ...(run ? { deleteAfterRun: true } : {}),
      });
    } else if (run) {
      await deps.runQueue.send({ body: messageOf(run) });
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (run) await deps.campaigns.updateRun(campaign.workspaceId, campaign.id, run.id, { status: 'failed', error: { code: 'launch.failed', detail }, finishedAt: nowOf(deps), updatedAt: nowOf(deps) });
    await transition(deps, launched, 'approved', 'system', 'launch-failed', {}, detail);
    throw error;
  }
  return { campaign: { ...launched }, ...(run ? { run } : {}) };
}

function validSchedule(schedule: CampaignSchedule, now: Date): CampaignSchedule {
  const parsed = parseScheduleExpression(schedule.expression);
  if (parsed.kind === 'rate') throw new ValidationError('Use at() or cron() for campaigns', [{ field: 'schedule.expression', message: 'rate() is not offered for campaigns' }]);
  if (!nextFireTime(parsed, { after: now, timezone: schedule.timezone, anchor: now })) {
    throw new ValidationError('The schedule never fires after now', [{ field: 'schedule.expression', message: 'Must lie in the future' }]);
  }
  return schedule;
}

export async function launchCampaign(deps: CampaignDeps, principal: Principal, id: string, body: unknown): Promise<LaunchResult> {
  const input = parseInput(launchSchema, body, 'launch', false);
  const campaign = await visibleCampaign(deps, principal, id);
  if (campaign.status === 'draft') {
    const settings = await getApprovalSettings(deps, principal.workspaceId);
    if (needsApproval(settings, principal)) throw new ConflictError(`Launches by ${principal.role}s need approval in this workspace: submit the campaign first`);
  } else if (campaign.status !== 'approved') {
    throw new ConflictError(`A ${campaign.status.replace('_', ' ')} campaign cannot be launched`);
  }
  checkAudience(campaign.type, campaign.audience);
  await precheckQuota(deps, principal.workspaceId, holdersOf(principal), listUpperBound(campaign.audience));
  const now = deps.clock.now();
  const schedule = input.schedule ?? campaign.schedule;
  const at = now.toISOString();
  const launcher = { id: principal.id, ...(principal.departmentId ? { departmentId: principal.departmentId } : {}) };
  if (schedule) {
    validSchedule(schedule, now);
    const run = isRecurring(schedule) ? undefined : newRun(campaign, launcher, at, { status: 'scheduled' });
    return startRun(deps, principal, campaign, run, schedule, 'launch', `scheduled ${schedule.expression} ${schedule.timezone}`);
  }
  return startRun(deps, principal, campaign, newRun(campaign, launcher, at, { status: 'sending' }), undefined, 'launch');
}

async function currentRun(deps: CampaignDeps, campaign: Campaign): Promise<CampaignRun | undefined> {
  return campaign.lastRunId ? deps.campaigns.getRun(campaign.workspaceId, campaign.id, campaign.lastRunId) : undefined;
}

export async function pauseCampaign(deps: CampaignDeps, principal: Principal, id: string): Promise<LaunchResult> {
  const campaign = await visibleCampaign(deps, principal, id);
  const paused = await transition(deps, campaign, 'paused', principal, 'pause');
  const run = await currentRun(deps, campaign);
  const updated = run && ['planning', 'sending'].includes(run.status)
    ? await deps.campaigns.updateRun(campaign.workspaceId, campaign.id, run.id, { status: 'paused', updatedAt: nowOf(deps) }, { status: ['planning', 'sending'] })
    : run;
  return { campaign: paused, ...(updated ? { run: updated } : {}) };
}

export async function resumeCampaign(deps: CampaignDeps, principal: Principal, id: string): Promise<LaunchResult> {
  const campaign = await visibleCampaign(deps, principal, id);
  const resumed = await transition(deps, campaign, 'sending', principal, 'resume');
  const run = await currentRun(deps, campaign);
  const updated = run?.status === 'paused'
    ? await deps.campaigns.updateRun(campaign.workspaceId, campaign.id, run.id, { status: 'sending', updatedAt: nowOf(deps) }, { status: 'paused' })
    : run;
  return { campaign: resumed, ...(updated ? { run: updated } : {}) };
}

/** Stops a scheduled, sending or paused campaign: its schedule is deleted, its run cancelled (workers cancel the rest). */
export async function cancelCampaign(deps: CampaignDeps, principal: Principal, id: string, body: unknown): Promise<LaunchResult> {
  const { comment } = parseInput(decisionSchema, body, 'cancellation', false);
  const campaign = await visibleCampaign(deps, principal, id);
  const cancelled = await transition(deps, campaign, 'cancelled', principal, 'cancel', {}, comment);
  if (campaign.status === 'scheduled' || campaign.schedule) await deps.scheduler.delete(scheduleNameOf(campaign.id));
  const run = await currentRun(deps, campaign);
  const active = ['scheduled', 'planning', 'sending', 'paused'] as const;
  const updated = run && (active as readonly string[]).includes(run.status)
    ? await deps.campaigns.updateRun(campaign.workspaceId, campaign.id, run.id, { status: 'cancelled', finishedAt: nowOf(deps), updatedAt: nowOf(deps) }, { status: active })
    : run;
  return { campaign: cancelled, ...(updated ? { run: updated } : {}) };
}

/** A new run to the last run's recipients (all / nonOpeners / failed / openers / clickers), with the content that run sent. */
export async function resendCampaign(deps: CampaignDeps, principal: Principal, id: string, body: unknown): Promise<LaunchResult> {
  const { who } = parseInput(resendSchema, body, 'resend', false);
  const campaign = await visibleCampaign(deps, principal, id);
  const last = await currentRun(deps, campaign);
  if (!last) throw new ConflictError('The campaign has not been sent yet: launch it first');
  if (!['completed', 'cancelled'].includes(campaign.status)) throw new ConflictError(`A ${campaign.status.replace('_', ' ')} campaign cannot be resent; wait until it completes`);
  await precheckQuota(deps, principal.workspaceId, holdersOf(principal), undefined);
  const audience: AudienceSpec = { sources: [{ kind: 'campaign', campaignId: campaign.id, runId: last.id, who: who as PreviousRecipients }], exclusions: [] };
  const launcher = { id: principal.id, ...(principal.departmentId ? { departmentId: principal.departmentId } : {}) };
  const run = newRun(campaign, launcher, nowOf(deps), { status: 'sending', audience, content: last.content, type: last.type, resendOf: { runId: last.id, who } });
  return startRun(deps, principal, campaign, run, undefined, 'resend', `to ${who} of run ${last.id}`);
}

/** A test run to ≤ 10 typed recipients with the current content; the campaign's status stays. */
export async function testSendCampaign(deps: CampaignDeps, principal: Principal, id: string, body: unknown): Promise<{ run: CampaignRun }> {
  const { lines } = parseInput(testSendSchema, body, 'test send');
  const campaign = await visibleCampaign(deps, principal, id);
  if (campaign.status === 'cancelled') throw new ConflictError('A cancelled campaign cannot be test-sent; clone it');
  await precheckQuota(deps, principal.workspaceId, holdersOf(principal), lines.length);
  const at = nowOf(deps);
  const launcher = { id: principal.id, ...(principal.departmentId ? { departmentId: principal.departmentId } : {}) };
  const run = newRun(campaign, launcher, at, { status: 'sending', type: 'test', audience: { sources: [{ kind: 'list', lines }], exclusions: [] } });
  await saveCampaign(deps, campaign, { ...campaign, audit: [...campaign.audit, auditEntry(principal, 'test', undefined, undefined, `run ${run.id} to ${lines.length} recipient(s)`, at)], updatedAt: at });
  await deps.campaigns.createRun(run);
  try {
    await deps.runQueue.send({ body: messageOf(run) });
  } catch (error) {
    await deps.campaigns.updateRun(campaign.workspaceId, campaign.id, run.id, { status: 'failed', error: { code: 'launch.failed', detail: String(error) }, finishedAt: at, updatedAt: at });
    throw error;
  }
  return { run };
}

/** Campaign states in which a triggered campaign takes sends (approved once, then open for triggers). */
const triggerable = new Set(['approved', 'sending', 'completed']);

/**
 * One recipient of a triggered campaign (a partner's order confirmation, a welcome on sign-up):
 * a run of its own on the priority lane, with this send's merge fields, the campaign's
 * exclusions and the suppression list still applied, and the campaign's status untouched. The
 * recipient travels as a one-row file in the uploads bucket, so the planner freezes it like any
 * uploaded list (columns become merge fields).
 */
export async function triggerCampaign(deps: CampaignDeps, principal: Principal, id: string, body: unknown): Promise<{ run: CampaignRun }> {
  const input = parseInput(triggerSchema, body, 'trigger');
  const campaign = await visibleCampaign(deps, principal, id);
  if (campaign.type !== 'triggered') throw new ConflictError(`Only triggered campaigns take one-recipient sends; this one is ${campaign.type}`);
  if (!triggerable.has(campaign.status)) throw new ConflictError(`A ${campaign.status.replace('_', ' ')} triggered campaign takes no sends: get it approved first`);
  if (!deps.uploads) throw new ServiceUnavailableError('Triggered sends are not available here');
  await precheckQuota(deps, principal.workspaceId, holdersOf(principal), 1);
  const at = nowOf(deps);
  const launcher = { id: principal.id, ...(principal.departmentId ? { departmentId: principal.departmentId } : {}) };
  const runId = ulid(Date.parse(at));
  const key = `lists/${principal.workspaceId}/${campaign.id}/${runId}/trigger.csv`;
  const fields = Object.entries(input.fields ?? {}).filter(([name]) => name.toLowerCase() !== 'email');
  const header = ['email', ...fields.map(([name]) => name)];
  const row = [input.email, ...fields.map(([, value]) => String(value))];
  await deps.uploads.put(key, `${header.map(csvCell).join(',')}\n${row.map(csvCell).join(',')}\n`, 'text/csv; charset=utf-8');
  const audience: AudienceSpec = { sources: [{ kind: 'upload', key, fileName: 'trigger.csv' }], exclusions: campaign.audience.exclusions };
  const run = newRun(campaign, launcher, at, { status: 'sending', type: 'triggered', id: runId, audience });
  await deps.campaigns.createRun(run);
  try {
    await deps.runQueue.send({ body: messageOf(run) });
  } catch (error) {
    await deps.campaigns.updateRun(campaign.workspaceId, campaign.id, run.id, { status: 'failed', error: { code: 'launch.failed', detail: String(error) }, finishedAt: at, updatedAt: at });
    throw error;
  }
  return { run };
}

export async function listRuns(deps: CampaignDeps, principal: Principal, id: string): Promise<{ items: CampaignRun[] }> {
  const campaign = await visibleCampaign(deps, principal, id);
  return { items: await deps.campaigns.listRuns(principal.workspaceId, campaign.id) };
}

export async function getRunOf(deps: CampaignDeps, principal: Principal, id: string, runId: string): Promise<CampaignRun> {
  const campaign = await visibleCampaign(deps, principal, id);
  const run = runId ? await deps.campaigns.getRun(principal.workspaceId, campaign.id, runId) : undefined;
  if (!run) throw new NotFoundError(`No run ${runId} of campaign ${id}`);
  return run;
}
