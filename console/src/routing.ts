/**
 * Hash-based routing (`#/contacts`, `#/users`, `#/api-keys`): the console is static files on S3 /
 * CloudFront and the sandbox's file server, neither of which rewrites deep paths to index.html,
 * whereas a hash survives a reload anywhere.
 */
import { useEffect, useState } from 'react';
import { type Role } from './api';

export const pages = ['contacts', 'users', 'api-keys'] as const;
export type PageId = (typeof pages)[number];

/** The least role that may open each page, as the API's routes require (shared/api/routes.ts). */
export const pageAccess: Readonly<Record<PageId, Role>> = {
  contacts: 'viewer',
  users: 'manager', // GET /users; only admins change anything
  'api-keys': 'admin',
};

const rank: Readonly<Record<Role, number>> = { admin: 0, manager: 1, operator: 2, viewer: 3 };

export function canOpen(role: Role, page: PageId): boolean {
  return rank[role] <= rank[pageAccess[page]];
}

export const hrefOf = (page: PageId) => `#/${page}`;

/** The page a hash names, or undefined for an empty or unknown one. */
export function pageOf(hash: string): PageId | undefined {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (pages as readonly string[]).includes(name ?? '') ? (name as PageId) : undefined;
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
    if (window.location.hash !== hrefOf(page)) window.history.replaceState(null, '', hrefOf(page));
  }, [page]);
  return page;
}
