/**
 * The ports an import runs on. Adapters: shared/adapters/aws/job-store.dynamodb.ts (jobs table),
 * shared/adapters/aws/import-files.s3.ts (uploads bucket; s3rver locally), and the contact store
 * (shared/adapters/aws/contact-store.dynamodb.ts), whose bulk methods are declared here.
 */
import type { Contact } from '../../contacts/contact';
import type { ContactStore } from '../../contacts/contact-store';
import type { ImportJob, ImportStatus } from './model';

export interface JobPage {
  readonly items: ImportJob[];
  readonly nextCursor?: string;
}

/** Conditions a job write needs; all given must hold, else the write does nothing (returns undefined). */
export interface JobCondition {
  readonly statusIn?: readonly ImportStatus[];
  /** The lease is held by this owner. */
  readonly leaseOwner?: string;
  /** The lease is free or expired at this time (epoch ms), or held by `leaseOwnerOrFree`. */
  readonly leaseFreeAt?: number;
  readonly leaseOwnerOrFree?: string;
}

export interface JobStore {
  create(job: ImportJob): Promise<void>;
  get(workspaceId: string, id: string): Promise<ImportJob | undefined>;
  /** Newest first. */
  list(workspaceId: string, options: { limit: number; cursor?: string }): Promise<JobPage>;
  /**
   * Sets the given attributes (undefined values are removed) if `condition` holds; returns the job
   * as written, or undefined when the condition failed (someone else moved it first).
   */
  update(workspaceId: string, id: string, patch: Partial<Omit<ImportJob, 'id' | 'workspaceId'>>, condition: JobCondition): Promise<ImportJob | undefined>;
}

export interface ReportSink {
  write(text: string | Uint8Array): Promise<void>;
  /** Finishes the object (a multipart upload, or one put when small). */
  end(): Promise<void>;
  abort(): Promise<void>;
}

/** The uploads bucket as imports use it. */
export interface ImportFiles {
  presignPut(key: string, expiresInSeconds: number): Promise<{ url: string; headers: Record<string, string> }>;
  startMultipart(key: string, contentType?: string): Promise<string>;
  presignPart(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string>;
  completeMultipart(key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<void>;
  /** Object size, or undefined when there is no such object. */
  size(key: string): Promise<number | undefined>;
  /** Streams the object. */
  read(key: string): AsyncIterable<Uint8Array>;
  put(key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  /** A streamed upload (multipart in parts of a few MiB): memory stays flat whatever the size. */
  openSink(key: string, contentType: string): ReportSink;
  presignGet(key: string, expiresInSeconds: number, downloadName: string): Promise<string>;
  deleteMany(keys: readonly string[]): Promise<void>;
}

/** The contact store with the bulk, idempotent paths an import needs. */
export interface ImportContactStore extends ContactStore {
  /**
   * Creates the contact unless one with its id exists (then nothing is written and false is
   * returned). E-mail uniqueness as in `create` (DuplicateEmailError); a retry of the same write
   * never releases the claim its earlier attempt made.
   */
  createIfAbsent(workspaceId: string, contact: Contact): Promise<boolean>;
  /** The contacts currently holding these (lower-cased) e-mails. */
  findByEmails(workspaceId: string, emails: readonly string[]): Promise<Map<string, Contact>>;
  getMany(workspaceId: string, ids: readonly string[]): Promise<Map<string, Contact>>;
  /** Every contact of the workspace, a page at a time, in storage order. */
  scan(workspaceId: string, options: { limit: number; cursor?: string }): Promise<{ items: Contact[]; cursor?: string }>;
}
