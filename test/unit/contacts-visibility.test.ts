/**
 * The visibility rules as a table: every kind of principal × the contact's department (the
 * principal's own, another, none) × how a group holding it is shared with the principal (not,
 * read, readWrite; through the department or the user) → may it read, may it write.
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/api/operation';
import type { Group, GroupShare } from '../../shared/contacts/definitions';
import { visibilityOf } from '../../shared/contacts/visibility';

const OWN = 'dep_own';
const OTHER = 'dep_other';

/** null: a user without a department. */
const user = (role: Principal['role'], departmentId: string | null = OWN): Principal => ({
  kind: 'user',
  id: `u_${role}`,
  workspaceId: 'ws',
  role,
  ...(departmentId ? { departmentId } : {}),
});
const apiKey = (role: Principal['role']): Principal => ({ kind: 'apiKey', id: `key_${role}`, workspaceId: 'ws', role });

const group = (id: string, departmentId: string | undefined, sharedWith: GroupShare[] = []): Group => ({
  id,
  name: id,
  ...(departmentId ? { departmentId } : {}),
  sharedWith,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
});

type Dept = 'own' | 'other' | 'none';
type Share = 'none' | 'read' | 'readWrite';
/** '-' hidden, 'r' read only, 'rw' read and write. */
type Access = '-' | 'r' | 'rw';
type Row = Record<Dept, Record<Share, Access>>;

const everything: Row = { own: { none: 'rw', read: 'rw', readWrite: 'rw' }, other: { none: 'rw', read: 'rw', readWrite: 'rw' }, none: { none: 'rw', read: 'rw', readWrite: 'rw' } };
const readEverything: Row = { own: { none: 'r', read: 'r', readWrite: 'r' }, other: { none: 'r', read: 'r', readWrite: 'r' }, none: { none: 'r', read: 'r', readWrite: 'r' } };
/** Operators and managers of a department: theirs, plus what is shared; the no-department pool read-only. */
const departmentWriter: Row = { own: { none: 'rw', read: 'rw', readWrite: 'rw' }, other: { none: '-', read: 'r', readWrite: 'rw' }, none: { none: 'r', read: 'r', readWrite: 'rw' } };
const departmentViewer: Row = { own: { none: 'r', read: 'r', readWrite: 'r' }, other: { none: '-', read: 'r', readWrite: 'r' }, none: { none: 'r', read: 'r', readWrite: 'r' } };

const table: [string, Principal, Row][] = [
  ['admin user', user('admin'), everything],
  ['admin user without a department', user('admin', null), everything],
  ['manager', user('manager'), departmentWriter],
  ['operator', user('operator'), departmentWriter],
  ['viewer', user('viewer'), departmentViewer],
  ['admin API key', apiKey('admin'), everything],
  ['operator API key', apiKey('operator'), everything],
  ['viewer API key', apiKey('viewer'), readEverything],
];

/**
 * The contact under test is in group `g`, owned by OTHER, shared as asked. "own"/"other"/"none"
 * is relative to the principal's department (for API keys, which have none, OWN stands in).
 */
function access(principal: Principal, dept: Dept, share: Share, via: 'department' | 'user'): Access {
  const target = via === 'department' ? (principal.departmentId ?? OWN) : principal.id;
  const sharedWith: GroupShare[] = share === 'none' ? [] : [{ kind: via, id: target, access: share }];
  const visibility = visibilityOf(principal, [group('g', OTHER, sharedWith)]);
  const departmentId = dept === 'own' ? (principal.departmentId ?? OWN) : dept === 'other' ? OTHER : undefined;
  const contact = { groups: ['g'], ...(departmentId ? { departmentId } : {}) };
  const read = visibility.canRead(contact);
  const write = visibility.canWrite(contact);
  if (write && !read) throw new Error('write without read');
  expect(visibility.writeRefusal(contact) === undefined).toBe(write);
  return write ? 'rw' : read ? 'r' : '-';
}

describe('contact visibility rules', () => {
  for (const [name, principal, row] of table) {
    for (const dept of ['own', 'other', 'none'] as const) {
      for (const share of ['none', 'read', 'readWrite'] as const) {
        const vias = principal.kind === 'apiKey' ? (['user'] as const) : (['department', 'user'] as const);
        for (const via of vias) {
          it(`${name}: ${dept} department, shared ${share}${share === 'none' ? '' : ` with the ${via}`} → ${row[dept][share]}`, () => {
            expect(access(principal, dept, share, via)).toBe(row[dept][share]);
          });
        }
      }
    }
  }

  it('a user without a department owns the no-department pool and reads nothing of other departments unshared', () => {
    const loner = visibilityOf(user('operator', null), [group('g', OTHER)]);
    expect(loner.canWrite({ groups: [] })).toBe(true);
    expect(loner.canRead({ departmentId: OTHER, groups: ['g'] })).toBe(false);
    // A department share names a department: a user without one is never in it.
    const byDepartment = visibilityOf(user('operator', null), [group('g', OTHER, [{ kind: 'department', id: OWN, access: 'readWrite' }])]);
    expect(byDepartment.canRead({ departmentId: OTHER, groups: ['g'] })).toBe(false);
  });

  it('ignores shares naming someone else and groups that no longer exist', () => {
    const me = user('operator');
    const visibility = visibilityOf(me, [
      group('g1', OTHER, [{ kind: 'department', id: 'dep_third', access: 'readWrite' }]),
      group('g2', OTHER, [{ kind: 'user', id: 'u_someone', access: 'readWrite' }]),
    ]);
    expect(visibility.canRead({ departmentId: OTHER, groups: ['g1', 'g2', 'deleted'] })).toBe(false);
    expect(visibility.scope).toEqual({ departmentId: OWN, readGroups: [] });
  });

  it('says why it refuses a write', () => {
    const operator = visibilityOf(user('operator'), [group('g', OTHER, [{ kind: 'department', id: OWN, access: 'read' }])]);
    expect(operator.writeRefusal({ departmentId: OTHER, groups: ['g'] })).toContain('read-only');
    expect(operator.writeRefusal({ groups: [] })).toContain('no department');
    expect(visibilityOf(user('viewer'), []).writeRefusal({ departmentId: OWN, groups: [] })).toContain('viewer');
  });

  it('gives stores the restriction to push down: own department and the groups shared with the principal', () => {
    const visibility = visibilityOf(user('viewer'), [
      group('b', OTHER, [{ kind: 'user', id: 'u_viewer', access: 'read' }]),
      group('a', OTHER, [{ kind: 'department', id: OWN, access: 'readWrite' }]),
      group('c', OTHER),
    ]);
    expect(visibility.all).toBe(false);
    expect(visibility.scope).toEqual({ departmentId: OWN, readGroups: ['a', 'b'] });
    expect(visibilityOf(user('admin'), []).scope).toBeUndefined();
    expect(visibilityOf(apiKey('viewer'), []).all).toBe(true);
  });
});

describe('group visibility, use and management', () => {
  const groups = {
    own: group('own', OWN),
    common: group('common', undefined),
    other: group('other', OTHER),
    sharedRead: group('sharedRead', OTHER, [{ kind: 'department', id: OWN, access: 'read' }]),
    sharedWrite: group('sharedWrite', OTHER, [{ kind: 'user', id: 'u_operator', access: 'readWrite' }]),
  };
  const names = Object.keys(groups) as (keyof typeof groups)[];
  const which = (test: (g: Group) => boolean) => names.filter((n) => test(groups[n]));

  it('a department user sees its department\'s groups, the common ones and those shared with it', () => {
    const operator = visibilityOf(user('operator'), Object.values(groups));
    expect(which((g) => operator.canSeeGroup(g))).toEqual(['own', 'common', 'sharedRead', 'sharedWrite']);
    expect(which((g) => operator.canUseGroup(g))).toEqual(['own', 'common', 'sharedWrite']);
    expect(which((g) => operator.canManageGroup(g))).toEqual([]);
    const viewer = visibilityOf(user('viewer'), Object.values(groups));
    expect(which((g) => viewer.canUseGroup(g))).toEqual([]);
  });

  it('a manager manages only its own department\'s groups; admins and manager keys any', () => {
    const manager = visibilityOf(user('manager'), Object.values(groups));
    expect(which((g) => manager.canManageGroup(g))).toEqual(['own']);
    const admin = visibilityOf(user('admin'), []);
    expect(which((g) => admin.canSeeGroup(g) && admin.canUseGroup(g) && admin.canManageGroup(g))).toEqual(names);
    expect(which((g) => visibilityOf(apiKey('manager'), []).canManageGroup(g))).toEqual(names);
    expect(which((g) => visibilityOf(apiKey('operator'), []).canManageGroup(g))).toEqual([]);
  });
});
