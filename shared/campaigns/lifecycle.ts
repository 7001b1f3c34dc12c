/**
 * The campaign lifecycle and approvals as pure functions (the unit tests' tables).
 *
 *   draft ─submit─► awaiting_approval ─approve (all)─► approved ─launch─► scheduled / sending
 *     ▲                   │ reject (comment)              │ edit (back to draft, audited)
 *     └───────────────────┴───────────────────────────────┘
 *   sending ⇄ paused;  scheduled / sending / paused ─► cancelled;  sending ─► completed
 *   sending ─► approved (the run failed, e.g. quota short);  sending ─► scheduled (a recurring run ended)
 *   completed / cancelled ─resend─► sending
 *
 * A draft is launched directly when the launcher's role needs no approval in the workspace.
 */
import type { Principal } from '../api/operation';
import type { Role } from '../auth/roles';
import { ConflictError, ForbiddenError } from '../errors';
import type { Approval, ApprovalStep, AuditEntry, Campaign, CampaignStatus } from './model';

export const transitions: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  draft: ['awaiting_approval', 'approved', 'scheduled', 'sending'],
  awaiting_approval: ['approved', 'draft'],
  approved: ['draft', 'scheduled', 'sending'],
  scheduled: ['sending', 'cancelled', 'approved', 'completed'],
  sending: ['paused', 'cancelled', 'completed', 'approved', 'scheduled'],
  paused: ['sending', 'cancelled'],
  cancelled: ['sending'],
  completed: ['sending', 'scheduled'],
};

export const canTransition = (from: CampaignStatus, to: CampaignStatus): boolean => transitions[from].includes(to);

export function assertTransition(from: CampaignStatus, to: CampaignStatus, what: string): void {
  if (!canTransition(from, to)) throw new ConflictError(`Cannot ${what} a campaign that is ${from.replace('_', ' ')}`);
}

/** Workspace approval settings (PUT /settings/approval). */
export interface ApprovalSettings {
  /** Launchers of these roles need sign-off; empty = nobody does. */
  readonly rolesRequiringApproval: readonly Role[];
  /** sequential = 層簽 (each approver in turn, in the order listed); parallel = 會簽 (all of them, any order). */
  readonly mode: 'sequential' | 'parallel';
  readonly approverIds: readonly string[];
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

export const defaultApprovalSettings: ApprovalSettings = { rolesRequiringApproval: [], mode: 'sequential', approverIds: [] };

export const needsApproval = (settings: ApprovalSettings, launcher: Pick<Principal, 'role'>): boolean => settings.rolesRequiringApproval.includes(launcher.role);


/** The approval a submission opens: every configured approver except the submitter (who may never sign their own). */
export function openApproval(settings: ApprovalSettings, submitter: Principal, at: string): Approval {
  const approvers = [...new Set(settings.approverIds)].filter((id) => id !== submitter.id);
  if (approvers.length === 0) {
    throw new ConflictError('No approver other than you is configured: an admin sets approvers in /settings/approval');
  }
  return { mode: settings.mode, steps: approvers.map((approverId) => ({ approverId })), requestedBy: submitter.id, requestedAt: at };
}

export type Decision = 'approved' | 'rejected';

/**
 * One approver's decision. Sequential: only the first undecided approver may decide; parallel: any
 * undecided approver. Returns the new approval and whether it is now complete (all approved) or
 * rejected (any rejection ends it).
 */
export function decide(
  approval: Approval,
  approver: Principal,
  decision: Decision,
  at: string,
  comment?: string,
): { approval: Approval; outcome: 'pending' | 'approved' | 'rejected' } {
  if (approver.id === approval.requestedBy) throw new ForbiddenError('The launcher cannot approve or reject their own campaign');
  const index = approval.steps.findIndex((step) => step.approverId === approver.id && step.decision === undefined);
  if (index < 0) {
    const decided = approval.steps.some((step) => step.approverId === approver.id);
    throw new ConflictError(decided ? 'You have already decided on this campaign' : 'You are not an approver of this campaign');
  }
  if (approval.mode === 'sequential') {
    const first = approval.steps.findIndex((step) => step.decision === undefined);
    if (first !== index) throw new ConflictError(`Waiting for ${approval.steps[first]?.approverId ?? 'an earlier approver'} to decide first (sequential approval)`);
  }
  const step: ApprovalStep = { approverId: approver.id, decision, at, ...(comment ? { comment } : {}) };
  const steps = approval.steps.map((s, i) => (i === index ? step : s));
  const outcome = decision === 'rejected' ? 'rejected' : steps.every((s) => s.decision === 'approved') ? 'approved' : 'pending';
  return { approval: { ...approval, steps }, outcome };
}

/** Who sees a campaign: admins and API keys all; others their department's and those without one. */
export function canSeeCampaign(principal: Principal, campaign: Pick<Campaign, 'departmentId'>): boolean {
  if (principal.kind === 'apiKey' || principal.role === 'admin') return true;
  return campaign.departmentId === undefined || campaign.departmentId === principal.departmentId;
}

export function auditEntry(by: Principal | string, action: string, from?: CampaignStatus, to?: CampaignStatus, comment?: string, at = new Date().toISOString()): AuditEntry {
  return { at, by: typeof by === 'string' ? by : by.id, action, ...(from ? { from } : {}), ...(to ? { to } : {}), ...(comment ? { comment } : {}) };
}
