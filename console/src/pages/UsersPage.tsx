import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, type ApiClient, type Department, type SignedInUser, type User } from '../api';
import { UserForm } from '../components/UserForm';
import { errorText, useDateFormat } from '../format';
import { type MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/I18nProvider';

type Loaded<T> = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: T[] };

const byEmail = (a: User, b: User) => a.email.localeCompare(b.email);
const byName = (a: Department, b: Department) => a.name.localeCompare(b.name);

/**
 * Users and departments of the workspace. Managers see both lists; only admins add or change
 * anything (the API enforces it; the controls are simply not offered to others).
 */
export function UsersPage({ api, user: me }: { api: ApiClient; user: SignedInUser }) {
  const { t } = useI18n();
  const dates = useDateFormat();
  const isAdmin = me.role === 'admin';
  const [users, setUsers] = useState<Loaded<User>>({ kind: 'loading' });
  const [departments, setDepartments] = useState<Loaded<Department>>({ kind: 'loading' });
  const [reloadCount, setReloadCount] = useState(0);
  const [editing, setEditing] = useState<User | 'new' | undefined>();
  const [unlocking, setUnlocking] = useState<string | undefined>();
  // A success is kept as key + values so a language switch re-translates it; an error is the API's words.
  const [notice, setNotice] = useState<{ key: MessageKey; name: string } | { error: string } | undefined>();

  useEffect(() => {
    let current = true;
    setUsers({ kind: 'loading' });
    setDepartments({ kind: 'loading' });
    api.listUsers().then(
      (page) => current && setUsers({ kind: 'ready', items: [...page.items].sort(byEmail) }),
      (error: unknown) => current && setUsers({ kind: 'error', message: errorText(t, error) }),
    );
    api.listDepartments().then(
      (page) => current && setDepartments({ kind: 'ready', items: [...page.items].sort(byName) }),
      (error: unknown) => current && setDepartments({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      current = false;
    };
    // Not keyed on t: switching language must not re-fetch.
  }, [api, reloadCount]);

  const departmentList = departments.kind === 'ready' ? departments.items : [];
  const departmentName = (id: string | undefined) =>
    id === undefined ? t('common.none') : (departmentList.find((d) => d.id === id)?.name ?? id);
  const label = (user: User) => user.name || user.email;

  function replace(user: User) {
    setUsers((state) =>
      state.kind === 'ready'
        ? { kind: 'ready', items: state.items.some((u) => u.id === user.id) ? state.items.map((u) => (u.id === user.id ? user : u)) : [...state.items, user].sort(byEmail) }
        : state,
    );
  }

  async function unlock(user: User) {
    setUnlocking(user.id);
    setNotice(undefined);
    try {
      replace(await api.updateUser(user.id, { status: 'active' }));
      setNotice({ key: 'users.unlocked', name: label(user) });
    } catch (error) {
      setNotice({ error: errorText(t, error) });
    } finally {
      setUnlocking(undefined);
    }
  }

  const now = Date.now();

  return (
    <section className="page" aria-labelledby="users-title">
      <header className="page__header">
        <div>
          <h1 id="users-title" data-testid="page-title">
            {t('users.title')}
          </h1>
          <p className="muted">{t('users.subtitle')}</p>
        </div>
        {isAdmin ? (
          <button type="button" className="button button--primary" onClick={() => setEditing('new')} data-testid="user-add">
            + {t('users.add')}
          </button>
        ) : null}
      </header>

      {!isAdmin ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('users.readOnly')}
        </p>
      ) : null}
      {notice ? (
        <div className={`notice notice--${'error' in notice ? 'error' : 'success'} toast`} role={'error' in notice ? 'alert' : 'status'} data-testid="notice">
          <span>{'error' in notice ? notice.error : t(notice.key, { name: notice.name })}</span>
          <button type="button" className="icon-button" aria-label={t('common.close')} onClick={() => setNotice(undefined)}>
            ×
          </button>
        </div>
      ) : null}

      <div className="card">
        {users.kind === 'loading' ? (
          <div className="state" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        ) : users.kind === 'error' ? (
          <div className="state state--error" role="alert" data-testid="users-error">
            <p>
              <strong>{t('users.loadFailed')}</strong> {users.message}
            </p>
            <button type="button" className="button" onClick={() => setReloadCount((count) => count + 1)}>
              {t('common.retry')}
            </button>
          </div>
        ) : users.items.length === 0 ? (
          <div className="state">{t('users.empty')}</div>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="users-table">
              <thead>
                <tr>
                  <th scope="col">
                    {t('users.name')} / {t('field.email')}
                  </th>
                  <th scope="col">{t('users.role')}</th>
                  <th scope="col">{t('users.department')}</th>
                  <th scope="col">{t('users.status')}</th>
                  <th scope="col">{t('users.expiry')}</th>
                  <th scope="col">{t('users.createdAt')}</th>
                  {isAdmin ? (
                    <th scope="col" className="table__actions">
                      <span className="visually-hidden">{t('common.actions')}</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {users.items.map((user) => {
                  const expired = user.expiresAt !== undefined && Date.parse(user.expiresAt) <= now;
                  return (
                    <tr key={user.id} data-testid="user-row" data-user-email={user.email}>
                      <td>
                        <div className="table__strong">
                          {user.name}
                          {user.id === me.id ? <span className="badge badge--you">{t('users.you')}</span> : null}
                        </div>
                        <div className="muted table__sub">{user.email}</div>
                      </td>
                      <td className="nowrap">{t(`role.${user.role}`)}</td>
                      <td className="nowrap">{departmentName(user.departmentId)}</td>
                      <td>
                        <span className={`status status--user-${user.status}`} data-testid="user-status-badge">
                          {t(`userStatus.${user.status}`)}
                        </span>
                      </td>
                      <td className="nowrap">
                        {user.expiresAt ? (
                          <>
                            {dates.day(user.expiresAt)}
                            {expired ? <span className="status status--user-suspended status--inline">{t('users.expired')}</span> : null}
                          </>
                        ) : (
                          <span className="muted">{t('users.permanent')}</span>
                        )}
                      </td>
                      <td className="nowrap muted" title={dates.dateTime(user.createdAt)}>
                        {dates.date(user.createdAt)}
                      </td>
                      {isAdmin ? (
                        <td className="table__actions">
                          {user.status === 'locked' ? (
                            <button
                              type="button"
                              className="button button--small"
                              onClick={() => unlock(user)}
                              disabled={unlocking === user.id}
                              aria-label={t('users.unlockOf', { name: label(user) })}
                              data-testid="user-unlock"
                            >
                              {unlocking === user.id ? t('users.unlocking') : t('users.unlock')}
                            </button>
                          ) : null}
                          <button
                            type="button"
                            className="button button--small"
                            onClick={() => setEditing(user)}
                            aria-label={t('users.editOf', { name: label(user) })}
                            data-testid="user-edit"
                          >
                            {t('common.edit')}
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>

      <Departments
        api={api}
        state={departments}
        isAdmin={isAdmin}
        onCreated={(department) => {
          setDepartments((state) => (state.kind === 'ready' ? { kind: 'ready', items: [...state.items, department].sort(byName) } : state));
          setNotice({ key: 'departments.created', name: department.name });
        }}
        onRetry={() => setReloadCount((count) => count + 1)}
      />

      {editing ? (
        <UserForm
          api={api}
          user={editing === 'new' ? undefined : editing}
          departments={departmentList}
          onClose={() => setEditing(undefined)}
          onSaved={(user, created) => {
            setEditing(undefined);
            replace(user);
            setNotice({ key: created ? 'users.created' : 'users.updated', name: label(user) });
          }}
        />
      ) : null}
    </section>
  );
}

function Departments({
  api,
  state,
  isAdmin,
  onCreated,
  onRetry,
}: {
  api: ApiClient;
  state: Loaded<Department>;
  isAdmin: boolean;
  onCreated: (department: Department) => void;
  onRetry: () => void;
}) {
  const { t } = useI18n();
  const dates = useDateFormat();
  const inputId = useId();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      onCreated(await api.createDepartment(name.trim()));
      setName('');
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 409) setError(t('departments.duplicate'));
      else if (caught instanceof ApiError && caught.problem.errors?.length) setError(caught.problem.errors.map((e) => e.message).join(' '));
      else setError(errorText(t, caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="subsection" aria-labelledby={`${inputId}-title`} data-testid="departments">
      <header className="subsection__header">
        <h2 id={`${inputId}-title`}>{t('departments.title')}</h2>
        <p className="muted">{t('departments.subtitle')}</p>
      </header>
      <div className="card">
        {state.kind === 'loading' ? (
          <div className="state" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        ) : state.kind === 'error' ? (
          <div className="state state--error" role="alert">
            <p>
              <strong>{t('departments.loadFailed')}</strong> {state.message}
            </p>
            <button type="button" className="button" onClick={onRetry}>
              {t('common.retry')}
            </button>
          </div>
        ) : state.items.length === 0 ? (
          <div className="state state--compact">{t('departments.empty')}</div>
        ) : (
          <table className="table" data-testid="departments-table">
            <thead>
              <tr>
                <th scope="col">{t('departments.name')}</th>
                <th scope="col">{t('departments.createdAt')}</th>
              </tr>
            </thead>
            <tbody>
              {state.items.map((department) => (
                <tr key={department.id} data-testid="department-row">
                  <td className="table__strong">{department.name}</td>
                  <td className="muted nowrap">{dates.date(department.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {isAdmin ? (
          <form className="card__footer card__footer--form" onSubmit={submit} noValidate>
            <div className={`field field--inline${error ? ' field--invalid' : ''}`}>
              <label htmlFor={inputId}>{t('departments.name')}</label>
              <div className="inline-form__row">
                <input
                  id={inputId}
                  value={name}
                  onChange={(event) => {
                    setName(event.target.value);
                    setError(undefined);
                  }}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${inputId}-error` : undefined}
                  data-testid="department-name"
                />
                <button type="submit" className="button" disabled={busy} data-testid="department-add">
                  + {busy ? t('common.creating') : t('departments.add')}
                </button>
              </div>
              {error ? (
                <p id={`${inputId}-error`} className="field__error" data-testid="department-name-error">
                  {error}
                </p>
              ) : null}
            </div>
          </form>
        ) : null}
      </div>
    </section>
  );
}
