/**
 * What segments (and exports) run on. Adapters: shared/adapters/aws/segment-store.dynamodb.ts and
 * shared/adapters/aws/contact-scanner.dynamodb.ts (DynamoDB in AWS, dynalite / DynamoDB Local here).
 */
import type { ContactRecord } from './evaluate';
import type { RuleTree } from './rules';

export interface Segment {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly rules: RuleTree;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Principal id of the creator. */
  readonly createdBy: string;
  readonly version: number;
}

export interface SegmentStore {
  /** Every segment of the workspace, by name. */
  list(workspaceId: string): Promise<Segment[]>;
  get(workspaceId: string, id: string): Promise<Segment | undefined>;
  /** Creates (previousVersion undefined) or replaces at that version; StaleVersionError otherwise. */
  put(workspaceId: string, segment: Segment, previousVersion?: number): Promise<void>;
  delete(workspaceId: string, id: string): Promise<void>;
}

export interface ScanOptions {
  /**
   * Stored attribute paths to read (`status`, `custom.<fieldId>`, `subscriptions.<categoryId>`);
   * `id`, `departmentId` and `groups` (visibility) always come along. Undefined: whole contacts.
   */
  readonly attributes?: readonly string[];
  /** Concurrent readers (default 8). */
  readonly parallelism?: number;
  /** Items per read (default: as many as DynamoDB returns, up to 1 MB). */
  readonly pageSize?: number;
}

export interface ScanResult {
  /** Contacts read. */
  readonly read: number;
}

export interface ContactPageRead {
  readonly contacts: ContactRecord[];
  /** Pass as `after` to read on; absent at the end. */
  readonly next?: string;
}

/**
 * Reads a workspace's contacts in bulk: `scan` all of them as fast as the store allows (order
 * undefined, pages handed to `onPage` as they arrive from concurrent readers), `page` in id order
 * from a position (resumable: exports checkpoint it).
 */
export interface ContactScanner {
  scan(workspaceId: string, options: ScanOptions, onPage: (contacts: readonly ContactRecord[]) => void): Promise<ScanResult>;
  page(workspaceId: string, options: { after?: string; limit: number }): Promise<ContactPageRead>;
}
