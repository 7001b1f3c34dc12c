import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { createApiClient, type ApiClient, type SignedInUser, type SignInResult } from './api';
import { Layout } from './components/Layout';
import { type ConsoleConfig } from './config';
import { useI18n } from './i18n/I18nProvider';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { CategoriesPage } from './pages/CategoriesPage';
import { ContactsPage } from './pages/ContactsPage';
import { ExportsPage } from './pages/ExportsPage';
import { FieldsPage } from './pages/FieldsPage';
import { GroupsPage } from './pages/GroupsPage';
import { ImportsPage } from './pages/ImportsPage';
import { SegmentsPage } from './pages/SegmentsPage';
import { SignInPage } from './pages/SignInPage';
import { UsersPage } from './pages/UsersPage';
import { settingsSectionOf, useRoute, useSubRoute } from './routing';
import { clearSession, loadSession, saveSession, sessionFrom, type Session } from './session';

// The campaign and report pages load on their first visit, so sign-in and the contact pages stay as small as they were.
const CampaignsPage = lazy(() => import('./pages/CampaignsPage').then((m) => ({ default: m.CampaignsPage })));
const ApprovalSettingsPage = lazy(() => import('./pages/ApprovalSettingsPage').then((m) => ({ default: m.ApprovalSettingsPage })));
const EngagementSettingsPage = lazy(() => import('./pages/EngagementSettingsPage').then((m) => ({ default: m.EngagementSettingsPage })));
const QuotasPage = lazy(() => import('./pages/QuotasPage').then((m) => ({ default: m.QuotasPage })));
const ReportsPage = lazy(() => import('./pages/ReportsPage').then((m) => ({ default: m.ReportsPage })));

function PageLoading() {
  const { t } = useI18n();
  return (
    <div className="state" role="status">
      <span className="spinner" aria-hidden="true" />
      {t('common.loading')}
    </div>
  );
}

export function App({ config }: { config: ConsoleConfig }) {
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const [expired, setExpired] = useState(false);

  const signOut = useCallback((reason?: 'expired') => {
    clearSession();
    setSession(undefined);
    setExpired(reason === 'expired');
  }, []);

  // The token is read through a closure so the client never holds a stale one.
  const api = useMemo(
    () =>
      createApiClient({
        apiUrl: config.apiUrl,
        token: () => session?.idToken,
        onUnauthorized: () => signOut('expired'),
      }),
    [config.apiUrl, session, signOut],
  );

  // Sign out when the token expires, even if the user does nothing meanwhile.
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(() => signOut('expired'), Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session, signOut]);

  const onSignedIn = useCallback((result: SignInResult) => {
    const next = sessionFrom(result);
    saveSession(next);
    setExpired(false);
    setSession(next);
  }, []);

  if (!session) {
    return <SignInPage api={api} stage={config.stage} expired={expired} onSignedIn={onSignedIn} />;
  }
  return <SignedIn session={session} stage={config.stage} api={api} onSignOut={() => signOut()} />;
}

/** `#/settings/approval` (審核設定) or `#/settings/engagement` (互動積分設定); a bare `#/settings` shows the first. */
function SettingsPage({ api, user }: { api: ApiClient; user: SignedInUser }) {
  const { path } = useSubRoute();
  return settingsSectionOf(path) === 'engagement' ? <EngagementSettingsPage api={api} user={user} /> : <ApprovalSettingsPage api={api} user={user} />;
}

function SignedIn({ session, stage, api, onSignOut }: { session: Session; stage: string; api: ApiClient; onSignOut: () => void }) {
  const page = useRoute(session.user.role);
  return (
    <Layout user={session.user} stage={stage} page={page} onSignOut={onSignOut}>
      <Suspense fallback={<PageLoading />}>
        {page === 'users' ? (
          <UsersPage api={api} user={session.user} />
        ) : page === 'api-keys' ? (
          <ApiKeysPage api={api} />
        ) : page === 'imports' ? (
          <ImportsPage api={api} role={session.user.role} />
        ) : page === 'exports' ? (
          <ExportsPage api={api} />
        ) : page === 'segments' ? (
          <SegmentsPage api={api} role={session.user.role} />
        ) : page === 'groups' ? (
          <GroupsPage api={api} user={session.user} />
        ) : page === 'fields' ? (
          <FieldsPage api={api} role={session.user.role} />
        ) : page === 'categories' ? (
          <CategoriesPage api={api} role={session.user.role} />
        ) : page === 'campaigns' ? (
          <CampaignsPage api={api} user={session.user} />
        ) : page === 'settings' ? (
          <SettingsPage api={api} user={session.user} />
        ) : page === 'quotas' ? (
          <QuotasPage api={api} user={session.user} />
        ) : page === 'reports' ? (
          <ReportsPage api={api} />
        ) : (
          <ContactsPage api={api} role={session.user.role} />
        )}
      </Suspense>
    </Layout>
  );
}
