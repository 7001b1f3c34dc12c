/**
 * 點數 (sending points): each user's and department's balance, what running sends hold
 * (reserved), what was spent (used) and what is left (available = balance − reserved). Without a
 * quota an owner is unlimited. Admins set a balance; others see their own and their department's.
 */
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { type ApiClient, type SignedInUser } from '../api';
import { campaignsApi, type Quota, type QuotaOwnerKind } from '../campaigns-api';
import { usePeople, usePersonName, type People } from '../components/campaign-ui';
import { Notice, type NoticeState } from '../components/catalog-ui';
import { FormField } from '../components/FormField';
import { Modal } from '../components/Modal';
import { messageFor, problemOf, type FormProblem } from '../form-errors';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import '../catalog.css';
import '../campaigns.css';

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: Quota[] };

const keyOf = (q: Pick<Quota, 'owner'>) => `${q.owner.kind}:${q.owner.id}`;

export function QuotasPage({ api, user }: { api: ApiClient; user: SignedInUser }) {
  const { t, locale } = useI18n();
  const { dateTime } = useDateFormat();
  const campaigns = useMemo(() => campaignsApi(api), [api]);
  const people = usePeople(api, user.role);
  const nameOf = usePersonName(people, user);
  const canWrite = user.role === 'admin';
  const number = new Intl.NumberFormat(locale);
  const [state, setState] = useState<Loaded>({ kind: 'loading' });
  const [reload, setReload] = useState(0);
  const [editing, setEditing] = useState<{ kind: QuotaOwnerKind; id: string; balance?: number } | 'new' | undefined>();
  const [notice, setNotice] = useState<NoticeState>();

  useEffect(() => {
    let live = true;
    setState({ kind: 'loading' });
    campaigns.listQuotas().then(
      (page) => live && setState({ kind: 'ready', items: [...page.items] }),
      (error: unknown) => live && setState({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      live = false;
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [campaigns, reload]);

  const ownerName = (q: Pick<Quota, 'owner'>) => (q.owner.kind === 'user' ? nameOf(q.owner.id) : (people.departments.get(q.owner.id) ?? q.owner.id));
  const sorted = state.kind === 'ready' ? [...state.items].sort((a, b) => a.owner.kind.localeCompare(b.owner.kind) || ownerName(a).localeCompare(ownerName(b))) : [];

  return (
    <section className="page" aria-labelledby="quotas-title">
      <header className="page__header">
        <div>
          <h1 id="quotas-title" data-testid="page-title">
            {t('quotas.title')}
          </h1>
          <p className="muted">{t('quotas.subtitle')}</p>
        </div>
        {canWrite ? (
          <button type="button" className="button button--primary" onClick={() => setEditing('new')} data-testid="quota-add">
            + {t('quotas.add')}
          </button>
        ) : null}
      </header>
      {!canWrite ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('quotas.readOnly')}
        </p>
      ) : null}
      <Notice notice={notice} onClose={() => setNotice(undefined)} />
      <div className="card">
        {state.kind === 'loading' ? (
          <div className="state" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        ) : state.kind === 'error' ? (
          <div className="state state--error" role="alert">
            <p>
              <strong>{t('quotas.loadFailed')}</strong> {state.message}
            </p>
            <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
              {t('common.retry')}
            </button>
          </div>
        ) : sorted.length === 0 ? (
          <div className="state" data-testid="list-empty">
            <p>
              <strong>{t('quotas.empty')}</strong>
            </p>
            <p className="muted">{t('quotas.emptyHint')}</p>
          </div>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="quotas-table">
              <thead>
                <tr>
                  <th scope="col">{t('quotas.owner')}</th>
                  <th scope="col" className="table__number">
                    {t('quotas.balance')}
                  </th>
                  <th scope="col" className="table__number">
                    {t('quotas.reserved')}
                  </th>
                  <th scope="col" className="table__number">
                    {t('quotas.used')}
                  </th>
                  <th scope="col" className="table__number">
                    {t('quotas.available')}
                  </th>
                  <th scope="col">{t('quotas.updatedAt')}</th>
                  {canWrite ? (
                    <th scope="col" className="table__actions">
                      <span className="visually-hidden">{t('common.actions')}</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {sorted.map((quota) => (
                  <tr key={keyOf(quota)} data-testid="quota-row" data-owner-kind={quota.owner.kind} data-owner-id={quota.owner.id}>
                    <td>
                      <span className="tag">{t(`quotaOwner.${quota.owner.kind}`)}</span> <span className="table__strong">{ownerName(quota)}</span>
                    </td>
                    <td className="table__number" data-testid="quota-balance">
                      {number.format(quota.balance)}
                    </td>
                    <td className="table__number">{number.format(quota.reserved)}</td>
                    <td className="table__number">{number.format(quota.used)}</td>
                    <td className={`table__number table__strong${quota.available <= 0 ? ' quota--empty' : ''}`} data-testid="quota-available">
                      {number.format(quota.available)}
                    </td>
                    <td className="nowrap muted">{dateTime(quota.updatedAt)}</td>
                    {canWrite ? (
                      <td className="table__actions">
                        <button
                          type="button"
                          className="button button--small"
                          onClick={() => setEditing({ kind: quota.owner.kind, id: quota.owner.id, balance: quota.balance })}
                          aria-label={t('quotas.setOf', { name: ownerName(quota) })}
                          data-testid="quota-edit"
                        >
                          {t('quotas.set')}
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {editing ? (
        <QuotaDialog
          people={people}
          initial={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSave={async (kind, id, balance) => {
            const saved = await campaigns.setQuota(kind, id, balance);
            setEditing(undefined);
            setNotice({ key: 'quotas.saved', name: ownerName(saved) });
            setState((current) => (current.kind === 'ready' ? { kind: 'ready', items: [...current.items.filter((q) => keyOf(q) !== keyOf(saved)), saved] } : current));
          }}
        />
      ) : null}
    </section>
  );
}

function QuotaDialog({
  people,
  initial,
  onClose,
  onSave,
}: {
  people: People;
  initial?: { kind: QuotaOwnerKind; id: string; balance?: number };
  onClose: () => void;
  onSave: (kind: QuotaOwnerKind, id: string, balance: number) => Promise<void>;
}) {
  const { t } = useI18n();
  const id = useId();
  const [kind, setKind] = useState<QuotaOwnerKind>(initial?.kind ?? 'department');
  const [owner, setOwner] = useState(initial?.id ?? '');
  const [balance, setBalance] = useState(initial?.balance === undefined ? '' : String(initial.balance));
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const owners: [string, string][] = kind === 'user' ? [...people.users.entries()].map(([userId, p]) => [userId, `${p.name} · ${p.email}`]) : [...people.departments.entries()];

  async function submit(event: FormEvent) {
    event.preventDefault();
    const fields: Record<string, string> = {};
    if (!owner) fields.owner = t('catalog.required');
    const value = Number(balance);
    if (balance.trim() === '' || !Number.isInteger(value) || value < 0) fields.balance = t('quotas.balanceInvalid');
    if (Object.keys(fields).length > 0) {
      setProblem({ message: t('common.fixErrors'), fields });
      return;
    }
    setBusy(true);
    setProblem({ fields: {} });
    try {
      await onSave(kind, owner, value);
    } catch (error) {
      setProblem(problemOf(t, error));
      setBusy(false);
    }
  }

  return (
    <Modal
      title={initial ? t('quotas.editTitle') : t('quotas.addTitle')}
      onClose={onClose}
      testId="quota-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" form={`${id}-form`} className="button button--primary" disabled={busy} data-testid="quota-save">
            {busy ? t('common.saving') : t('common.save')}
          </button>
        </>
      }
    >
      <form id={`${id}-form`} onSubmit={(e) => void submit(e)} noValidate>
        {problem.message ? (
          <p className="notice notice--error" role="alert" data-testid="quota-error">
            {problem.message}
          </p>
        ) : null}
        <div className="form-grid">
          <FormField id={`${id}-kind`} label={t('quotas.ownerKind')}>
            <select
              value={kind}
              disabled={Boolean(initial)}
              onChange={(e) => {
                setKind(e.target.value as QuotaOwnerKind);
                setOwner('');
              }}
              data-testid="quota-kind"
            >
              <option value="department">{t('quotaOwner.department')}</option>
              <option value="user">{t('quotaOwner.user')}</option>
            </select>
          </FormField>
          <FormField id={`${id}-owner`} label={t('quotas.owner')} error={messageFor(problem.fields, 'owner') ?? messageFor(problem.fields, 'id')}>
            <select value={owner} disabled={Boolean(initial)} onChange={(e) => setOwner(e.target.value)} data-testid="quota-owner">
              <option value="">{t('quotas.chooseOwner')}</option>
              {owners.map(([ownerId, label]) => (
                <option key={ownerId} value={ownerId}>
                  {label}
                </option>
              ))}
              {owner && !owners.some(([ownerId]) => ownerId === owner) ? <option value={owner}>{owner}</option> : null}
            </select>
          </FormField>
          <FormField id={`${id}-balance`} label={t('quotas.balance')} error={messageFor(problem.fields, 'balance')} hint={t('quotas.balanceHint')} wide>
            <input type="number" min={0} step={1} inputMode="numeric" value={balance} onChange={(e) => setBalance(e.target.value)} data-testid="quota-balance-input" />
          </FormField>
        </div>
      </form>
    </Modal>
  );
}
