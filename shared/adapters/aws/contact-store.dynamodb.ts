/**
 * ContactStore on the `contacts` table (pk/sk; index `byName` on gsi1pk/gsi1sk), written with
 * only what both dynalite and DynamoDB Local support: single-item conditional writes, batch
 * reads, queries and an index. No transactions, so e-mail uniqueness is a protocol:
 *
 *   WS#<ws> / CONTACT#<id>   the contact (gsi1: WS#<ws>#SEARCH / <lower name>#<id> when named)
 *   WS#<ws> / EMAIL#<email>  the e-mail claim {contactId, claimedAt} (gsi1: … / <email>#<id>)
 *
 * A claim is put (attribute_not_exists) BEFORE the contact is written and released AFTER the
 * contact stops using the address, so a crash in between leaves at worst a stale claim, never two
 * contacts with one e-mail. A claim is stale when its contact is gone or holds another e-mail AND
 * it is older than the lease (longer than any API call may run: a writer still in flight is never
 * overtaken); a stale claim is taken over with a write conditional on its old owner and time, so of
 * two racing takers exactly one wins. Both search kinds share the index, so one query answers
 * "e-mail or name starts with q" in one order with one cursor.
 *
 * The same partition holds the workspace's definitions under `DEF#…` (definition-store.dynamodb.ts);
 * contact queries only ever read `CONTACT#…` or the search index, so they never meet them.
 * Membership is the contact's `groups` string set, changed with atomic ADD / DELETE; list filters
 * (group, subscribed category, status, score range, custom values) are FilterExpressions over the
 * workspace's contacts, read in batches of `filterBatch` so sparse filters still progress.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { clientOptions, tableName } from '../../config';
import { searchKey, type Contact } from '../../contacts/contact';
import {
  DuplicateEmailError,
  isFilterEmpty,
  matchesFilter,
  StaleVersionError,
  type ContactFilter,
  type ContactPage,
  type ContactStore,
  type DefinitionRef,
  type ListOptions,
  type MembershipChange,
  type MembershipGuard,
} from '../../contacts/contact-store';
import type { VisibilityScope } from '../../contacts/visibility';
import { ValidationError } from '../../errors';
import { tracer } from '../../observability';
import { systemClock, type Clock } from '../../ports/clock';

/** Longer than the API function's 29 s timeout, so only a dead writer's claim is ever taken over. */
export const claimLeaseMs = 60_000;
const indexName = 'byName';
const maxQueriesPerPage = 10;
/** Items one query evaluates when a filter drops some: a sparse filter still fills pages quickly. */
const filterBatch = 500;
/** Shared groups named one by one in the visibility filter; beyond that it keeps any grouped contact and code decides. */
const maxPushedGroups = 40;
/** Parallel single-item writes for bulk membership and clean-ups. */
const writeConcurrency = 16;

type Item = Record<string, unknown>;
type Key = Record<string, string>;

const partition = (ws: string) => `WS#${ws}`;
const searchPartition = (ws: string) => `WS#${ws}#SEARCH`;
const contactSk = (id: string) => `CONTACT#${id}`;
const claimSk = (email: string) => `EMAIL#${email}`;

const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

const storageKeys = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'type']);

/**
 * Stored → Contact. `groups` is a string set (so membership changes are atomic ADD / DELETE);
 * contacts written before scores, groups, subscriptions and custom values existed get the defaults.
 */
function contactOf(item: Item | undefined): Contact | undefined {
  if (!item || item.type !== 'contact') return undefined;
  const rest = Object.fromEntries(Object.entries(item).filter(([key]) => !storageKeys.has(key)));
  const groups = item.groups instanceof Set ? [...(item.groups as Set<string>)].sort() : Array.isArray(item.groups) ? (item.groups as string[]) : [];
  return {
    ...rest,
    score: typeof item.score === 'number' ? item.score : 0,
    groups,
    subscriptions: (item.subscriptions as Contact['subscriptions'] | undefined) ?? {},
    custom: (item.custom as Contact['custom'] | undefined) ?? {},
  } as unknown as Contact;
}

function contactItem(ws: string, contact: Contact): Item {
  const item: Item = { ...contact, pk: partition(ws), sk: contactSk(contact.id), type: 'contact' };
  // DynamoDB has no empty sets: no groups, no attribute.
  if (contact.groups?.length) item.groups = new Set(contact.groups);
  else delete item.groups;
  if (contact.name) {
    item.gsi1pk = searchPartition(ws);
    item.gsi1sk = `${searchKey(contact.name)}#${contact.id}`;
  }
  return item;
}

interface Expression {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/** The filter as a FilterExpression: the same rules as matchesFilter (a missing score is 0). */
function filterExpression(filter: ContactFilter): Expression {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.groupId !== undefined) {
    names['#groups'] = 'groups';
    values[':fGroup'] = filter.groupId;
    parts.push('contains(#groups, :fGroup)');
  }
  if (filter.categoryId !== undefined) {
    names['#subs'] = 'subscriptions';
    names['#fCat'] = filter.categoryId;
    values[':subscribed'] = 'subscribed';
    parts.push('#subs.#fCat = :subscribed');
  }
  if (filter.status !== undefined) {
    names['#status'] = 'status';
    values[':fStatus'] = filter.status;
    parts.push('#status = :fStatus');
  }
  if (filter.scoreMin !== undefined && filter.scoreMin > 0) {
    names['#score'] = 'score';
    values[':fMin'] = filter.scoreMin;
    parts.push('#score >= :fMin');
  }
  if (filter.scoreMax !== undefined) {
    names['#score'] = 'score';
    values[':fMax'] = filter.scoreMax;
    parts.push('(attribute_not_exists(#score) OR #score <= :fMax)');
  }
  (filter.custom ?? []).forEach((condition, i) => {
    names['#custom'] = 'custom';
    names[`#cf${i}`] = condition.fieldId;
    values[`:cv${i}`] = condition.value;
    parts.push(condition.contains ? `contains(#custom.#cf${i}, :cv${i})` : `#custom.#cf${i} = :cv${i}`);
  });
  return { expression: parts.join(' AND '), names, values };
}

/**
 * What a non-admin may read, as a FilterExpression: no department, their department, or in a group
 * shared with them. The store still applies canRead in code; this only spares reading the rest.
 */
function scopeExpression(scope: VisibilityScope): Expression {
  const names: Record<string, string> = { '#vDep': 'departmentId' };
  const values: Record<string, unknown> = {};
  const parts = ['attribute_not_exists(#vDep)'];
  if (scope.departmentId !== undefined) {
    values[':vDep'] = scope.departmentId;
    parts.push('#vDep = :vDep');
  }
  if (scope.readGroups.length > 0) names['#vGroups'] = 'groups';
  if (scope.readGroups.length > maxPushedGroups) parts.push('attribute_exists(#vGroups)');
  else {
    scope.readGroups.forEach((id, i) => {
      values[`:vg${i}`] = id;
      parts.push(`contains(#vGroups, :vg${i})`);
    });
  }
  return { expression: `(${parts.join(' OR ')})`, names, values };
}

/** Both conditions (either may be absent or empty); undefined when nothing is left to filter. */
function allOf(...expressions: (Expression | undefined)[]): Expression | undefined {
  const present = expressions.filter((e): e is Expression => e !== undefined && e.expression !== '');
  if (present.length === 0) return undefined;
  return {
    expression: present.map((e) => e.expression).join(' AND '),
    names: Object.assign({}, ...present.map((e) => e.names)) as Record<string, string>,
    values: Object.assign({}, ...present.map((e) => e.values)) as Record<string, unknown>,
  };
}

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(writeConcurrency, items.length) }, worker));
}

const cursorSchema = z.discriminatedUnion('m', [
  z.strictObject({ v: z.literal(1), m: z.literal('all'), sk: z.string().startsWith('CONTACT#').max(300) }),
  z.strictObject({
    v: z.literal(1),
    m: z.literal('search'),
    q: z.string().max(400),
    sk: z.string().regex(/^(CONTACT|EMAIL)#/).max(600),
    g: z.string().max(1200),
  }),
]);
type Cursor = z.infer<typeof cursorSchema>;

/**
 * `<base64url JSON>.<check>`: the check (a truncated SHA-256) makes an edited or truncated cursor a
 * clean 400. It is not a secret signature: a cursor only ever positions a query inside the
 * caller's own workspace (the partition comes from the principal, never from the cursor).
 */
const cursorCheck = (payload: string): string => createHash('sha256').update(`pigeon-contacts-cursor:${payload}`).digest().subarray(0, 9).toString('base64url');

function encodeCursor(cursor: Cursor): string {
  const payload = Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
  return `${payload}.${cursorCheck(payload)}`;
}

function decodeCursor(text: string, expected: { m: 'all' } | { m: 'search'; q: string }): Cursor {
  const invalid = () =>
    new ValidationError('The cursor is not one this list issued: start again without it', [
      { field: 'cursor', message: 'Invalid or tampered cursor' },
    ]);
  const [payload, check, ...rest] = text.split('.');
  if (!payload || !check || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(payload) || check !== cursorCheck(payload)) throw invalid();
  let parsed: Cursor;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    throw invalid();
  }
  if (parsed.m !== expected.m) throw invalid();
  // A search cursor only continues the same search: DynamoDB rejects a start key outside the range.
  if (parsed.m === 'search' && (expected.m !== 'search' || parsed.q !== expected.q || !parsed.g.startsWith(expected.q))) {
    throw invalid();
  }
  return parsed;
}

export interface DynamoContactStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock?: Clock;
  readonly leaseMs?: number;
}

export class DynamoContactStore implements ContactStore {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly clock: Clock;
  private readonly leaseMs: number;

  constructor(options: DynamoContactStoreOptions) {
    this.db = options.client;
    this.table = options.tableName;
    this.clock = options.clock ?? systemClock;
    this.leaseMs = options.leaseMs ?? claimLeaseMs;
  }

  async create(ws: string, contact: Contact): Promise<void> {
    if (contact.email) await this.claim(ws, contact.email, contact.id);
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: contactItem(ws, contact), ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (error) {
      if (contact.email) await this.release(ws, contact.email, contact.id);
      throw error;
    }
  }

  async get(ws: string, id: string): Promise<Contact | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: partition(ws), sk: contactSk(id) }, ConsistentRead: true }),
    );
    return contactOf(Item);
  }

  async update(ws: string, next: Contact, previous: Contact): Promise<void> {
    const emailChanged = next.email !== previous.email;
    if (next.email && emailChanged) await this.claim(ws, next.email, next.id);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: contactItem(ws, next),
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': previous.version },
        }),
      );
    } catch (error) {
      if (next.email && emailChanged) await this.release(ws, next.email, next.id);
      if (isConditionFailure(error)) throw new StaleVersionError(`Contact ${next.id} is no longer at version ${previous.version}`);
      throw error;
    }
    if (previous.email && emailChanged) await this.release(ws, previous.email, previous.id);
  }

  async delete(ws: string, contact: Contact): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: partition(ws), sk: contactSk(contact.id) },
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': contact.version },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new StaleVersionError(`Contact ${contact.id} is no longer at version ${contact.version}`);
      throw error;
    }
    // After the contact: a crash here leaves a stale claim (taken over later), never a free duplicate.
    if (contact.email) await this.release(ws, contact.email, contact.id);
  }

  async list(ws: string, options: ListOptions): Promise<ContactPage> {
    const q = options.q ? searchKey(options.q) : undefined;
    const filter = isFilterEmpty(options.filter) ? undefined : options.filter;
    const visibility = options.visibility && !options.visibility.all ? options.visibility : undefined;
    const cursor = options.cursor ? decodeCursor(options.cursor, q ? { m: 'search', q } : { m: 'all' }) : undefined;
    // A plain list filters in DynamoDB; a search filters in code, as e-mail entries only become
    // contacts once resolved. Both apply matchesFilter and canRead, so the two agree.
    const pushed = q ? undefined : allOf(filter && filterExpression(filter), visibility?.scope && scopeExpression(visibility.scope));
    const base: QueryCommandInput = q
      ? {
          TableName: this.table,
          IndexName: indexName,
          KeyConditionExpression: 'gsi1pk = :p AND begins_with(gsi1sk, :q)',
          ExpressionAttributeValues: { ':p': searchPartition(ws), ':q': q },
        }
      : {
          TableName: this.table,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
          ExpressionAttributeValues: { ':p': partition(ws), ':s': 'CONTACT#', ...pushed?.values },
          ...(pushed ? { FilterExpression: pushed.expression, ExpressionAttributeNames: pushed.names } : {}),
          // ULID ids: newest first.
          ScanIndexForward: false,
        };
    const keyOf = (item: Item): Key =>
      q
        ? { pk: partition(ws), sk: String(item.sk), gsi1pk: searchPartition(ws), gsi1sk: String(item.gsi1sk) }
        : { pk: partition(ws), sk: String(item.sk) };
    let startKey: Key | undefined = cursor
      ? cursor.m === 'search'
        ? { pk: partition(ws), sk: cursor.sk, gsi1pk: searchPartition(ws), gsi1sk: cursor.g }
        : { pk: partition(ws), sk: cursor.sk }
      : undefined;

    const items: Contact[] = [];
    let more = false;
    for (let queries = 0; queries < maxQueriesPerPage; queries++) {
      // One entry beyond what is missing: seeing it tells whether another page exists.
      const need = options.limit - items.length;
      const limit = filter || visibility ? Math.max(need + 1, filterBatch) : need + 1;
      const page = await this.db.send(new QueryCommand({ ...base, Limit: limit, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
      const entries = (page.Items ?? []) as Item[];
      const resolved = q ? await this.resolveSearchEntries(ws, entries, q) : entries.map(contactOf);
      for (let i = 0; i < entries.length; i++) {
        const contact = resolved[i];
        const counts = contact !== undefined && matchesFilter(contact, filter) && (!visibility || visibility.canRead(contact));
        if (counts && items.length === options.limit) {
          more = true;
          break;
        }
        startKey = keyOf(entries[i] as Item);
        if (counts) items.push(contact);
      }
      if (more || !page.LastEvaluatedKey) break;
      // Items the filter dropped after the last one returned: resume behind them.
      startKey = keyOf(page.LastEvaluatedKey as Item);
      if (queries === maxQueriesPerPage - 1) more = true; // sparse matches or many stale entries: a partial page
    }
    if (!more || !startKey) return { items };
    const next: Cursor = q
      ? { v: 1, m: 'search', q, sk: startKey.sk as string, g: startKey.gsi1sk as string }
      : { v: 1, m: 'all', sk: startKey.sk as string };
    return { items, nextCursor: encodeCursor(next) };
  }

  async changeGroup(ws: string, groupId: string, contactIds: readonly string[], op: 'add' | 'remove', at: string, guard?: MembershipGuard): Promise<MembershipChange> {
    const read = await this.batchGetContacts(ws, [...contactIds]);
    const found = guard ? new Map(guard([...read.values()]).map((c) => [c.id, c])) : read;
    const notFound = contactIds.filter((id) => !found.has(id));
    let changed = 0;
    let unchanged = 0;
    await inParallel([...found.values()], async (contact) => {
      const member = contact.groups.includes(groupId);
      if (member === (op === 'add')) {
        unchanged++;
        return;
      }
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: partition(ws), sk: contactSk(contact.id) },
            UpdateExpression: `${op === 'add' ? 'ADD' : 'DELETE'} #groups :set SET updatedAt = :at, #version = #version + :one`,
            ConditionExpression: op === 'add' ? 'attribute_exists(pk) AND NOT contains(#groups, :id)' : 'contains(#groups, :id)',
            ExpressionAttributeNames: { '#groups': 'groups', '#version': 'version' },
            ExpressionAttributeValues: { ':set': new Set([groupId]), ':id': groupId, ':at': at, ':one': 1 },
          }),
        );
        changed++;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        unchanged++; // another writer got there first (or the contact was deleted meanwhile)
      }
    });
    return { changed, unchanged, notFound };
  }

  async forget(ws: string, ref: DefinitionRef, deadline: number): Promise<{ complete: boolean; cleaned: number }> {
    const attribute = { group: 'groups', category: 'subscriptions', field: 'custom' }[ref.kind];
    const names: Record<string, string> = { '#a': attribute, ...(ref.kind === 'group' ? {} : { '#id': ref.id }) };
    const present = ref.kind === 'group' ? 'contains(#a, :id)' : 'attribute_exists(#a.#id)';
    let cleaned = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      if (this.clock.now().getTime() > deadline) return { complete: false, cleaned };
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
          FilterExpression: present,
          ProjectionExpression: 'pk, sk',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':p': partition(ws), ':s': 'CONTACT#', ...(ref.kind === 'group' ? { ':id': ref.id } : {}) },
          Limit: filterBatch,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const at = this.clock.now().toISOString();
      await inParallel((page.Items ?? []) as Item[], async (item) => {
        try {
          await this.db.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression: `${ref.kind === 'group' ? 'DELETE #a :set' : 'REMOVE #a.#id'} SET updatedAt = :at, #version = #version + :one`,
              ConditionExpression: present,
              ExpressionAttributeNames: { ...names, '#version': 'version' },
              ExpressionAttributeValues: { ':at': at, ':one': 1, ...(ref.kind === 'group' ? { ':id': ref.id, ':set': new Set([ref.id]) } : {}) },
            }),
          );
          cleaned++;
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { complete: true, cleaned };
  }

  // ---- bulk paths for imports (ImportContactStore in shared/imports/job/ports.ts) ----

  /**
   * `create` for a deterministic id: if the contact already exists (an earlier attempt of the same
   * import row wrote it), nothing is written and the claim that attempt made is kept.
   */
  async createIfAbsent(ws: string, contact: Contact): Promise<boolean> {
    if (contact.email) await this.claim(ws, contact.email, contact.id);
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: contactItem(ws, contact), ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      if (contact.email) await this.release(ws, contact.email, contact.id);
      throw error;
    }
  }

  /** The contacts holding these e-mails: claims read in batches, then their contacts. */
  async findByEmails(ws: string, emails: readonly string[]): Promise<Map<string, Contact>> {
    const unique = [...new Set(emails)];
    const holders = new Map<string, string>();
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Key[] | undefined = unique.slice(i, i + 100).map((email) => ({ pk: partition(ws), sk: claimSk(email) }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const result = await this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of result.Responses?.[this.table] ?? []) holders.set(String(item.email), String(item.contactId));
        keys = result.UnprocessedKeys?.[this.table]?.Keys as Key[] | undefined;
        if (attempt >= 8 && keys && keys.length > 0) throw new Error('DynamoDB left claim reads unprocessed after retries');
      }
    }
    const contacts = await this.batchGetContacts(ws, [...new Set(holders.values())]);
    const found = new Map<string, Contact>();
    for (const [email, id] of holders) {
      const contact = contacts.get(id);
      // A stale claim (contact gone or moved to another address) holds nothing.
      if (contact?.email === email) found.set(email, contact);
    }
    return found;
  }

  getMany(ws: string, ids: readonly string[]): Promise<Map<string, Contact>> {
    return this.batchGetContacts(ws, [...new Set(ids)]);
  }

  async scan(ws: string, options: { limit: number; cursor?: string }): Promise<{ items: Contact[]; cursor?: string }> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': partition(ws), ':s': 'CONTACT#' },
        Limit: options.limit,
        ...(options.cursor ? { ExclusiveStartKey: { pk: partition(ws), sk: contactSk(options.cursor) } } : {}),
      }),
    );
    const items = (page.Items ?? []).map((item) => contactOf(item as Item)).filter((c): c is Contact => c !== undefined);
    const last = page.LastEvaluatedKey?.sk as string | undefined;
    return { items, ...(last ? { cursor: last.slice('CONTACT#'.length) } : {}) };
  }

  /**
   * Index entries → contacts. A name entry is the contact itself; an e-mail entry counts only if
   * its contact still holds that e-mail, and is skipped when the name also matches (that contact
   * is listed through its name entry, so each contact appears once).
   */
  private async resolveSearchEntries(ws: string, entries: Item[], q: string): Promise<(Contact | undefined)[]> {
    const claimOwners = [...new Set(entries.filter((e) => e.type === 'emailClaim').map((e) => String(e.contactId)))];
    const owners = await this.batchGetContacts(ws, claimOwners);
    return entries.map((entry) => {
      if (entry.type === 'contact') return contactOf(entry);
      if (entry.type !== 'emailClaim') return undefined;
      const owner = owners.get(String(entry.contactId));
      if (!owner || owner.email !== entry.email) return undefined;
      if (owner.name && searchKey(owner.name).startsWith(q)) return undefined;
      return owner;
    });
  }

  private async batchGetContacts(ws: string, ids: string[]): Promise<Map<string, Contact>> {
    const found = new Map<string, Contact>();
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Key[] | undefined = ids.slice(i, i + 100).map((id) => ({ pk: partition(ws), sk: contactSk(id) }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const result = await this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of result.Responses?.[this.table] ?? []) {
          const contact = contactOf(item);
          if (contact) found.set(contact.id, contact);
        }
        keys = result.UnprocessedKeys?.[this.table]?.Keys as Key[] | undefined;
        if (attempt >= 8 && keys && keys.length > 0) throw new Error('DynamoDB left contact reads unprocessed after retries');
      }
    }
    return found;
  }

  /** Makes `contactId` the holder of `email` in the workspace, or throws DuplicateEmailError. */
  private async claim(ws: string, email: string, contactId: string): Promise<void> {
    const key = { pk: partition(ws), sk: claimSk(email) };
    const claimItem = (claimedAt: number): Item => ({
      ...key,
      type: 'emailClaim',
      email,
      contactId,
      claimedAt,
      gsi1pk: searchPartition(ws),
      gsi1sk: `${email}#${contactId}`,
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock.now().getTime();
      try {
        await this.db.send(new PutCommand({ TableName: this.table, Item: claimItem(now), ConditionExpression: 'attribute_not_exists(pk)' }));
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const { Item: held } = await this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
      if (!held) continue; // released in between: try the plain claim again
      const holder = String(held.contactId);
      if (holder === contactId) return; // ours already (an earlier attempt of this same write)
      const owner = await this.get(ws, holder);
      if (owner?.email === email) throw new DuplicateEmailError(email);
      const claimedAt = typeof held.claimedAt === 'number' ? held.claimedAt : 0;
      // Within the lease the holder may still be writing its contact: it wins, we lose.
      if (now - claimedAt < this.leaseMs) throw new DuplicateEmailError(email, true);
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: claimItem(now),
            ConditionExpression: 'contactId = :holder AND claimedAt = :claimedAt',
            ExpressionAttributeValues: { ':holder': holder, ':claimedAt': held.claimedAt ?? 0 },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another writer took it over first; look again (it now holds a fresh claim).
      }
    }
    throw new DuplicateEmailError(email, true);
  }

  /** Gives `email` up if `contactId` still holds it; someone else's claim is left alone. */
  private async release(ws: string, email: string, contactId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: partition(ws), sk: claimSk(email) },
          ConditionExpression: 'contactId = :id',
          ExpressionAttributeValues: { ':id': contactId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

let sharedClient: DynamoDBDocumentClient | undefined;

/** One document client per container, pointed at the emulator when AWS_ENDPOINT_URL_DYNAMODB is set. */
export function documentClientFromEnv(): DynamoDBDocumentClient {
  sharedClient ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient(clientOptions('DYNAMODB'))), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return sharedClient;
}

export function contactStoreFromEnv(clock: Clock = systemClock): ContactStore {
  return new DynamoContactStore({ client: documentClientFromEnv(), tableName: tableName('contacts'), clock });
}
