/**
 * Campaign use cases: CRUD, clone, approval settings and the approval flow. Roles are checked by
 * the router (viewer reads, operator composes, manager approves, admin sets approval); here the
 * department rule (lifecycle.ts canSeeCampaign: a campaign another department owns looks
 * nonexistent) and the lifecycle. Every status change appends an audit entry (who, when,
 * from → to, comment) in the same conditional write.
 */
import type { Principal } from '../api/operation';
import { ulid } from '../contacts/ids';
import { StaleVersionError } from '../contacts/contact-store';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../errors';
import type { Clock } from '../ports/clock';
import type { BlobStore } from '../ports/blob-store';
import type { Queue } from '../ports/queue';
import type { Scheduler } from '../ports/scheduler';
import type { QuotaStore } from '../quotas/ports';
import { assertTransition, auditEntry, canSeeCampaign, decide, defaultApprovalSettings, needsApproval, openApproval, type ApprovalSettings } from './lifecycle';
import type { AuditEntry, Campaign, CampaignStatus } from './model';
import type { CampaignStore } from './ports';
import type { CampaignRenderer } from './preview';
import {
  approvalSettingsSchema,
  createCampaignSchema,
  decisionSchema,
  listCampaignsQuerySchema,
  parseInput,
  rejectSchema,
  updateCampaignSchema,
} from './schemas';

export interface CampaignDeps {
  readonly campaigns: CampaignStore;
  readonly quotas: QuotaStore;
  readonly clock: Clock;
  /** The campaignRuns queue (QUEUE_CAMPAIGN_RUNS_URL). */
  readonly runQueue: Queue;
  readonly scheduler: Scheduler;
  /** Per-recipient preview (content module); absent: preview answers 503. */
  readonly renderer?: CampaignRenderer;
  /** The uploads bucket: a triggered send's one-row recipient file. */
  readonly uploads?: BlobStore;
}

export const nowOf = (deps: Pick<CampaignDeps, 'clock'>): string => deps.clock.now().toISOString();

const notFound = (id: string) => new NotFoundError(`No campaign ${id}`);

/** A campaign the principal may see, or 404 (another department's campaign looks nonexistent). */
export async function visibleCampaign(deps: Pick<CampaignDeps, 'campaigns'>, principal: Principal, id: string): Promise<Campaign> {
  const campaign = id ? await deps.campaigns.getCampaign(principal.workspaceId, id) : undefined;
  if (!campaign || !canSeeCampaign(principal, campaign)) throw notFound(id);
  return campaign;
}

/** Writes the next version of a campaign; a concurrent change is a 412 the client can retry. */
export async function saveCampaign(deps: Pick<CampaignDeps, 'campaigns'>, previous: Campaign, next: Omit<Campaign, 'version'>): Promise<Campaign> {
  const written: Campaign = { ...next, version: previous.version + 1 };
  try {
    await deps.campaigns.putCampaign(written, previous.version);
  } catch (error) {
    if (error instanceof StaleVersionError) throw new PreconditionFailedError(`Campaign ${previous.id} changed meanwhile; read it again and retry`);
    throw error;
  }
  return written;
}

/** A status change with its audit entry (the one way statuses change in this module). */
export async function transition(
  deps: Pick<CampaignDeps, 'campaigns' | 'clock'>,
  campaign: Campaign,
  to: CampaignStatus,
  by: Principal | string,
  action: string,
  changes: Partial<Omit<Campaign, 'id' | 'workspaceId' | 'version' | 'status' | 'audit'>> = {},
  comment?: string,
): Promise<Campaign> {
  assertTransition(campaign.status, to, action);
  const at = nowOf(deps);
  const entry: AuditEntry = auditEntry(by, action, campaign.status, to, comment, at);
  return saveCampaign(deps, campaign, { ...campaign, ...changes, status: to, audit: [...campaign.audit, entry], updatedAt: at });
}

export async function getApprovalSettings(deps: Pick<CampaignDeps, 'campaigns'>, workspaceId: string): Promise<ApprovalSettings> {
  return (await deps.campaigns.getApprovalSettings(workspaceId)) ?? defaultApprovalSettings;
}

export async function putApprovalSettings(deps: CampaignDeps, principal: Principal, body: unknown): Promise<ApprovalSettings> {
  const input = parseInput(approvalSettingsSchema, body, 'approval settings');
  const settings: ApprovalSettings = { ...input, updatedAt: nowOf(deps), updatedBy: principal.id };
  await deps.campaigns.putApprovalSettings(principal.workspaceId, settings);
  return settings;
}

export async function listCampaigns(deps: CampaignDeps, principal: Principal, query: Readonly<Record<string, string>>): Promise<{ items: Campaign[]; nextCursor?: string }> {
  const options = parseInput(listCampaignsQuerySchema, query, 'query', false);
  const page = await deps.campaigns.listCampaigns(principal.workspaceId, { limit: options.limit, ...(options.cursor ? { cursor: options.cursor } : {}) });
  // Filtered after the read: a page may hold fewer than `limit` items; follow nextCursor.
  const items = page.items.filter((c) => canSeeCampaign(principal, c) && (!options.status || c.status === options.status));
  return { items, ...(page.next ? { nextCursor: page.next } : {}) };
}

export async function createCampaign(deps: CampaignDeps, principal: Principal, body: unknown): Promise<Campaign> {
  const input = parseInput(createCampaignSchema, body, 'campaign');
  const at = nowOf(deps);
  const campaign: Campaign = {
    id: ulid(deps.clock.now().getTime()),
    workspaceId: principal.workspaceId,
    name: input.name,
    type: input.type,
    status: 'draft',
    content: input.content,
    audience: input.audience,
    ...(input.schedule ? { schedule: input.schedule } : {}),
    audit: [auditEntry(principal, 'create', undefined, 'draft', undefined, at)],
    createdBy: principal.id,
    ...(principal.departmentId ? { departmentId: principal.departmentId } : {}),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  await deps.campaigns.putCampaign(campaign);
  return campaign;
}

export async function getCampaign(deps: CampaignDeps, principal: Principal, id: string): Promise<Campaign> {
  return visibleCampaign(deps, principal, id);
}

/**
 * Edits a draft. An approved or awaiting campaign goes back to draft (its approval is void, the
 * change audited); anything launched is not edited (clone it instead).
 */
export async function updateCampaign(deps: CampaignDeps, principal: Principal, id: string, body: unknown, expectedVersion?: number): Promise<Campaign> {
  const input = parseInput(updateCampaignSchema, body, 'campaign');
  const campaign = await visibleCampaign(deps, principal, id);
  if (expectedVersion !== undefined && expectedVersion !== campaign.version) {
    throw new PreconditionFailedError(`Campaign ${id} is at version ${campaign.version}, not ${expectedVersion}`);
  }
  if (!['draft', 'awaiting_approval', 'approved'].includes(campaign.status)) {
    throw new ConflictError(`A ${campaign.status} campaign cannot be edited; clone it to change it`);
  }
  const { schedule, ...rest } = input;
  const { schedule: _old, approval: _approval, ...base } = campaign;
  const changed: Omit<Campaign, 'version'> = {
    ...base,
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    ...(schedule === undefined ? (campaign.schedule ? { schedule: campaign.schedule } : {}) : schedule === null ? {} : { schedule }),
    ...(campaign.status === 'draft' && campaign.approval ? { approval: campaign.approval } : {}),
  };
  const at = nowOf(deps);
  if (campaign.status === 'draft') {
    return saveCampaign(deps, campaign, { ...changed, audit: [...campaign.audit, auditEntry(principal, 'edit', undefined, undefined, undefined, at)], updatedAt: at });
  }
  const reason = campaign.status === 'approved' ? 'edited after approval: approval needed again' : 'edited while awaiting approval: approval withdrawn';
  return saveCampaign(deps, campaign, {
    ...changed,
    status: 'draft',
    audit: [...campaign.audit, auditEntry(principal, 'edit', campaign.status, 'draft', reason, at)],
    updatedAt: at,
  });
}

export async function deleteCampaign(deps: CampaignDeps, principal: Principal, id: string): Promise<void> {
  const campaign = await visibleCampaign(deps, principal, id);
  if (campaign.status !== 'draft') throw new ConflictError(`Only drafts are deleted; this campaign is ${campaign.status.replace('_', ' ')}`);
  try {
    await deps.campaigns.deleteCampaign(principal.workspaceId, id, campaign.version);
  } catch (error) {
    if (error instanceof StaleVersionError) throw new PreconditionFailedError(`Campaign ${id} changed meanwhile`);
    throw error;
  }
}

/** A new draft with the same content, audience, type and recurring schedule; no runs, approval or history. */
export async function cloneCampaign(deps: CampaignDeps, principal: Principal, id: string): Promise<Campaign> {
  const source = await visibleCampaign(deps, principal, id);
  const at = nowOf(deps);
  const clone: Campaign = {
    id: ulid(deps.clock.now().getTime()),
    workspaceId: principal.workspaceId,
    name: `${source.name} (copy)`.slice(0, 200),
    type: source.type,
    status: 'draft',
    content: source.content,
    audience: source.audience,
    // A one-time at() is in the past once its campaign ran; recurring schedules carry over.
    ...(source.schedule && !source.schedule.expression.trim().startsWith('at(') ? { schedule: source.schedule } : {}),
    audit: [auditEntry(principal, 'clone', undefined, 'draft', `cloned from ${source.id}`, at)],
    createdBy: principal.id,
    ...(principal.departmentId ? { departmentId: principal.departmentId } : {}),
    clonedFrom: source.id,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  await deps.campaigns.putCampaign(clone);
  return clone;
}

/**
 * Asks for sign-off. When the submitter's role needs none, the campaign is approved at once
 * (audited as such), so the console's one "submit" button works in every workspace.
 */
export async function submitCampaign(deps: CampaignDeps, principal: Principal, id: string, body: unknown): Promise<Campaign> {
  const { comment } = parseInput(decisionSchema, body, 'submission', false);
  const campaign = await visibleCampaign(deps, principal, id);
  if (campaign.status !== 'draft') throw new ConflictError(`Only drafts are submitted; this campaign is ${campaign.status.replace('_', ' ')}`);
  const settings = await getApprovalSettings(deps, principal.workspaceId);
  if (!needsApproval(settings, principal)) {
    return transition(deps, campaign, 'approved', principal, 'submit', { approval: undefined }, comment ?? `no approval required for role ${principal.role}`);
  }
  const approval = openApproval(settings, principal, nowOf(deps));
  return transition(deps, campaign, 'awaiting_approval', principal, 'submit', { approval }, comment);
}

export async function approveCampaign(deps: CampaignDeps, principal: Principal, id: string, body: unknown): Promise<Campaign> {
  const { comment } = parseInput(decisionSchema, body, 'approval', false);
  return decideCampaign(deps, principal, id, 'approved', comment);
}

export async function rejectCampaign(deps: CampaignDeps, principal: Principal, id: string, body: unknown): Promise<Campaign> {
  const { comment } = parseInput(rejectSchema, body, 'rejection');
  return decideCampaign(deps, principal, id, 'rejected', comment);
}

async function decideCampaign(deps: CampaignDeps, principal: Principal, id: string, decision: 'approved' | 'rejected', comment?: string): Promise<Campaign> {
  const campaign = await visibleCampaign(deps, principal, id);
  if (campaign.status !== 'awaiting_approval' || !campaign.approval) throw new ConflictError(`The campaign is ${campaign.status.replace('_', ' ')}, not awaiting approval`);
  const at = nowOf(deps);
  const { approval, outcome } = decide(campaign.approval, principal, decision, at, comment);
  const action = decision === 'approved' ? 'approve' : 'reject';
  if (outcome === 'pending') {
    return saveCampaign(deps, campaign, { ...campaign, approval, audit: [...campaign.audit, auditEntry(principal, action, undefined, undefined, comment, at)], updatedAt: at });
  }
  return transition(deps, campaign, outcome === 'approved' ? 'approved' : 'draft', principal, action, { approval }, comment);
}
