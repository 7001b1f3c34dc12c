/**
 * Who sees and who changes which contacts (OMICard 客戶資源分享: 由管理者設定客戶資料分享的權限，
 * 可分享給特定部門或使用者). One place decides; the contact use cases, imports, exports and
 * segments all ask it.
 *
 * Rules (a "share" is an entry of a group's `sharedWith` naming the principal's department or the
 * principal's own user id):
 * - admins (users) and API keys see and (with role operator+) change the whole workspace;
 * - every other user reads: contacts of their own department, contacts without a department
 *   (the workspace's common pool), and contacts in a group shared with them (read or readWrite);
 * - write needs role operator or above AND (the contact is of their own department OR it is in a
 *   group shared readWrite with them). "Own department" compares department ids, so a user without
 *   a department owns the no-department pool, while a user of a department only reads it;
 * - a group is visible to a user when it has no department, is of their department, or is shared
 *   with them; only visible groups can be named (filters, memberships) — others look nonexistent;
 * - membership of a group changes only where the principal may write the contact AND may use the
 *   group: all-seeing principals, groups of their own department or without one, readWrite shares
 *   (a read-only share cannot be used to pull more contacts into what others see);
 * - managers share, rename and delete the groups of their own department; admins (and manager+ API
 *   keys, which belong to no department) any group. Managers otherwise see what operators see.
 *
 * Sharing takes effect per container within the definitions cache's few seconds (see
 * CachedDefinitions); the container that changed a share sees it at once.
 */
import type { Principal } from '../api/operation';
import { roleAtLeast } from '../auth/roles';
import type { Contact } from './contact';
import type { CachedDefinitions, DefinitionStore } from './definition-store';
import type { Definitions, Group, GroupShare } from './definitions';

/** What visibility looks at on a contact. */
export type VisibilityTarget = Pick<Contact, 'departmentId' | 'groups'>;

/** The restriction as data, for stores that can evaluate it where the contacts are (a query filter). */
export interface VisibilityScope {
  /** The principal's department: its contacts are readable. Contacts without one always are. */
  readonly departmentId?: string;
  /** Existing groups shared with the principal (either access): their members are readable. */
  readonly readGroups: readonly string[];
}

export interface Visibility {
  /** True for admins and API keys: nothing is hidden. */
  readonly all: boolean;
  canRead(contact: VisibilityTarget): boolean;
  canWrite(contact: VisibilityTarget): boolean;
  /** Why canWrite refuses a contact the principal can read (for a 403's detail); undefined when it may write. */
  writeRefusal(contact: VisibilityTarget): string | undefined;
  canSeeGroup(group: Group): boolean;
  /** May add contacts to / remove them from the group (each contact still needs canWrite). */
  canUseGroup(group: Group): boolean;
  /** May rename, delete and share the group (the route already demands manager or above). */
  canManageGroup(group: Group): boolean;
  /** Undefined when `all`; otherwise what canRead checks, for stores to push down. */
  readonly scope?: VisibilityScope;
}

/** Looks up share targets and departments; IdentityStore satisfies it. */
export interface Directory {
  getDepartment(workspaceId: string, id: string): Promise<unknown>;
  getUser(workspaceId: string, id: string): Promise<unknown>;
}

export interface VisibilityDeps {
  readonly definitions: DefinitionStore;
  readonly definitionsCache?: CachedDefinitions;
}

const sharesWith = (principal: Principal) => (share: GroupShare) =>
  (share.kind === 'user' && share.id === principal.id) ||
  (share.kind === 'department' && principal.departmentId !== undefined && share.id === principal.departmentId);

/** The rules for one principal over the workspace's current groups (pure: the unit tests' table). */
export function visibilityOf(principal: Principal, groups: readonly Group[]): Visibility {
  const all = principal.kind === 'apiKey' || principal.role === 'admin';
  const writer = roleAtLeast(principal.role, 'operator');
  const mine = sharesWith(principal);
  const ownDepartment = (departmentId: string | undefined) => departmentId === principal.departmentId;

  const canSeeGroup = (group: Group) => all || group.departmentId === undefined || ownDepartment(group.departmentId) || group.sharedWith.some(mine);
  const canUseGroup = (group: Group) =>
    writer && (all || group.departmentId === undefined || ownDepartment(group.departmentId) || group.sharedWith.some((s) => mine(s) && s.access === 'readWrite'));
  const canManageGroup = (group: Group) => roleAtLeast(principal.role, 'manager') && (all || (principal.kind === 'user' && ownDepartment(group.departmentId)));

  if (all) {
    const refusal = writer ? undefined : `Your role (${principal.role}) may only read contacts`;
    return {
      all,
      canRead: () => true,
      canWrite: () => writer,
      writeRefusal: () => refusal,
      canSeeGroup,
      canUseGroup,
      canManageGroup,
    };
  }

  const readGroups = new Set<string>();
  const writeGroups = new Set<string>();
  for (const group of groups) {
    for (const share of group.sharedWith) {
      if (!mine(share)) continue;
      readGroups.add(group.id);
      if (share.access === 'readWrite') writeGroups.add(group.id);
    }
  }
  const inAny = (contact: VisibilityTarget, ids: Set<string>) => ids.size > 0 && (contact.groups ?? []).some((g) => ids.has(g));
  const canRead = (contact: VisibilityTarget) => contact.departmentId === undefined || ownDepartment(contact.departmentId) || inAny(contact, readGroups);
  const writeRefusal = (contact: VisibilityTarget): string | undefined => {
    if (!writer) return `Your role (${principal.role}) may only read contacts`;
    if (ownDepartment(contact.departmentId) || inAny(contact, writeGroups)) return undefined;
    if (contact.departmentId === undefined) return 'The contact belongs to no department: only an admin (or a user without a department) may change it';
    return 'The contact belongs to another department and is shared with you read-only: ask an admin or its department\'s manager to share it read-write';
  };
  return {
    all,
    canRead,
    canWrite: (contact) => canRead(contact) && writeRefusal(contact) === undefined,
    writeRefusal,
    canSeeGroup,
    canUseGroup,
    canManageGroup,
    scope: { ...(principal.departmentId !== undefined ? { departmentId: principal.departmentId } : {}), readGroups: [...readGroups].sort() },
  };
}

/**
 * The principal's visibility in its workspace. Pass `definitions` when already loaded (same call)
 * to skip a second read; otherwise they come from the per-container cache when there is one.
 */
export async function resolveVisibility(deps: VisibilityDeps, principal: Principal, definitions?: Definitions): Promise<Visibility> {
  if (principal.kind === 'apiKey' || principal.role === 'admin') return visibilityOf(principal, []);
  const defs = definitions ?? (await (deps.definitionsCache ? deps.definitionsCache.get(principal.workspaceId) : deps.definitions.load(principal.workspaceId)));
  return visibilityOf(principal, defs.groups);
}

/** The definitions as this principal sees them: groups it cannot see are left out. */
export function visibleDefinitions(defs: Definitions, visibility: Visibility): Definitions {
  return visibility.all ? defs : { ...defs, groups: defs.groups.filter((g) => visibility.canSeeGroup(g)) };
}
