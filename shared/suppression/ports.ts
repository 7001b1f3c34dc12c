/**
 * The SuppressionStore port. Adapter: shared/adapters/aws/suppression-store.dynamodb.ts (the
 * `suppression` table; dynalite / DynamoDB Local here).
 *
 * Contracts every implementation keeps:
 * - addresses are compared and stored lower-cased (callers may pass any case);
 * - `add` never weakens an entry: the stronger reason wins (complaint > bounce > unsubscribe >
 *   manual) and the first time is kept, whatever order concurrent adds arrive in;
 * - `filterSuppressed` answers for every address it is given (large inputs are read in batches,
 *   throttled reads retried), returning the suppressed ones lower-cased;
 * - cursors are opaque; one the store did not issue throws ValidationError on field `cursor`.
 */
import type { SuppressionEntry, SuppressionPage, SuppressionRecord } from './model';

export interface SuppressionStore {
  add(workspaceId: string, entries: readonly SuppressionEntry[]): Promise<void>;
  /** Takes the address off the list (whatever its reason); nothing happens when it is not on it. */
  remove(workspaceId: string, email: string): Promise<void>;
  get(workspaceId: string, email: string): Promise<SuppressionRecord | undefined>;
  /** The given addresses that are suppressed, lower-cased. */
  filterSuppressed(workspaceId: string, emails: readonly string[]): Promise<Set<string>>;
  /** In address order. */
  list(workspaceId: string, options: { limit: number; cursor?: string }): Promise<SuppressionPage>;
}
