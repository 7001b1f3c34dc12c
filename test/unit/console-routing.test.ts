import { describe, expect, test } from 'vitest';
import { routes } from '../../shared/api/routes';
import { roleAtLeast, roles } from '../../shared/auth/roles';
import { canOpen, pageAccess, pageOf, pages, settingsSectionOf, subRouteOf } from '../../console/src/routing';

/** The API route each console page lists its data from. */
const listRoute = { contacts: '/contacts', segments: '/segments', groups: '/groups', fields: '/fields', categories: '/categories', imports: '/imports', exports: '/exports', reports: '/reports/comparison', users: '/users', 'api-keys': '/api-keys' } as const;

describe('console routing', () => {
  test('a page is offered to exactly the roles its list route admits', () => {
    for (const page of pages) {
      const route = routes.find((r) => r.method === 'GET' && r.path === listRoute[page]);
      expect(route?.access, page).toBe(pageAccess[page]);
      for (const role of roles) {
        expect(canOpen(role, page), `${role} ${page}`).toBe(roleAtLeast(role, pageAccess[page]));
      }
    }
    expect(canOpen('operator', 'users')).toBe(false);
    expect(canOpen('manager', 'users')).toBe(true);
    expect(canOpen('manager', 'api-keys')).toBe(false);
  });

  test('the hash names the page; anything else names none', () => {
    expect(pageOf('#/users')).toBe('users');
    expect(pageOf('#/api-keys')).toBe('api-keys');
    expect(pageOf('#/reports')).toBe('reports');
    expect(pageOf('#users')).toBe('users');
    expect(pageOf('#/contacts?q=x')).toBe('contacts');
    expect(pageOf('')).toBeUndefined();
    expect(pageOf('#/')).toBeUndefined();
    expect(pageOf('#/nope')).toBeUndefined();
    expect(pageOf('#/constructor')).toBeUndefined();
  });

  test('what follows the page in the hash is its sub-route (an import id, export filters)', () => {
    expect(pageOf('#/imports/imp_123')).toBe('imports');
    expect(subRouteOf('#/imports/imp_123').path).toBe('imp_123');
    expect(subRouteOf('#/imports').path).toBe('');
    expect(subRouteOf('#/exports?group=g1&status=active').query.get('group')).toBe('g1');
    expect(subRouteOf('#/exports?group=g1&status=active').path).toBe('');
  });

  test('the settings page has its sections under it: approval (the default) and the engagement score', () => {
    expect(pageOf('#/settings/engagement')).toBe('settings');
    expect(settingsSectionOf(subRouteOf('#/settings/engagement').path)).toBe('engagement');
    expect(settingsSectionOf(subRouteOf('#/settings/approval').path)).toBe('approval');
    expect(settingsSectionOf(subRouteOf('#/settings').path)).toBe('approval');
    expect(settingsSectionOf(subRouteOf('#/settings/nope').path)).toBe('approval');
    // Both sections read with the same least role (GET /settings/approval and /settings/engagement admit viewers).
    expect(pageAccess.settings).toBe('viewer');
  });
});
