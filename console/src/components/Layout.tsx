import { type ReactNode } from 'react';
import { type SignedInUser } from '../api';
import { useI18n } from '../i18n/I18nProvider';
import { type MessageKey } from '../i18n/en';
import { canOpen, hrefOf, settingsSectionOf, useSubRoute, type PageId, type SettingsSection } from '../routing';
import { CategoryIcon, FieldIcon, GroupIcon, SegmentIcon } from './catalog-icons';
import { LanguageSwitch } from './LanguageSwitch';

/**
 * The sections there are, in menu order; each shows only to roles that may open it. The settings
 * page has two entries, one per section (`sub`), each active on its own sub-route.
 */
const sections: readonly { page: PageId; label: MessageKey; icon: ReactNode; href?: string; sub?: SettingsSection; testId?: string }[] = [
  { page: 'contacts', label: 'nav.contacts', icon: '☰' },
  { page: 'segments', label: 'nav.segments', icon: <SegmentIcon /> },
  { page: 'groups', label: 'nav.groups', icon: <GroupIcon /> },
  { page: 'fields', label: 'nav.fields', icon: <FieldIcon /> },
  { page: 'categories', label: 'nav.categories', icon: <CategoryIcon /> },
  { page: 'imports', label: 'nav.imports', icon: <ImportIcon /> },
  { page: 'exports', label: 'nav.exports', icon: <ExportIcon /> },
  { page: 'campaigns', label: 'nav.emailCampaigns', icon: <CampaignIcon /> },
  { page: 'reports', label: 'nav.reports', icon: <ReportsIcon /> },
  { page: 'quotas', label: 'nav.quotas', icon: <PointsIcon /> },
  { page: 'settings', label: 'nav.approvalSettings', icon: <ApprovalIcon />, href: '#/settings/approval', sub: 'approval' },
  { page: 'settings', label: 'nav.engagementSettings', icon: <ScoreIcon />, href: '#/settings/engagement', sub: 'engagement', testId: 'nav-settings-engagement' },
  { page: 'users', label: 'nav.users', icon: <UsersIcon /> },
  { page: 'api-keys', label: 'nav.apiKeys', icon: <KeyIcon /> },
];

// Inline SVG: emoji and symbol glyphs are missing from many system fonts (they showed as boxes).
function UsersIcon() {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="15" height="15" fill="none" stroke="currentColor" strokeWidth="1.5" focusable="false">
      <circle cx="6" cy="5" r="2.5" />
      <path d="M1.5 14c0-2.5 2-4.3 4.5-4.3s4.5 1.8 4.5 4.3" />
      <path d="M10.5 2.8a2.4 2.4 0 0 1 0 4.5M12 9.9c1.5.5 2.5 2 2.5 4.1" />
    </svg>
  );
}

/** An arrow into a tray: a list coming in. */
function ImportIcon() {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="15" height="15" fill="none" stroke="currentColor" strokeWidth="1.5" focusable="false">
      <path d="M8 1.5v8M4.8 6.5 8 9.7l3.2-3.2" />
      <path d="M2 10.5v3h12v-3" />
    </svg>
  );
}

/** An arrow out of a tray: a list going out. */
function ExportIcon() {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="15" height="15" fill="none" stroke="currentColor" strokeWidth="1.5" focusable="false">
      <path d="M8 9.5v-8M4.8 4.7 8 1.5l3.2 3.2" />
      <path d="M2 10.5v3h12v-3" />
    </svg>
  );
}

function KeyIcon() {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="15" height="15" fill="none" stroke="currentColor" strokeWidth="1.5" focusable="false">
      <circle cx="5" cy="8" r="3" />
      <path d="M8 8h7M12.5 8v2.5M14.5 8v2" />
    </svg>
  );
}

/** An envelope: e-mail campaigns. */
function CampaignIcon() {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="15" height="15" fill="none" stroke="currentColor" strokeWidth="1.5" focusable="false">
      <rect x="1.5" y="3.5" width="13" height="9" rx="1.2" />
      <path d="m2 4.5 6 4.5 6-4.5" />
    </svg>
  );
}

/** Bars on an axis: reports (報表管理). */
function ReportsIcon() {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="15" height="15" fill="none" stroke="currentColor" strokeWidth="1.5" focusable="false">
      <path d="M1.5 14.5h13" />
      <rect x="2.8" y="8" width="2.6" height="6.5" rx="0.5" />
      <rect x="6.7" y="4.5" width="2.6" height="10" rx="0.5" />
      <rect x="10.6" y="1.5" width="2.6" height="13" rx="0.5" />
    </svg>
  );
}

/** A coin: sending points. */
function PointsIcon() {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="15" height="15" fill="none" stroke="currentColor" strokeWidth="1.5" focusable="false">
      <circle cx="8" cy="8" r="6" />
      <path d="M8 4.5v7M6 6.2c0-.8.9-1.2 2-1.2s2 .5 2 1.3-1 1.1-2 1.4-2 .6-2 1.5.9 1.3 2 1.3 2-.4 2-1.2" />
    </svg>
  );
}

/** A check in a shield: approval (審核). */
function ApprovalIcon() {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="15" height="15" fill="none" stroke="currentColor" strokeWidth="1.5" focusable="false">
      <path d="M8 1.5 13.5 3.5v4c0 3.2-2.3 5.8-5.5 7-3.2-1.2-5.5-3.8-5.5-7v-4L8 1.5Z" />
      <path d="m5.5 8 1.8 1.8L10.8 6.3" />
    </svg>
  );
}

/** A star over a rising line: the engagement score (互動積分). */
function ScoreIcon() {
  return (
    <svg className="nav-icon" viewBox="0 0 16 16" width="15" height="15" fill="none" stroke="currentColor" strokeWidth="1.5" focusable="false">
      <path d="m8 1.6 1.5 3 3.3.5-2.4 2.3.6 3.3L8 9.1l-3 1.6.6-3.3-2.4-2.3 3.3-.5L8 1.6Z" />
      <path d="M2 14.5h12" />
    </svg>
  );
}

export function Layout({
  user,
  stage,
  page,
  onSignOut,
  children,
}: {
  user: SignedInUser;
  stage: string;
  page: PageId;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const { path } = useSubRoute();
  const active = (section: (typeof sections)[number]) => section.page === page && (section.sub === undefined || section.sub === settingsSectionOf(path));
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
              {user.workspaceName ?? user.workspaceId}
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
          {sections
            .filter((section) => canOpen(user.role, section.page))
            .map((section) => (
              <li key={section.href ?? section.page}>
                <a
                  href={section.href ?? hrefOf(section.page)}
                  className={`sidenav__item${active(section) ? ' sidenav__item--active' : ''}`}
                  aria-current={active(section) ? 'page' : undefined}
                  data-testid={section.testId ?? `nav-${section.page}`}
                >
                  <span aria-hidden="true" className="sidenav__icon">
                    {section.icon}
                  </span>
                  {t(section.label)}
                </a>
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
