import { type ReactNode } from 'react';
import { type SignedInUser } from '../api';
import { useI18n } from '../i18n/I18nProvider';
import { type MessageKey } from '../i18n/en';
import { LanguageSwitch } from './LanguageSwitch';

/** Sections still to come are listed, disabled and labelled, so the shape of the product shows. */
const laterSections: readonly MessageKey[] = ['nav.campaigns', 'nav.reports', 'nav.settings'];

export function Layout({
  user,
  stage,
  onSignOut,
  children,
}: {
  user: SignedInUser;
  stage: string;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <div className="shell">
      <header className="topbar">
        <div className="topbar__brand">
          <Logo />
          <span className="topbar__product">{t('app.name')}</span>
          {stage && stage !== 'prod' ? <span className="badge badge--stage">{stage}</span> : null}
        </div>
        <dl className="topbar__facts">
          <div>
            <dt>{t('topbar.workspace')}</dt>
            <dd data-testid="workspace" title={user.workspaceId}>
              {user.workspaceId}
            </dd>
          </div>
          <div>
            <dt>{t('topbar.user')}</dt>
            <dd data-testid="user" title={user.email}>
              {user.name ?? user.email}
            </dd>
          </div>
          <div>
            <dt>{t('topbar.role')}</dt>
            <dd data-testid="role">{t(`role.${user.role}`)}</dd>
          </div>
        </dl>
        <div className="topbar__actions">
          <LanguageSwitch tone="dark" />
          <button type="button" className="button button--ghost-dark" onClick={onSignOut} data-testid="sign-out">
            {t('topbar.signOut')}
          </button>
        </div>
      </header>
      <nav className="sidenav" aria-label={t('nav.label')}>
        <ul>
          <li>
            <a href="#/contacts" className="sidenav__item sidenav__item--active" aria-current="page" data-testid="nav-contacts">
              <span aria-hidden="true" className="sidenav__icon">
                ☰
              </span>
              {t('nav.contacts')}
            </a>
          </li>
          {laterSections.map((key) => (
            <li key={key}>
              <span className="sidenav__item sidenav__item--later" aria-disabled="true">
                <span aria-hidden="true" className="sidenav__icon">
                  ○
                </span>
                {t(key)}
                <span className="badge badge--later">{t('nav.comingSoon')}</span>
              </span>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content">{children}</main>
    </div>
  );
}

export function Logo() {
  // A simple paper-plane-like pigeon mark, inline so it needs no asset request.
  return (
    <svg className="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="currentColor" opacity="0.15" />
      <path d="M6 16.5 26 8l-6.5 17-4.2-6.3L6 16.5Z" fill="currentColor" />
      <path d="m15.3 18.7 10.7-10.7" stroke="#0b1f3a" strokeWidth="1.4" />
    </svg>
  );
}
