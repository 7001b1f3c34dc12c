import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, NetworkError, type ApiClient, type ApiKey, type CreatedApiKey, type Role } from '../api';
import { Modal } from '../components/Modal';
import { roleOptions } from '../components/UserForm';
import { errorText, useDateFormat } from '../format';
import { type MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/I18nProvider';

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: ApiKey[] };

const newestFirst = (a: ApiKey, b: ApiKey) => b.createdAt.localeCompare(a.createdAt);

/** Partner API keys (admins only): list, create (the secret is shown once), revoke. */
export function ApiKeysPage({ api }: { api: ApiClient }) {
  const { t } = useI18n();
  const dates = useDateFormat();
  const [keys, setKeys] = useState<Loaded>({ kind: 'loading' });
  const [reloadCount, setReloadCount] = useState(0);
  const [creating, setCreating] = useState(false);
  // The only copy of the secret in the console: dropped when its dialog closes, never stored.
  const [created, setCreated] = useState<CreatedApiKey | undefined>();
  const [revoking, setRevoking] = useState<ApiKey | undefined>();
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<string | undefined>();
  const [notice, setNotice] = useState<{ key: MessageKey; name: string } | undefined>();

  useEffect(() => {
    let current = true;
    setKeys({ kind: 'loading' });
    api.listApiKeys().then(
      (page) => current && setKeys({ kind: 'ready', items: [...page.items].sort(newestFirst) }),
      (error: unknown) => current && setKeys({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      current = false;
    };
    // Not keyed on t: switching language must not re-fetch.
  }, [api, reloadCount]);

  function upsert(key: ApiKey) {
    setKeys((state) =>
      state.kind === 'ready'
        ? { kind: 'ready', items: [key, ...state.items.filter((item) => item.id !== key.id)].sort(newestFirst) }
        : state,
    );
  }

  async function confirmRevoke() {
    if (!revoking) return;
    setRevokeBusy(true);
    setRevokeError(undefined);
    try {
      await api.revokeApiKey(revoking.id);
    } catch (error) {
      setRevokeError(errorText(t, error));
      setRevokeBusy(false);
      return;
    }
    const key = revoking;
    upsert({ ...key, revokedAt: new Date().toISOString() });
    setRevoking(undefined);
    setRevokeBusy(false);
    setNotice({ key: 'apiKeys.revoked', name: key.name });
    // The list's revokedAt is the server's; fetch it rather than trust the browser's clock.
    setReloadCount((count) => count + 1);
  }

  return (
    <section className="page" aria-labelledby="api-keys-title">
      <header className="page__header">
        <div>
          <h1 id="api-keys-title" data-testid="page-title">
            {t('apiKeys.title')}
          </h1>
          <p className="muted">{t('apiKeys.subtitle')}</p>
        </div>
        <button type="button" className="button button--primary" onClick={() => setCreating(true)} data-testid="api-key-add">
          + {t('apiKeys.add')}
        </button>
      </header>

      {notice ? (
        <div className="notice notice--success toast" role="status" data-testid="notice">
          <span>{t(notice.key, { name: notice.name })}</span>
          <button type="button" className="icon-button" aria-label={t('common.close')} onClick={() => setNotice(undefined)}>
            ×
          </button>
        </div>
      ) : null}

      <div className="card">
        {keys.kind === 'loading' ? (
          <div className="state" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        ) : keys.kind === 'error' ? (
          <div className="state state--error" role="alert" data-testid="api-keys-error">
            <p>
              <strong>{t('apiKeys.loadFailed')}</strong> {keys.message}
            </p>
            <button type="button" className="button" onClick={() => setReloadCount((count) => count + 1)}>
              {t('common.retry')}
            </button>
          </div>
        ) : keys.items.length === 0 ? (
          <div className="state" data-testid="api-keys-empty">
            <p>
              <strong>{t('apiKeys.empty')}</strong>
            </p>
            <p className="muted">{t('apiKeys.emptyHint')}</p>
          </div>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="api-keys-table">
              <thead>
                <tr>
                  <th scope="col">{t('apiKeys.name')}</th>
                  <th scope="col">{t('apiKeys.role')}</th>
                  <th scope="col">{t('apiKeys.rate')}</th>
                  <th scope="col">{t('apiKeys.hint')}</th>
                  <th scope="col">{t('apiKeys.createdAt')}</th>
                  <th scope="col">{t('apiKeys.state')}</th>
                  <th scope="col" className="table__actions">
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.items.map((key) => (
                  <tr key={key.id} data-testid="api-key-row" data-key-id={key.id} className={key.revokedAt ? 'table__row--revoked' : undefined}>
                    <td>
                      <div className="table__strong nowrap">{key.name}</div>
                      <div className="muted table__id mono">{key.id}</div>
                    </td>
                    <td className="nowrap">{t(`role.${key.role}`)}</td>
                    <td className="nowrap">{t('apiKeys.rateValue', { rate: key.rateLimit, burst: key.burstLimit })}</td>
                    <td className="nowrap mono">…{key.hint}</td>
                    <td className="nowrap muted">{dates.dateTime(key.createdAt)}</td>
                    <td className="nowrap" data-testid="api-key-state">
                      {key.revokedAt ? (
                        <span className="status status--revoked">{t('apiKeys.revokedAt', { date: dates.dateTime(key.revokedAt) })}</span>
                      ) : (
                        <span className="status status--active">{t('apiKeys.active')}</span>
                      )}
                    </td>
                    <td className="table__actions">
                      {key.revokedAt ? null : (
                        <button
                          type="button"
                          className="button button--small button--danger-ghost"
                          onClick={() => {
                            setRevokeError(undefined);
                            setRevoking(key);
                          }}
                          aria-label={t('apiKeys.revokeOf', { name: key.name })}
                          data-testid="api-key-revoke"
                        >
                          {t('apiKeys.revoke')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      {creating ? (
        <ApiKeyForm
          api={api}
          onClose={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            const { secret: _secret, usage: _usage, ...listed } = key;
            upsert(listed);
            setCreated(key);
          }}
        />
      ) : null}

      {created ? <SecretDialog created={created} onClose={() => setCreated(undefined)} /> : null}

      {revoking ? (
        <Modal
          title={t('apiKeys.revokeTitle')}
          size="small"
          testId="revoke-dialog"
          onClose={() => setRevoking(undefined)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setRevoking(undefined)} autoFocus>
                {t('common.cancel')}
              </button>
              <button type="button" className="button button--danger" onClick={confirmRevoke} disabled={revokeBusy} data-testid="revoke-confirm">
                {revokeBusy ? t('apiKeys.revoking') : t('apiKeys.revoke')}
              </button>
            </>
          }
        >
          <p>{t('apiKeys.revokeConfirm', { name: revoking.name })}</p>
          {revokeError ? (
            <p className="notice notice--error" role="alert">
              {revokeError}
            </p>
          ) : null}
        </Modal>
      ) : null}
    </section>
  );
}

type KeyField = 'name' | 'role' | 'rateLimit';

function ApiKeyForm({ api, onClose, onCreated }: { api: ApiClient; onClose: () => void; onCreated: (key: CreatedApiKey) => void }) {
  const { t } = useI18n();
  const formId = useId();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [rateLimit, setRateLimit] = useState('10');
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<KeyField, string>>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(undefined);
    setFieldErrors({});
    setBusy(true);
    try {
      // Anything but a number goes as typed, so the API's own message says what is wrong with it.
      const rate = rateLimit.trim() === '' ? Number.NaN : Number(rateLimit);
      onCreated(await api.createApiKey({ name: name.trim(), role, rateLimit: Number.isFinite(rate) ? rate : rateLimit }));
    } catch (error) {
      if (error instanceof ApiError) {
        const next: Partial<Record<KeyField, string>> = {};
        const extra: string[] = [];
        for (const problem of error.problem.errors ?? []) {
          const top = problem.field.split('.')[0] ?? '';
          if (top === 'name' || top === 'role' || top === 'rateLimit') next[top] = problem.message;
          else extra.push(`${problem.field}: ${problem.message}`);
        }
        setFieldErrors(next);
        setFormError(
          Object.keys(next).length > 0 && extra.length === 0 ? t('common.fixErrors') : [error.problem.detail, ...extra].filter(Boolean).join(' ') || errorText(t, error),
        );
      } else {
        setFormError(error instanceof NetworkError ? t('common.network') : errorText(t, error));
      }
    } finally {
      setBusy(false);
    }
  }

  const describe = (field: KeyField, hint: boolean) =>
    [hint ? `${formId}-${field}-hint` : '', fieldErrors[field] ? `${formId}-${field}-error` : ''].filter(Boolean).join(' ') || undefined;
  const errorOf = (field: KeyField) =>
    fieldErrors[field] ? (
      <p id={`${formId}-${field}-error`} className="field__error" data-testid={`api-key-${field}-error`}>
        {fieldErrors[field]}
      </p>
    ) : null;

  return (
    <Modal
      title={t('apiKeys.createTitle')}
      onClose={onClose}
      testId="api-key-dialog"
      size="small"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" form={formId} className="button button--primary" disabled={busy} data-testid="api-key-save">
            {busy ? t('common.creating') : t('common.create')}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate>
        {formError ? (
          <p className="notice notice--error" role="alert" data-testid="api-key-form-error">
            {formError}
          </p>
        ) : null}
        <div className={`field${fieldErrors.name ? ' field--invalid' : ''}`}>
          <label htmlFor={`${formId}-name`}>{t('apiKeys.name')}</label>
          <input
            id={`${formId}-name`}
            value={name}
            autoComplete="off"
            onChange={(event) => setName(event.target.value)}
            aria-invalid={fieldErrors.name ? true : undefined}
            aria-describedby={describe('name', true)}
            data-testid="api-key-name"
          />
          <p id={`${formId}-name-hint`} className="field__hint">
            {t('apiKeys.nameHint')}
          </p>
          {errorOf('name')}
        </div>
        <div className={`field${fieldErrors.role ? ' field--invalid' : ''}`}>
          <label htmlFor={`${formId}-role`}>{t('apiKeys.role')}</label>
          <select
            id={`${formId}-role`}
            value={role}
            onChange={(event) => setRole(event.target.value as Role)}
            aria-invalid={fieldErrors.role ? true : undefined}
            aria-describedby={describe('role', true)}
            data-testid="api-key-role"
          >
            {roleOptions.map((option) => (
              <option key={option} value={option}>
                {t(`role.${option}`)}
              </option>
            ))}
          </select>
          <p id={`${formId}-role-hint`} className="field__hint">
            {t(`users.roleHint.${role}`)}
          </p>
          {errorOf('role')}
        </div>
        <div className={`field${fieldErrors.rateLimit ? ' field--invalid' : ''}`}>
          <label htmlFor={`${formId}-rateLimit`}>{t('apiKeys.rateLimit')}</label>
          <input
            id={`${formId}-rateLimit`}
            type="number"
            min={1}
            max={10000}
            step={1}
            inputMode="numeric"
            value={rateLimit}
            onChange={(event) => setRateLimit(event.target.value)}
            aria-invalid={fieldErrors.rateLimit ? true : undefined}
            aria-describedby={describe('rateLimit', true)}
            data-testid="api-key-rate"
          />
          <p id={`${formId}-rateLimit-hint`} className="field__hint">
            {t('apiKeys.rateLimitHint')}
          </p>
          {errorOf('rateLimit')}
        </div>
      </form>
    </Modal>
  );
}

/** The new key's secret, once, with what a partner needs to start signing requests. */
function SecretDialog({ created, onClose }: { created: CreatedApiKey; onClose: () => void }) {
  const { t } = useI18n();
  const headers = Object.entries(created.usage.headers);
  return (
    <Modal
      title={t('apiKeys.secretTitle', { name: created.name })}
      onClose={onClose}
      testId="api-key-secret-dialog"
      footer={
        <button type="button" className="button button--primary" onClick={onClose} data-testid="api-key-secret-done">
          {t('apiKeys.done')}
        </button>
      }
    >
      <p className="notice notice--warning" role="alert" data-testid="api-key-secret-warning">
        <strong>⚠ </strong>
        {t('apiKeys.secretWarning')}
      </p>
      <CopyField label={t('apiKeys.keyId')} value={created.id} testId="api-key-id" />
      <CopyField label={t('apiKeys.secret')} value={created.secret} testId="api-key-secret" />
      <details className="howto" open>
        <summary>{t('apiKeys.howTo')}</summary>
        <p>{t('apiKeys.howToHeaders')}</p>
        <pre className="code" data-testid="api-key-usage-headers">
          {headers.map(([name, value]) => `${name}: ${value}`).join('\n')}
        </pre>
        <p>{t('apiKeys.howToString')}</p>
        <pre className="code">{created.usage.stringToSign}</pre>
        <p className="muted">
          {t('apiKeys.howToLimits', { rate: created.usage.rateLimit.requestsPerSecond, burst: created.usage.rateLimit.burst })}
        </p>
      </details>
    </Modal>
  );
}

function CopyField({ label, value, testId }: { label: string; value: string; testId: string }) {
  const { t } = useI18n();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      // No clipboard permission (or not a secure context): leave the text selected for Ctrl+C.
      input.current?.select();
      setState('failed');
    }
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy">
        <input id={id} ref={input} className="mono" readOnly value={value} onFocus={(event) => event.target.select()} data-testid={testId} />
        <button type="button" className="button" onClick={copy} data-testid={`${testId}-copy`}>
          {state === 'copied' ? `✓ ${t('common.copied')}` : t('common.copy')}
        </button>
      </div>
      {state === 'failed' ? (
        <p className="field__hint" role="status">
          {t('common.copyFailed')}
        </p>
      ) : null}
    </div>
  );
}
