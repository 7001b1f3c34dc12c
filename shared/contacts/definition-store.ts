/**
 * The DefinitionStore port (custom fields, groups, categories of a workspace) and a short
 * per-container cache in front of it.
 *
 * Contracts every implementation keeps:
 * - field names are unique per workspace: `createField` throws `ConflictError` on a taken name;
 * - `updateField` writes only if the stored revision is still `previous.revision` (else
 *   `StaleVersionError`) AND, when the type changes, the field was never used, AND none of
 *   `removedChoices` was ever stored (else `FieldInUseError`) — checked in the same conditional
 *   write, so a contact write that marks the usage first can never be overtaken;
 * - `markUsage` records usage only if the revision is still the one the caller validated against
 *   (returns false otherwise: reload and validate again);
 * - groups and categories are written with an optimistic version (`StaleVersionError`).
 */
import { ConflictError } from '../errors';
import type { Clock } from '../ports/clock';
import type { Category, CustomFieldDefinition, Definitions, Group } from './definitions';

export type DefinitionKind = 'group' | 'category';

export interface DefinitionStore {
  /** Every definition of the workspace, read consistently. */
  load(workspaceId: string): Promise<Definitions>;
  createField(workspaceId: string, field: CustomFieldDefinition): Promise<void>;
  updateField(workspaceId: string, next: CustomFieldDefinition, previous: CustomFieldDefinition, guard: { typeChanged: boolean; removedChoices: readonly string[] }): Promise<void>;
  deleteField(workspaceId: string, field: CustomFieldDefinition): Promise<void>;
  markUsage(workspaceId: string, field: CustomFieldDefinition, choices: readonly string[]): Promise<boolean>;
  /** Creates (previousVersion undefined) or replaces a group / category. */
  put(workspaceId: string, kind: 'group', item: Group, previousVersion?: number): Promise<void>;
  put(workspaceId: string, kind: 'category', item: Category, previousVersion?: number): Promise<void>;
  remove(workspaceId: string, kind: DefinitionKind, id: string): Promise<void>;
}

export class FieldInUseError extends ConflictError {}

export class DuplicateFieldError extends ConflictError {
  constructor(name: string) {
    super(`A field named ${name} already exists in this workspace`, [{ field: 'name', message: 'Already used by another field' }]);
  }
}

/** How long a container trusts the definitions it read (its own writes drop the entry at once). */
export const definitionsCacheMs = 5_000;
const maxCachedWorkspaces = 500;

/**
 * A brief per-container cache: contact reads and writes need the definitions on every call, and
 * a Lambda container serves one workspace's bursts. At most `ttlMs` stale for changes made by
 * other containers; the rules that must not race (type changes, removed choices) are enforced by
 * conditional writes in the store, never by this cache.
 */
export class CachedDefinitions {
  private readonly entries = new Map<string, { at: number; value: Promise<Definitions> }>();

  constructor(
    private readonly store: DefinitionStore,
    private readonly clock: Clock,
    private readonly ttlMs = definitionsCacheMs,
  ) {}

  get(workspaceId: string, options: { fresh?: boolean } = {}): Promise<Definitions> {
    const now = this.clock.now().getTime();
    const entry = this.entries.get(workspaceId);
    if (entry && !options.fresh && now - entry.at < this.ttlMs) return entry.value;
    const value = this.store.load(workspaceId);
    // A failed load is not remembered.
    value.catch(() => this.entries.delete(workspaceId));
    this.entries.delete(workspaceId);
    this.entries.set(workspaceId, { at: now, value });
    if (this.entries.size > maxCachedWorkspaces) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  invalidate(workspaceId: string): void {
    this.entries.delete(workspaceId);
  }
}
