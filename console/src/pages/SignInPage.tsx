import { useState, type FormEvent } from 'react';
import { ApiError, NetworkError, type ApiClient, type SignInResult } from '../api';
import { Logo } from '../components/Layout';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useI18n } from '../i18n/I18nProvider';

export function SignInPage({
  api,
  stage,
  expired,
  onSignedIn,
}: {
  api: ApiClient;
  stage: string;
  expired: boolean;
  onSignedIn: (result: SignInResult) => void;
}) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api.signIn(email.trim(), password));
    } catch (caught) {
      // The API's detail says why (wrong password, locked, suspended, expired…); show it as is.
      if (caught instanceof ApiError) setError(caught.problem.detail ?? t('signIn.failed'));
      else if (caught instanceof NetworkError) setError(t('common.network'));
      else setError(t('signIn.failed'));
      setBusy(false);
    }
  }

  return (
    <div className="signin">
      <div className="signin__language">
        <LanguageSwitch />
      </div>
      <main className="signin__card">
        <div className="signin__brand">
          <Logo />
          <div>
            <div className="signin__product">{t('app.name')}</div>
            <div className="signin__tagline">{t('app.tagline')}</div>
          </div>
        </div>
        <h1>{t('signIn.title')}</h1>
        <p className="muted">{t('signIn.subtitle')}</p>
        {expired && !error ? (
          <p className="notice notice--info" role="status">
            {t('signIn.sessionExpired')}
          </p>
        ) : null}
        {error ? (
          <p className="notice notice--error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        ) : null}
        <form onSubmit={submit} noValidate={false}>
          <div className="field">
            <label htmlFor="signin-email">{t('signIn.email')}</label>
            <input
              id="signin-email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              data-testid="sign-in-email"
            />
          </div>
          <div className="field">
            <label htmlFor="signin-password">{t('signIn.password')}</label>
            <input
              id="signin-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              data-testid="sign-in-password"
            />
          </div>
          <button type="submit" className="button button--primary button--block" disabled={busy} data-testid="sign-in-submit">
            {busy ? t('signIn.submitting') : t('signIn.submit')}
          </button>
        </form>
        {stage === 'local' ? (
          <p className="signin__hint muted">{t('signIn.demoHint', { email: 'admin@pigeon.local', password: 'pigeon-demo' })}</p>
        ) : null}
      </main>
    </div>
  );
}
