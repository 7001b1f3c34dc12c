/**
 * The campaign lifecycle table, approvals in sequence (層簽) and in parallel (會簽), the rule that
 * a launcher never approves their own campaign, department visibility, and launch-time audience
 * checks (a test campaign goes to at most 10 typed recipients).
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/api/operation';
import { checkAudience, listUpperBound } from '../../shared/campaigns/launch';
import { canSeeCampaign, canTransition, decide, needsApproval, openApproval, type ApprovalSettings } from '../../shared/campaigns/lifecycle';
import { campaignStatuses, type CampaignStatus } from '../../shared/campaigns/model';
import { testSendSchema } from '../../shared/campaigns/schemas';

const at = '2026-11-24T02:00:00.000Z';
const user = (id: string, role: Principal['role'] = 'manager', departmentId?: string): Principal => ({ kind: 'user', id, workspaceId: 'ws', role, ...(departmentId ? { departmentId } : {}) });

describe('lifecycle', () => {
  const allowed: [CampaignStatus, CampaignStatus][] = [
    ['draft', 'awaiting_approval'],
    ['awaiting_approval', 'approved'],
    ['awaiting_approval', 'draft'],
    ['approved', 'scheduled'],
    ['approved', 'sending'],
    ['approved', 'draft'],
    ['scheduled', 'sending'],
    ['scheduled', 'cancelled'],
    ['sending', 'paused'],
    ['paused', 'sending'],
    ['paused', 'cancelled'],
    ['sending', 'cancelled'],
    ['sending', 'completed'],
    ['completed', 'sending'],
  ];
  it.each(allowed)('%s → %s is allowed', (from, to) => expect(canTransition(from, to)).toBe(true));

  const refused: [CampaignStatus, CampaignStatus][] = [
    ['awaiting_approval', 'sending'],
    ['awaiting_approval', 'scheduled'],
    ['completed', 'draft'],
    ['cancelled', 'approved'],
    ['paused', 'completed'],
    ['scheduled', 'paused'],
    ['draft', 'completed'],
  ];
  it.each(refused)('%s → %s is refused', (from, to) => expect(canTransition(from, to)).toBe(false));

  it('never allows staying in place or skipping approval back out of a final state', () => {
    for (const status of campaignStatuses) expect(canTransition(status, status)).toBe(false);
    expect(canTransition('completed', 'approved')).toBe(false);
  });
});

describe('approvals', () => {
  const settings = (mode: ApprovalSettings['mode']): ApprovalSettings => ({ rolesRequiringApproval: ['operator'], mode, approverIds: ['m1', 'm2', 'op'] });
  const submitter = user('op', 'operator');

  it('applies to the configured roles only', () => {
    expect(needsApproval(settings('sequential'), submitter)).toBe(true);
    expect(needsApproval(settings('sequential'), user('m1'))).toBe(false);
  });

  it('leaves the submitter out of the approvers, and refuses a submission nobody else can approve', () => {
    expect(openApproval(settings('parallel'), submitter, at).steps.map((s) => s.approverId)).toEqual(['m1', 'm2']);
    expect(() => openApproval({ ...settings('parallel'), approverIds: ['op'] }, submitter, at)).toThrow(/No approver other than you/);
  });

  it('sequential (層簽): each approver in turn; the second cannot go first', () => {
    const approval = openApproval(settings('sequential'), submitter, at);
    expect(() => decide(approval, user('m2'), 'approved', at)).toThrow(/Waiting for m1/);
    const first = decide(approval, user('m1'), 'approved', at, 'ok');
    expect(first.outcome).toBe('pending');
    const second = decide(first.approval, user('m2'), 'approved', at);
    expect(second.outcome).toBe('approved');
    expect(second.approval.steps.map((s) => s.decision)).toEqual(['approved', 'approved']);
  });

  it('parallel (會簽): any order, all needed; one rejection ends it', () => {
    const approval = openApproval(settings('parallel'), submitter, at);
    const second = decide(approval, user('m2'), 'approved', at);
    expect(second.outcome).toBe('pending');
    expect(decide(second.approval, user('m1'), 'approved', at).outcome).toBe('approved');
    expect(decide(second.approval, user('m1'), 'rejected', at, 'no').outcome).toBe('rejected');
  });

  it('refuses the launcher, strangers and second decisions', () => {
    const approval = openApproval(settings('parallel'), submitter, at);
    expect(() => decide(approval, user('op', 'admin'), 'approved', at)).toThrow(/own campaign/);
    expect(() => decide(approval, user('x'), 'approved', at)).toThrow(/not an approver/);
    const once = decide(approval, user('m1'), 'approved', at).approval;
    expect(() => decide(once, user('m1'), 'approved', at)).toThrow(/already decided/);
  });
});

describe('visibility', () => {
  it('shows a department its own and department-less campaigns; admins and keys everything', () => {
    const sales = user('u', 'operator', 'sales');
    expect(canSeeCampaign(sales, { departmentId: 'sales' })).toBe(true);
    expect(canSeeCampaign(sales, {})).toBe(true);
    expect(canSeeCampaign(sales, { departmentId: 'hr' })).toBe(false);
    expect(canSeeCampaign(user('a', 'admin', 'sales'), { departmentId: 'hr' })).toBe(true);
    expect(canSeeCampaign({ kind: 'apiKey', id: 'k', workspaceId: 'ws', role: 'viewer' }, { departmentId: 'hr' })).toBe(true);
  });
});

describe('launch-time audience checks', () => {
  const list = (n: number) => ({ sources: [{ kind: 'list' as const, lines: Array.from({ length: n }, (_, i) => `r${i}@example.com`) }], exclusions: [] });

  it('a test campaign goes to at most 10 typed recipients; 11 is refused naming the limit', () => {
    expect(() => checkAudience('test', list(10))).not.toThrow();
    expect(() => checkAudience('test', list(11))).toThrow(/at most 10 recipients; this one has 11/);
    expect(() => checkAudience('test', { sources: [{ kind: 'segment', segmentId: 's' }], exclusions: [] })).toThrow(/typed list only/);
    expect(() => checkAudience('formal', { sources: [], exclusions: [] })).toThrow(/no audience/);
  });

  it('the test-send body takes 10 lines, not 11', () => {
    expect(testSendSchema.safeParse({ lines: list(10).sources[0]!.lines }).success).toBe(true);
    const eleven = testSendSchema.safeParse({ lines: list(11).sources[0]!.lines });
    expect(eleven.success).toBe(false);
    expect(eleven.error?.issues[0]?.message).toMatch(/at most 10/);
  });

  it('counts a typed list (blank lines ignored) and gives up on other sources', () => {
    expect(listUpperBound({ sources: [{ kind: 'list', lines: ['a@x.com', ' ', 'b@x.com'] }], exclusions: [] })).toBe(2);
    expect(listUpperBound({ sources: [{ kind: 'groups', groupIds: ['g'] }], exclusions: [] })).toBeUndefined();
  });
});
