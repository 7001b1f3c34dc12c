/**
 * Audiences drawn from the contact database: groups, newsletter categories (subscribed contacts),
 * saved segments and typed queries. Each becomes segment rules, so one evaluator (segments/
 * evaluate.ts) decides membership everywhere, and only contacts the launcher may read count.
 *
 * Two steps, because the scanner reads concurrently in no fixed order while frozen parts must
 * come out the same for the same data (a crashed freeze rewrites identical parts):
 * 1. scan the workspace projected to what the rules and visibility read, keeping matching ids;
 * 2. sort the ids and read those contacts whole, in id order, a window at a time with the next
 *    window read while the previous one goes through the funnel.
 * Memory holds the matching ids (≈ 60 bytes each), never the contacts.
 */
import type { AudienceSource } from '../../campaigns/model';
import type { Contact } from '../../contacts/contact';
import { ValidationError, type FieldError } from '../../errors';
import { matches, type ContactRecord } from '../../segments/evaluate';
import { attributesOf, type Condition, type RuleTree } from '../../segments/rules';
import { rulesFor } from '../../segments/segments';
import { contactMergeFields } from '../merge-fields';
import type { AudienceDeps } from '../ports';
import type { AudienceView } from '../view';
import type { Candidate, CandidateBatches } from './candidate';
import { readContacts } from './read-contacts';

export type RuleSource = Extract<AudienceSource, { kind: 'groups' | 'categories' | 'segment' | 'query' }>;

export const isRuleSource = (source: AudienceSource): source is RuleSource =>
  source.kind === 'groups' || source.kind === 'categories' || source.kind === 'segment' || source.kind === 'query';

/** `in` takes at most 100 values (rules.ts). */
const maxInValues = 100;
/** Contacts read whole per window (8 reads of 100). */
const window = 800;

type ScanDeps = Pick<AudienceDeps, 'scanner' | 'scanParallelism'>;

function unknownIds(ids: readonly string[], known: ReadonlySet<string>, path: string, what: string): void {
  const errors: FieldError[] = [];
  ids.forEach((id, i) => {
    if (!known.has(id)) errors.push({ field: `${path}.${i}`, message: `No ${what} ${id} in this workspace` });
  });
  if (errors.length > 0) throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
}

/** Holding any of the ids (a `groups` or `category` condition). */
function anyOf(field: 'groups' | 'category', ids: readonly string[]): RuleTree {
  const unique = [...new Set(ids)];
  const conditions: Condition[] = [];
  for (let i = 0; i < unique.length; i += maxInValues) conditions.push({ field, op: 'in', value: unique.slice(i, i + maxInValues) });
  return { match: 'any', conditions };
}

/**
 * The source's rules, checked against what the launcher sees: a group it cannot see, or a field
 * a saved segment names that has since been deleted, is a 400 naming the source, not a quietly
 * different audience.
 */
export async function rulesOfSource(deps: Pick<AudienceDeps, 'segments'>, view: AudienceView, source: RuleSource, path: string): Promise<RuleTree> {
  switch (source.kind) {
    case 'groups':
      unknownIds(source.groupIds, new Set(view.visible.groups.map((g) => g.id)), `${path}.groupIds`, 'group');
      return anyOf('groups', source.groupIds);
    case 'categories':
      unknownIds(source.categoryIds, new Set(view.definitions.categories.map((c) => c.id)), `${path}.categoryIds`, 'category');
      return anyOf('category', source.categoryIds);
    case 'segment': {
      const segment = await deps.segments.get(view.workspaceId, source.segmentId);
      if (!segment) {
        const message = `No segment ${source.segmentId} in this workspace`;
        throw new ValidationError(message, [{ field: `${path}.segmentId`, message }]);
      }
      return rulesFor(view, segment.rules, `${path}.segment.rules`);
    }
    case 'query':
      return rulesFor(view, source.rules, `${path}.rules`);
  }
}

const readable = (view: AudienceView, record: ContactRecord) => view.visibility.canRead(record as unknown as Contact);
const emailOf = (record: ContactRecord) => (typeof record.email === 'string' ? record.email : '');

/** Visits every readable contact matching the rules, projected to the rules' attributes and the address. */
async function scanMatching(deps: ScanDeps, view: AudienceView, rules: RuleTree, visit: (record: ContactRecord) => void): Promise<void> {
  const attributes = [...attributesOf(rules, view.definitions.fields), 'email'];
  const options = { attributes, ...(deps.scanParallelism ? { parallelism: deps.scanParallelism } : {}) };
  await deps.scanner.scan(view.workspaceId, options, (page) => {
    for (const record of page) if (readable(view, record) && matches(record, rules, view.evaluation)) visit(record);
  });
}

/** The matching contacts, in id order, as candidates with their merge fields. */
export async function* matchingContacts(deps: ScanDeps & Pick<AudienceDeps, 'contacts'>, view: AudienceView, rules: RuleTree): CandidateBatches {
  const ids: string[] = [];
  let withoutEmail = 0;
  await scanMatching(deps, view, rules, (record) => {
    if (emailOf(record)) ids.push(String(record.id));
    else withoutEmail++;
  });
  ids.sort();

  const read = (from: number) => readContacts(deps.contacts, view.workspaceId, ids.slice(from, from + window));
  let next = ids.length > 0 ? read(0) : undefined;
  for (let from = 0; next; from += window) {
    const found = await next;
    next = from + window < ids.length ? read(from + window) : undefined;
    // If the funnel fails while this read is in flight, its rejection must not go unhandled.
    next?.catch(() => undefined);
    const batch: Candidate[] = [];
    for (const id of ids.slice(from, from + window)) {
      const contact = found.get(id);
      // Deleted, moved out of sight or out of the rules since the scan: the contact as it is now decides.
      if (!contact || !readable(view, contact as unknown as ContactRecord) || !matches(contact as unknown as ContactRecord, rules, view.evaluation)) continue;
      batch.push({ address: contact.email ?? '', contactId: contact.id, status: contact.status, fields: contactMergeFields(contact, view.definitions) });
    }
    if (batch.length > 0) yield batch;
  }
  // Contacts reachable only by phone or fax cannot get an e-mail: counted invalid, not lost silently.
  if (withoutEmail > 0) yield Array.from({ length: withoutEmail }, (): Candidate => ({ address: '', fields: {} }));
}

/** For exclusions: only the addresses of the matching contacts (no second read). */
export async function matchingAddresses(deps: ScanDeps, view: AudienceView, rules: RuleTree, into: Set<string>): Promise<void> {
  await scanMatching(deps, view, rules, (record) => {
    const email = emailOf(record);
    if (email) into.add(email.toLowerCase());
  });
}
