/**
 * 審核 (approval): submit a draft (送審), the approval's steps — 層簽 (sequential, each approver in
 * turn) or 會簽 (parallel, all in any order) — with each decision and comment, and for managers
 * and admins 核准 / 退件 (reject, comment required). The API refuses anyone deciding on their
 * own campaign; its words are shown as they come.
 */
import { useId, useState } from 'react';
import { type Role, type SignedInUser } from '../api';
import { type ApprovalSettings, type Campaign, type CampaignsApi } from '../campaigns-api';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { type People, usePersonName } from './campaign-ui';

const canDecide = (role: Role) => role === 'admin' || role === 'manager';

export function ApprovalPanel({
  campaigns,
  campaign,
  user,
  people,
  settings,
  unsaved,
  onChanged,
}: {
  campaigns: CampaignsApi;
  campaign: Campaign;
  user: SignedInUser;
  people: People;
  settings?: ApprovalSettings;
  unsaved: boolean;
  onChanged: (campaign: Campaign) => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const { dateTime } = useDateFormat();
  const nameOf = usePersonName(people, user);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [busy, setBusy] = useState<'submit' | 'approve' | 'reject' | undefined>();
  const approval = campaign.approval;
  const needsApproval = settings?.rolesRequiringApproval.includes(user.role) ?? false;
  const firstOpen = approval?.steps.findIndex((step) => step.decision === undefined) ?? -1;

  async function act(kind: 'submit' | 'approve' | 'reject') {
    setError(undefined);
    setDone(undefined);
    const text = comment.trim();
    if (kind === 'reject' && text === '') {
      setError(t('approval.rejectNeedsComment'));
      return;
    }
    setBusy(kind);
    try {
      const next =
        kind === 'submit'
          ? await campaigns.submit(campaign.id, text || undefined)
          : kind === 'approve'
            ? await campaigns.approve(campaign.id, text || undefined)
            : await campaigns.reject(campaign.id, text);
      onChanged(next);
      setComment('');
      setDone(kind === 'submit' ? (next.status === 'approved' ? t('approval.submittedApproved') : t('approval.submitted')) : kind === 'approve' ? t('approval.approved') : t('approval.rejected'));
    } catch (failure) {
      setError(errorText(t, failure));
    } finally {
      setBusy(undefined);
    }
  }

  const commentBox = (
    <div className="field">
      <label htmlFor={`${id}-comment`}>{t('approval.comment')}</label>
      <textarea id={`${id}-comment`} rows={3} value={comment} onChange={(e) => setComment(e.target.value)} data-testid="approval-comment" />
    </div>
  );

  return (
    <div data-testid="approval-panel">
      {error ? (
        <p className="notice notice--error" role="alert" data-testid="approval-error">
          {error}
        </p>
      ) : null}
      {done ? (
        <p className="notice notice--success" role="status" data-testid="approval-done">
          {done}
        </p>
      ) : null}

      {campaign.status === 'draft' && user.role !== 'viewer' ? (
        <section className="card card--padded" aria-labelledby={`${id}-submit`}>
          <h2 id={`${id}-submit`}>{t('approval.submitTitle')}</h2>
          <p className="muted form-hint" data-testid="approval-rule">
            {settings === undefined
              ? t('approval.ruleUnknown')
              : needsApproval
                ? t('approval.ruleNeeded', {
                    mode: t(`approvalMode.${settings.mode}`),
                    approvers: settings.approverIds.filter((a) => a !== user.id).map(nameOf).join(t('catalog.listSeparator')) || t('common.none'),
                  })
                : t('approval.ruleNone', { role: t(`role.${user.role}`) })}
          </p>
          {unsaved ? <p className="notice notice--warning">{t('approval.unsaved')}</p> : null}
          {commentBox}
          <div className="form-actions form-actions--start">
            <button type="button" className="button button--primary" disabled={busy !== undefined} onClick={() => void act('submit')} data-testid="campaign-submit">
              {busy === 'submit' ? t('approval.submitting') : t('approval.submit')}
            </button>
          </div>
        </section>
      ) : null}

      {approval ? (
        <section className="card card--padded" aria-labelledby={`${id}-steps`} data-testid="approval-steps">
          <h2 id={`${id}-steps`}>{t('approval.stepsTitle')}</h2>
          <p className="muted">
            {t('approval.requested', { who: nameOf(approval.requestedBy), date: dateTime(approval.requestedAt) })} · <strong>{t(`approvalMode.${approval.mode}`)}</strong>{' '}
            <span className="muted">{t(`approvalModeHint.${approval.mode}`)}</span>
          </p>
          <ol className="approval-steps">
            {approval.steps.map((step, index) => {
              const turn = campaign.status === 'awaiting_approval' && step.decision === undefined && (approval.mode === 'parallel' || index === firstOpen);
              return (
                <li key={`${step.approverId}-${index}`} className={`approval-step approval-step--${step.decision ?? (turn ? 'turn' : 'waiting')}`} data-testid="approval-step" data-decision={step.decision ?? 'pending'}>
                  <span className="approval-step__who">
                    {approval.mode === 'sequential' ? <span className="approval-step__order">{index + 1}</span> : null}
                    {nameOf(step.approverId)}
                  </span>
                  <span className={`status status--decision-${step.decision ?? 'pending'}`}>
                    {step.decision ? t(`decision.${step.decision}`) : turn ? t('decision.turn') : t('decision.pending')}
                  </span>
                  {step.at ? <span className="muted nowrap">{dateTime(step.at)}</span> : null}
                  {step.comment ? <q className="approval-step__comment">{step.comment}</q> : null}
                </li>
              );
            })}
          </ol>
        </section>
      ) : campaign.status !== 'draft' ? (
        <p className="notice notice--info" data-testid="approval-none">
          {t('approval.noneNeeded')}
        </p>
      ) : null}

      {campaign.status === 'awaiting_approval' ? (
        canDecide(user.role) ? (
          <section className="card card--padded" aria-labelledby={`${id}-decide`} data-testid="approval-decide">
            <h2 id={`${id}-decide`}>{t('approval.decideTitle')}</h2>
            {approval?.requestedBy === user.id ? <p className="notice notice--warning">{t('approval.ownCampaign')}</p> : null}
            {commentBox}
            <p className="field__hint">{t('approval.commentHint')}</p>
            <div className="form-actions form-actions--start">
              <button type="button" className="button button--primary" disabled={busy !== undefined} onClick={() => void act('approve')} data-testid="campaign-approve">
                {busy === 'approve' ? t('approval.working') : t('approval.approve')}
              </button>
              <button type="button" className="button button--danger" disabled={busy !== undefined} onClick={() => void act('reject')} data-testid="campaign-reject">
                {busy === 'reject' ? t('approval.working') : t('approval.reject')}
              </button>
            </div>
          </section>
        ) : (
          <p className="notice notice--info">{t('approval.waitingForManagers')}</p>
        )
      ) : null}
    </div>
  );
}
