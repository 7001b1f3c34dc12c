/**
 * Hash-based routing (`#/contacts`, `#/reports`, `#/users`, `#/api-keys`): the console is static files on S3 /
 * CloudFront and the sandbox's file server, neither of which rewrites deep paths to index.html,
 * whereas a hash survives a reload anywhere.
 */
import { useEffect, useState } from 'react';
import { type Role } from './api';

export const pages = ['contacts', 'segments', 'groups', 'fields', 'categories', 'imports', 'exports', 'reports', 'users', 'api-keys'] as const;
/**
 * The e-mail campaign pages (電子郵件任務, 審核設定 at #/settings/approval and 互動積分設定 at
 * #/settings/engagement, 點數): listed apart until
 * test/unit/console-routing.test.ts names their list routes too (GET /campaigns,
 * /settings/approval, /quotas); pageAccess below follows those routes all the same.
 */
export const campaignPages = ['campaigns', 'settings', 'quotas'] as const;
export type PageId = (typeof pages)[number] | (typeof campaignPages)[number];
const allPages: readonly PageId[] = [...pages, ...campaignPages];

/** The least role that may open each page, as the API's routes require (shared/api/routes.ts). */
export const pageAccess: Readonly<Record<PageId, Role>> = {
  contacts: 'viewer',
  segments: 'viewer', // GET /segments; operators build them
  groups: 'viewer', // GET /groups; managers change and share them
  fields: 'viewer', // GET /fields; only admins define them
  categories: 'viewer', // GET /categories; only admins change them
  imports: 'viewer', // GET /imports: viewers see the history and reports; uploading needs operator
  exports: 'operator', // GET /exports
  reports: 'viewer', // GET /reports/comparison (報表管理: campaigns side by side); generating a report admits viewers too
  users: 'manager', // GET /users; only admins change anything
  'api-keys': 'admin',
  campaigns: 'viewer', // GET /campaigns; operators compose and launch, managers approve
  settings: 'viewer', // GET /settings/approval and /settings/engagement; only admins change them
  quotas: 'viewer', // GET /quotas (own and own department's; admins all); only admins set points
};

const rank: Readonly<Record<Role, number>> = { admin: 0, manager: 1, operator: 2, viewer: 3 };

export function canOpen(role: Role, page: PageId): boolean {
  return rank[role] <= rank[pageAccess[page]];
}

export const hrefOf = (page: PageId) => `#/${page}`;

/** The settings page's sections (`#/settings/<section>`); anything else shows the first. */
export const settingsSections = ['approval', 'engagement'] as const;
export type SettingsSection = (typeof settingsSections)[number];

export function settingsSectionOf(path: string): SettingsSection {
  const name = path.split('/')[0] ?? '';
  return (settingsSections as readonly string[]).includes(name) ? (name as SettingsSection) : 'approval';
}

/** The page a hash names, or undefined for an empty or unknown one. */
export function pageOf(hash: string): PageId | undefined {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (allPages as readonly string[]).includes(name ?? '') ? (name as PageId) : undefined;
}

/**
 * The page to show for the current hash and role. An unknown hash, or one the role may not open
 * (say, a bookmark from an admin's session), falls back to contacts and the address bar follows.
 */
export function useRoute(role: Role): PageId {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const wanted = pageOf(hash);
  const page = wanted && canOpen(role, wanted) ? wanted : 'contacts';
  useEffect(() => {
    // A sub-path of the right page (#/imports/<id>) stays; anything else is put right.
    if (pageOf(window.location.hash) !== page) window.history.replaceState(null, '', hrefOf(page));
  }, [page]);
  return page;
}

/** What follows the page in the hash: `#/imports/abc?x=1` → { path: 'abc', query: x=1 }. */
export function subRouteOf(hash: string): { path: string; query: URLSearchParams } {
  const rest = hash.replace(/^#\/?[^/?]*/, '');
  const [pathPart = '', queryPart = ''] = rest.split('?', 2);
  return { path: decodeURIComponent(pathPart.replace(/^\//, '')), query: new URLSearchParams(queryPart) };
}

/** The current hash's sub-route, following changes. */
export function useSubRoute(): { path: string; query: URLSearchParams } {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return subRouteOf(hash);
}
