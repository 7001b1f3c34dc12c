/**
 * In-memory ports for the audience unit tests: contacts (read by id, by address, and scanned in a
 * shuffled page order, as the DynamoDB scanner's concurrent readers deliver them), definitions,
 * segments, the suppression list, a blob store and earlier runs' recipients.
 */
import type { Principal } from '../../shared/api/operation';
import type { AudienceDeps, PreviousRecipient } from '../../shared/audience/ports';
import type { Contact } from '../../shared/contacts/contact';
import type { Category, CustomFieldDefinition, Definitions, Group } from '../../shared/contacts/definitions';
import type { BlobStore } from '../../shared/ports/blob-store';
import type { ContactRecord } from '../../shared/segments/evaluate';
import type { ContactScanner, Segment } from '../../shared/segments/ports';
import { normaliseEntries, strongest, suppressionKey, type SuppressionEntry, type SuppressionRecord } from '../../shared/suppression/model';
import type { SuppressionStore } from '../../shared/suppression/ports';

export const ws = 'ws1';
export const at = '2026-01-01T00:00:00.000Z';

export const admin: Principal = { kind: 'user', id: 'u-admin', workspaceId: ws, role: 'admin' };
export const operatorOf = (departmentId: string): Principal => ({ kind: 'user', id: `u-${departmentId}`, workspaceId: ws, role: 'operator', departmentId });

export const contact = (id: string, extra: Partial<Contact> = {}): Contact => ({
  id,
  tags: [],
  status: 'active',
  score: 0,
  groups: [],
  subscriptions: {},
  custom: {},
  createdAt: at,
  updatedAt: at,
  version: 1,
  ...extra,
});

export const field = (id: string, name: string, type: CustomFieldDefinition['type'] = 'text', label?: string): CustomFieldDefinition => ({
  id,
  name,
  label: { en: label ?? name },
  type,
  required: false,
  validation: {},
  revision: 1,
  createdAt: at,
  updatedAt: at,
});

export const group = (id: string, departmentId?: string): Group => ({ id, name: id, ...(departmentId ? { departmentId } : {}), sharedWith: [], createdAt: at, updatedAt: at, version: 1 });
export const category = (id: string): Category => ({ id, name: id, createdAt: at, updatedAt: at, version: 1 });

export class MemoryBlobs implements BlobStore {
  readonly objects = new Map<string, Uint8Array>();
  puts = 0;
  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.puts++;
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  text(key: string): string {
    return new TextDecoder().decode(this.objects.get(key));
  }
}

export class MemorySuppression implements SuppressionStore {
  readonly records = new Map<string, SuppressionRecord>();
  calls = 0;
  async add(_ws: string, entries: readonly SuppressionEntry[]): Promise<void> {
    for (const entry of normaliseEntries(entries)) {
      const stored = this.records.get(entry.email);
      this.records.set(entry.email, stored ? strongest(stored, entry) : entry);
    }
  }
  async remove(_ws: string, email: string): Promise<void> {
    this.records.delete(suppressionKey(email));
  }
  async get(_ws: string, email: string): Promise<SuppressionRecord | undefined> {
    return this.records.get(suppressionKey(email));
  }
  async filterSuppressed(_ws: string, emails: readonly string[]): Promise<Set<string>> {
    this.calls++;
    return new Set(emails.map(suppressionKey).filter((e) => this.records.has(e)));
  }
  async list(): Promise<{ items: SuppressionRecord[] }> {
    return { items: [...this.records.values()] };
  }
}

/** Keeps only the asked paths (`status`, `custom.<id>`, `subscriptions.<id>`) plus what visibility reads. */
function project(contact: Contact, attributes: readonly string[] | undefined): ContactRecord {
  if (!attributes) return { ...contact };
  const out: Record<string, unknown> = { id: contact.id };
  if (contact.departmentId !== undefined) out.departmentId = contact.departmentId;
  if (contact.groups.length > 0) out.groups = contact.groups;
  for (const path of attributes) {
    const [head, child] = path.split('.') as [string, string | undefined];
    const value = (contact as unknown as Record<string, unknown>)[head];
    if (value === undefined) continue;
    if (child === undefined) out[head] = value;
    else if ((value as Record<string, unknown>)[child] !== undefined) {
      out[head] = { ...(out[head] as object), [child]: (value as Record<string, unknown>)[child] };
    }
  }
  return out;
}

export class MemoryContacts implements ContactScanner {
  readonly byId = new Map<string, Contact>();
  scans = 0;
  constructor(contacts: readonly Contact[] = []) {
    for (const c of contacts) this.byId.set(c.id, c);
  }
  async getMany(_ws: string, ids: readonly string[]): Promise<Map<string, Contact>> {
    return new Map(ids.flatMap((id) => (this.byId.has(id) ? [[id, this.byId.get(id) as Contact] as const] : [])));
  }
  async findByEmails(_ws: string, emails: readonly string[]): Promise<Map<string, Contact>> {
    const wanted = new Set(emails);
    return new Map([...this.byId.values()].filter((c) => c.email && wanted.has(c.email)).map((c) => [c.email as string, c]));
  }
  /** Pages of 3 in a random order: what concurrent range readers deliver. */
  async scan(_ws: string, options: { attributes?: readonly string[] }, onPage: (contacts: readonly ContactRecord[]) => void): Promise<{ read: number }> {
    this.scans++;
    const all = [...this.byId.values()].map((c) => project(c, options.attributes));
    const pages: ContactRecord[][] = [];
    for (let i = 0; i < all.length; i += 3) pages.push(all.slice(i, i + 3));
    pages.sort(() => Math.random() - 0.5);
    for (const page of pages) {
      await new Promise((resolve) => setImmediate(resolve));
      onPage(page);
    }
    return { read: all.length };
  }
  async page(): Promise<{ contacts: ContactRecord[] }> {
    throw new Error('freezing scans; it never pages');
  }
}

export interface Fixture {
  readonly deps: AudienceDeps;
  readonly blobs: MemoryBlobs;
  readonly suppression: MemorySuppression;
  readonly contacts: MemoryContacts;
  readonly definitions: { fields: CustomFieldDefinition[]; groups: Group[]; categories: Category[] };
  readonly segments: Map<string, Segment>;
  readonly runs: Map<string, PreviousRecipient[]>;
}

export function fixture(contacts: readonly Contact[] = [], overrides: Partial<AudienceDeps> = {}): Fixture {
  const blobs = new MemoryBlobs();
  const suppression = new MemorySuppression();
  const store = new MemoryContacts(contacts);
  const definitions = { fields: [] as CustomFieldDefinition[], groups: [] as Group[], categories: [] as Category[] };
  const segments = new Map<string, Segment>();
  const runs = new Map<string, PreviousRecipient[]>();
  const deps: AudienceDeps = {
    contacts: store,
    scanner: store,
    definitions: { load: async (): Promise<Definitions> => definitions },
    segments: { get: async (_ws, id) => segments.get(id) },
    suppression,
    blobs,
    previousRecipients: {
      async *read(_ws, campaignId, runId, who) {
        yield* runs.get(`${campaignId}/${runId ?? 'latest'}/${who}`) ?? [];
      },
    },
    clock: { now: () => new Date('2026-06-01T00:00:00Z') },
    ...overrides,
  };
  return { deps, blobs, suppression, contacts: store, definitions, segments, runs };
}

export const segment = (id: string, rules: Segment['rules']): Segment => ({ id, name: id, rules, createdAt: at, updatedAt: at, createdBy: 'u', version: 1 });
