/**
 * 審核設定 (approval settings, `#/settings/approval`): which launchers' roles need sign-off, in
 * sequence (層簽: each approver in the listed order) or in parallel (會簽: all, any order), and by
 * whom. Admins change it; everyone else reads it (it tells them why their launch waits).
 */
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { type ApiClient, type Role, type SignedInUser } from '../api';
import { campaignsApi, type ApprovalSettings } from '../campaigns-api';
import { usePeople, usePersonName } from '../components/campaign-ui';
import { messageFor, problemOf, type FormProblem } from '../form-errors';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import '../catalog.css';
import '../campaigns.css';

/** Roles that launch campaigns (viewers cannot), most restricted first. */
const launcherRoles: readonly Role[] = ['operator', 'manager', 'admin'];
/** The approve route admits managers and admins. */
const approverRoles: readonly Role[] = ['manager', 'admin'];

export function ApprovalSettingsPage({ api, user }: { api: ApiClient; user: SignedInUser }) {
  const { t } = useI18n();
  const id = useId();
  const { dateTime } = useDateFormat();
  const campaigns = useMemo(() => campaignsApi(api), [api]);
  const people = usePeople(api, user.role);
  const nameOf = usePersonName(people, user);
  const canWrite = user.role === 'admin';
  const [state, setState] = useState<{ kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; settings: ApprovalSettings }>({ kind: 'loading' });
  const [reload, setReload] = useState(0);
  const [roles, setRoles] = useState<Role[]>([]);
  const [mode, setMode] = useState<ApprovalSettings['mode']>('sequential');
  const [approvers, setApprovers] = useState<string[]>([]);
  const [adding, setAdding] = useState('');
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    campaigns.getApprovalSettings().then(
      (settings) => {
        if (!live) return;
        setState({ kind: 'ready', settings });
        setRoles([...settings.rolesRequiringApproval]);
        setMode(settings.mode);
        setApprovers([...settings.approverIds]);
      },
      (error: unknown) => live && setState({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      live = false;
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [campaigns, reload]);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!canWrite) return;
    setBusy(true);
    setSaved(false);
    setProblem({ fields: {} });
    try {
      const settings = await campaigns.putApprovalSettings({ rolesRequiringApproval: roles, mode, approverIds: approvers });
      setState({ kind: 'ready', settings });
      setSaved(true);
    } catch (error) {
      setProblem(problemOf(t, error));
    } finally {
      setBusy(false);
    }
  }

  const candidates = [...people.users.entries()].filter(([userId, person]) => approverRoles.includes(person.role) && !approvers.includes(userId));
  const move = (index: number, by: -1 | 1) =>
    setApprovers((list) => {
      const next = [...list];
      const other = index + by;
      if (other < 0 || other >= next.length) return list;
      [next[index], next[other]] = [next[other] as string, next[index] as string];
      return next;
    });

  return (
    <section className="page" aria-labelledby="approval-settings-title">
      <header className="page__header">
        <div>
          <h1 id="approval-settings-title" data-testid="page-title">
            {t('approvalSettings.title')}
          </h1>
          <p className="muted">{t('approvalSettings.subtitle')}</p>
        </div>
      </header>
      {!canWrite ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('approvalSettings.readOnly')}
        </p>
      ) : null}
      {state.kind === 'loading' ? (
        <div className="state" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      ) : state.kind === 'error' ? (
        <div className="state state--error" role="alert">
          <p>
            <strong>{t('approvalSettings.loadFailed')}</strong> {state.message}
          </p>
          <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
            {t('common.retry')}
          </button>
        </div>
      ) : (
        <form className="card card--padded approval-settings" onSubmit={(e) => void save(e)} noValidate data-testid="approval-settings-form">
          {problem.message ? (
            <p className="notice notice--error" role="alert" data-testid="approval-settings-error">
              {problem.message}
            </p>
          ) : null}
          {saved ? (
            <p className="notice notice--success" role="status" data-testid="approval-settings-saved">
              {t('approvalSettings.saved')}
            </p>
          ) : null}
          <fieldset className="option-group">
            <legend>{t('approvalSettings.roles')}</legend>
            <p className="field__hint">{t('approvalSettings.rolesHint')}</p>
            <div className="choices">
              {launcherRoles.map((role) => (
                <label key={role} className="choice">
                  <input
                    type="checkbox"
                    checked={roles.includes(role)}
                    disabled={!canWrite}
                    onChange={() => setRoles((list) => (list.includes(role) ? list.filter((r) => r !== role) : [...list, role]))}
                    data-testid={`approval-role-${role}`}
                  />
                  {t(`role.${role}`)}
                </label>
              ))}
            </div>
            {messageFor(problem.fields, 'rolesRequiringApproval') ? <p className="field__error">{messageFor(problem.fields, 'rolesRequiringApproval')}</p> : null}
          </fieldset>
          <fieldset className="option-group">
            <legend>{t('approvalSettings.mode')}</legend>
            {(['sequential', 'parallel'] as const).map((value) => (
              <label key={value} className="choice choice--block">
                <input type="radio" name={`${id}-mode`} checked={mode === value} disabled={!canWrite} onChange={() => setMode(value)} data-testid={`approval-mode-${value}`} />
                <span>
                  <strong>{t(`approvalMode.${value}`)}</strong>
                  <span className="field__hint"> — {t(`approvalModeHint.${value}`)}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <fieldset className={`option-group${messageFor(problem.fields, 'approverIds') ? ' field--invalid' : ''}`}>
            <legend>{t('approvalSettings.approvers')}</legend>
            <p className="field__hint">{mode === 'sequential' ? t('approvalSettings.approversHintSequential') : t('approvalSettings.approversHintParallel')}</p>
            {approvers.length === 0 ? <p className="muted">{t('approvalSettings.noApprovers')}</p> : null}
            <ol className="approver-list" data-testid="approver-list">
              {approvers.map((approverId, index) => (
                <li key={approverId} className="approver-list__item" data-testid="approver">
                  {mode === 'sequential' ? <span className="approval-step__order">{index + 1}</span> : null}
                  <span className="approver-list__name">
                    {nameOf(approverId)}
                    {people.users.get(approverId) ? <span className="muted"> · {people.users.get(approverId)?.email}</span> : null}
                  </span>
                  {canWrite ? (
                    <span className="approver-list__actions">
                      {mode === 'sequential' ? (
                        <>
                          <button type="button" className="icon-button" disabled={index === 0} onClick={() => move(index, -1)} aria-label={t('approvalSettings.moveUp', { name: nameOf(approverId) })}>
                            ↑
                          </button>
                          <button type="button" className="icon-button" disabled={index === approvers.length - 1} onClick={() => move(index, 1)} aria-label={t('approvalSettings.moveDown', { name: nameOf(approverId) })}>
                            ↓
                          </button>
                        </>
                      ) : null}
                      <button
                        type="button"
                        className="button button--small button--danger-ghost"
                        onClick={() => setApprovers((list) => list.filter((a) => a !== approverId))}
                        aria-label={t('approvalSettings.removeOf', { name: nameOf(approverId) })}
                      >
                        {t('audience.remove')}
                      </button>
                    </span>
                  ) : null}
                </li>
              ))}
            </ol>
            {canWrite ? (
              <div className="inline-form__row approver-add">
                <label htmlFor={`${id}-add`} className="visually-hidden">
                  {t('approvalSettings.addApprover')}
                </label>
                <select id={`${id}-add`} className="select" value={adding} onChange={(e) => setAdding(e.target.value)} data-testid="approver-choose">
                  <option value="">{t('approvalSettings.chooseApprover')}</option>
                  {candidates.map(([userId, person]) => (
                    <option key={userId} value={userId}>
                      {person.name} ({t(`role.${person.role}`)})
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="button"
                  disabled={!adding}
                  onClick={() => {
                    setApprovers((list) => [...list, adding]);
                    setAdding('');
                  }}
                  data-testid="approver-add"
                >
                  {t('approvalSettings.addApprover')}
                </button>
              </div>
            ) : null}
            {messageFor(problem.fields, 'approverIds') ? (
              <p className="field__error" data-testid="approvers-error">
                {messageFor(problem.fields, 'approverIds')}
              </p>
            ) : null}
          </fieldset>
          {state.settings.updatedAt ? (
            <p className="muted">{t('approvalSettings.updated', { date: dateTime(state.settings.updatedAt), who: state.settings.updatedBy ? nameOf(state.settings.updatedBy) : t('common.none') })}</p>
          ) : null}
          {canWrite ? (
            <div className="form-actions">
              <button type="submit" className="button button--primary" disabled={busy} data-testid="approval-settings-save">
                {busy ? t('common.saving') : t('common.save')}
              </button>
            </div>
          ) : null}
        </form>
      )}
    </section>
  );
}
