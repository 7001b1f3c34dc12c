import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, NetworkError, type ApiClient, type Department, type Role, type User, type UserChanges, type UserInput, type UserStatus } from '../api';
import { useI18n } from '../i18n/I18nProvider';
import { type MessageKey } from '../i18n/en';
import { Modal } from './Modal';

export const roleOptions: readonly Role[] = ['admin', 'manager', 'operator', 'viewer'];
export const statusOptions: readonly UserStatus[] = ['active', 'suspended', 'locked', 'not_activated'];

type Field = 'email' | 'name' | 'role' | 'password' | 'departmentId' | 'status' | 'expiresAt';

interface Values {
  email: string;
  name: string;
  role: Role;
  password: string;
  departmentId: string;
  status: UserStatus;
  /** OMICard's 帳號有效期限: 永久 (never) or 限制 (until a day). */
  expiry: 'never' | 'until';
  expiryDay: string;
}

function valuesOf(user: User | undefined): Values {
  return {
    email: user?.email ?? '',
    name: user?.name ?? '',
    role: user?.role ?? 'operator',
    password: '',
    departmentId: user?.departmentId ?? '',
    status: user?.status ?? 'active',
    expiry: user?.expiresAt ? 'until' : 'never',
    // The API keeps an expiry day as its last instant in UTC, so the UTC date is the day chosen.
    expiryDay: user?.expiresAt?.slice(0, 10) ?? '',
  };
}

function createInput(values: Values): UserInput {
  return {
    email: values.email.trim(),
    name: values.name.trim(),
    role: values.role,
    password: values.password,
    status: values.status,
    ...(values.departmentId ? { departmentId: values.departmentId } : {}),
    ...(values.expiry === 'until' ? { expiresAt: values.expiryDay } : {}),
  };
}

/** Only what changed; a cleared department or a lifted expiry is sent as null. */
function changesOf(user: User, values: Values): UserChanges {
  const before = valuesOf(user);
  const changes: UserChanges = {};
  if (values.name.trim() !== before.name) changes.name = values.name.trim();
  if (values.role !== before.role) changes.role = values.role;
  if (values.status !== before.status) changes.status = values.status;
  if (values.departmentId !== before.departmentId) changes.departmentId = values.departmentId || null;
  const expiry = values.expiry === 'until' ? values.expiryDay : '';
  const expiryBefore = before.expiry === 'until' ? before.expiryDay : '';
  if (expiry !== expiryBefore) changes.expiresAt = expiry || null;
  return changes;
}

export function UserForm({
  api,
  user,
  departments,
  onSaved,
  onClose,
}: {
  api: ApiClient;
  /** Absent: a new user. */
  user?: User;
  departments: readonly Department[];
  onSaved: (user: User, created: boolean) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const formId = useId();
  const [values, setValues] = useState<Values>(() => valuesOf(user));
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [extraErrors, setExtraErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  function set<K extends keyof Values>(key: K, value: Values[K], field: Field = key as Field) {
    setValues((current) => ({ ...current, [key]: value }));
    setFieldErrors((current) => ({ ...current, [field]: undefined }));
  }

  function showApiError(error: unknown) {
    if (error instanceof NetworkError) return setFormError(t('common.network'));
    if (!(error instanceof ApiError)) return setFormError(t('common.unexpected', { status: '?' }));
    const next: Partial<Record<Field, string>> = {};
    const extra: string[] = [];
    const known: readonly string[] = ['email', 'name', 'role', 'password', 'departmentId', 'status', 'expiresAt'];
    for (const problem of error.problem.errors ?? []) {
      const top = problem.field.split('.')[0] ?? '';
      if (known.includes(top)) next[top as Field] = next[top as Field] ? `${next[top as Field]} ${problem.message}` : problem.message;
      else extra.push(problem.field ? `${problem.field}: ${problem.message}` : problem.message);
    }
    if (error.status === 409) {
      next.email = t('users.duplicateEmail');
      setFormError(undefined);
    } else if (error.status === 400) {
      setFormError(Object.keys(next).length > 0 ? t('common.fixErrors') : (error.problem.detail ?? t('common.fixErrors')));
    } else if (error.status === 404) {
      setFormError(t('users.gone'));
    } else {
      // 403 included: e.g. an admin changing their own role or status; the API says why.
      setFormError(error.problem.detail ?? t(error.status === 403 ? 'common.forbidden' : 'common.unexpected', { status: error.status }));
    }
    setFieldErrors(next);
    setExtraErrors(extra);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(undefined);
    setExtraErrors([]);
    if (values.expiry === 'until' && values.expiryDay === '') {
      setFieldErrors({ expiresAt: t('users.expiryRequired') });
      return;
    }
    setBusy(true);
    try {
      if (user) {
        const changes = changesOf(user, values);
        if (Object.keys(changes).length === 0) return onClose();
        onSaved(await api.updateUser(user.id, changes), false);
      } else {
        onSaved(await api.createUser(createInput(values)), true);
      }
    } catch (error) {
      showApiError(error);
    } finally {
      setBusy(false);
    }
  }

  const field = (name: Field, label: MessageKey, control: (id: string, describedBy: string | undefined) => ReactNode, hint?: string) => {
    const id = `${formId}-${name}`;
    const error = fieldErrors[name];
    const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
    return (
      <div className={`field${error ? ' field--invalid' : ''}`}>
        <label htmlFor={id}>{t(label)}</label>
        {control(id, describedBy)}
        {hint ? (
          <p id={`${id}-hint`} className="field__hint">
            {hint}
          </p>
        ) : null}
        {error ? (
          <p id={`${id}-error`} className="field__error" data-testid={`user-${name}-error`}>
            {error}
          </p>
        ) : null}
      </div>
    );
  };
  const invalid = (name: Field) => (fieldErrors[name] ? true : undefined);
  const departmentKnown = values.departmentId === '' || departments.some((d) => d.id === values.departmentId);

  return (
    <Modal
      title={user ? t('users.editTitle') : t('users.createTitle')}
      onClose={onClose}
      testId="user-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" form={formId} className="button button--primary" disabled={busy} data-testid="user-save">
            {busy ? t('common.saving') : t('common.save')}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate>
        {formError || extraErrors.length > 0 ? (
          <div className="notice notice--error" role="alert" data-testid="user-form-error">
            {formError ? <p>{formError}</p> : null}
            {extraErrors.length > 0 ? (
              <ul>
                {extraErrors.map((message) => (
                  <li key={message}>{message}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        <fieldset className="form-grid">
          {field(
            'email',
            'users.email',
            (id, describedBy) => (
              <input
                id={id}
                type="email"
                autoComplete="off"
                inputMode="email"
                value={values.email}
                onChange={(event) => set('email', event.target.value)}
                readOnly={Boolean(user)}
                aria-invalid={invalid('email')}
                aria-describedby={describedBy}
                data-testid="user-email"
              />
            ),
            user ? t('users.emailFixed') : undefined,
          )}
          {field('name', 'users.name', (id, describedBy) => (
            <input
              id={id}
              autoComplete="off"
              value={values.name}
              onChange={(event) => set('name', event.target.value)}
              aria-invalid={invalid('name')}
              aria-describedby={describedBy}
              data-testid="user-name"
            />
          ))}
          {field(
            'role',
            'users.role',
            (id, describedBy) => (
              <select
                id={id}
                value={values.role}
                onChange={(event) => set('role', event.target.value as Role)}
                aria-invalid={invalid('role')}
                aria-describedby={describedBy}
                data-testid="user-role"
              >
                {roleOptions.map((role) => (
                  <option key={role} value={role}>
                    {t(`role.${role}`)}
                  </option>
                ))}
              </select>
            ),
            t(`users.roleHint.${values.role}`),
          )}
          {user
            ? null
            : field(
                'password',
                'users.password',
                (id, describedBy) => (
                  <input
                    id={id}
                    type="password"
                    autoComplete="new-password"
                    value={values.password}
                    onChange={(event) => set('password', event.target.value)}
                    aria-invalid={invalid('password')}
                    aria-describedby={describedBy}
                    data-testid="user-password"
                  />
                ),
                t('users.passwordHint'),
              )}
          {field('departmentId', 'users.department', (id, describedBy) => (
            <select
              id={id}
              value={values.departmentId}
              onChange={(event) => set('departmentId', event.target.value)}
              aria-invalid={invalid('departmentId')}
              aria-describedby={describedBy}
              data-testid="user-department"
            >
              <option value="">{t('users.noDepartment')}</option>
              {departments.map((department) => (
                <option key={department.id} value={department.id}>
                  {department.name}
                </option>
              ))}
              {/* Keep a department the list did not load, rather than silently clearing it. */}
              {departmentKnown ? null : <option value={values.departmentId}>{values.departmentId}</option>}
            </select>
          ))}
          {field('status', 'users.status', (id, describedBy) => (
            <select
              id={id}
              value={values.status}
              onChange={(event) => set('status', event.target.value as UserStatus)}
              aria-invalid={invalid('status')}
              aria-describedby={describedBy}
              data-testid="user-status"
            >
              {statusOptions.map((status) => (
                <option key={status} value={status}>
                  {t(`userStatus.${status}`)}
                </option>
              ))}
            </select>
          ))}
          <div className="form-grid__wide">
            <fieldset className={`field expiry${fieldErrors.expiresAt ? ' field--invalid' : ''}`}>
              <legend>{t('users.expiry')}</legend>
              <div className="expiry__choices">
                <label className="choice">
                  <input
                    type="radio"
                    name={`${formId}-expiry`}
                    checked={values.expiry === 'never'}
                    onChange={() => set('expiry', 'never', 'expiresAt')}
                    data-testid="user-expiry-never"
                  />
                  {t('users.permanent')}
                </label>
                <label className="choice">
                  <input
                    type="radio"
                    name={`${formId}-expiry`}
                    checked={values.expiry === 'until'}
                    onChange={() => set('expiry', 'until', 'expiresAt')}
                    data-testid="user-expiry-until"
                  />
                  {t('users.limited')}
                </label>
                <input
                  type="date"
                  aria-label={t('users.expiry')}
                  value={values.expiryDay}
                  onChange={(event) => {
                    set('expiryDay', event.target.value, 'expiresAt');
                    if (event.target.value) set('expiry', 'until', 'expiresAt');
                  }}
                  aria-invalid={invalid('expiresAt')}
                  aria-describedby={`${formId}-expiresAt-hint${fieldErrors.expiresAt ? ` ${formId}-expiresAt-error` : ''}`}
                  data-testid="user-expiry-day"
                />
              </div>
              <p id={`${formId}-expiresAt-hint`} className="field__hint">
                {t('users.expiryHint')}
              </p>
              {fieldErrors.expiresAt ? (
                <p id={`${formId}-expiresAt-error`} className="field__error" data-testid="user-expiresAt-error">
                  {fieldErrors.expiresAt}
                </p>
              ) : null}
            </fieldset>
          </div>
        </fieldset>
      </form>
    </Modal>
  );
}
