/**
 * Segment use cases: saved rules (viewer reads, operator writes; the router checks roles), a live
 * count and a sample. Counting reads the workspace's contacts through the ContactScanner,
 * projected to the attributes the rules need, and evaluates the rules in code with `matches`;
 * only contacts the principal may read count (visibility.ts), and groups it cannot see cannot be
 * named in its rules.
 */
import { z } from 'zod';
import type { Principal } from '../api/operation';
import { definitionsOf, presentContact, type ContactDeps } from '../contacts/contacts';
import type { Contact } from '../contacts/contact';
import type { Definitions } from '../contacts/definitions';
import { ulid } from '../contacts/ids';
import { resolveVisibility, visibleDefinitions, type Visibility } from '../contacts/visibility';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../errors';
import { fieldErrorsOf } from '../http/problem';
import { StaleVersionError } from '../contacts/contact-store';
import { evaluationContext, matches, type ContactRecord } from './evaluate';
import type { ContactScanner, Segment, SegmentStore } from './ports';
import { attributesOf, checkRules, ruleTreeSchema, type RuleTree } from './rules';

export interface SegmentDeps extends ContactDeps {
  readonly segments: SegmentStore;
  readonly scanner: ContactScanner;
  /** Concurrent readers for counts (default: the scanner's). */
  readonly scanParallelism?: number;
}

export const sampleSize = 10;
/** Soft cap per workspace: the list is one query and the console shows them all. */
export const maxSegments = 500;

const name = z.string().trim().min(1, { message: 'Must not be empty' }).max(100);
const description = z.string().trim().max(500);

export const createSegmentSchema = z
  .strictObject({ name, description: description.optional(), rules: ruleTreeSchema })
  .meta({ description: 'A saved segment: a name and rules' });
export const updateSegmentSchema = z
  .strictObject({ name: name.optional(), description: description.nullable().optional(), rules: ruleTreeSchema.optional() })
  .meta({ description: 'Fields to change; null clears the description; rules replace the rules' });
export const previewSchema = z.strictObject({ rules: ruleTreeSchema }).meta({ description: 'Rules to count, unsaved' });

export const segmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    rules: ruleTreeSchema,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    createdBy: z.string(),
    version: z.number().int(),
  })
  .meta({ description: 'A saved segment' });

/** Loose top-level parse: the rules are checked by checkRules, which names paths precisely. */
function parseBody<T extends z.ZodObject>(schema: T, input: unknown): Record<string, unknown> {
  if (input === undefined) throw new ValidationError('The request needs a JSON body', [{ field: 'body', message: 'Required' }]);
  const loose = schema.extend({ rules: z.unknown().optional() });
  const result = loose.safeParse(input);
  if (!result.success) {
    const errors = fieldErrorsOf(result.error, 'body');
    throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
  }
  return result.data as Record<string, unknown>;
}

/** What the principal sees of the workspace: definitions (its visible groups) and who it may read. */
export interface Audience {
  readonly definitions: Definitions;
  readonly visible: Definitions;
  readonly visibility: Visibility;
}

/**
 * The contacts a principal may read. The one place segments and exports ask visibility.ts, so a
 * count or a file never holds a contact its reader could not open.
 */
export async function audienceOf(deps: ContactDeps, principal: Principal, fresh = false): Promise<Audience> {
  const definitions = await definitionsOf(deps, principal.workspaceId, fresh);
  const visibility = await resolveVisibility(deps, principal, definitions);
  return { definitions, visible: visibleDefinitions(definitions, visibility), visibility };
}

/** Rules checked against what the principal sees (groups it cannot see look nonexistent). */
export function rulesFor(audience: Audience, input: unknown, root = 'rules'): RuleTree {
  return checkRules(input, { definitions: audience.definitions, visibleGroups: new Set(audience.visible.groups.map((g) => g.id)) }, root);
}

export interface CountResult {
  readonly count: number;
  /** Ids of the newest matching contacts, newest first (at most `sample`). */
  readonly sampleIds: string[];
}

/** Counts the readable contacts meeting the rules, keeping the newest `sample` ids. */
export async function countMatching(deps: SegmentDeps, principal: Principal, audience: Audience, rules: RuleTree, sample = 0): Promise<CountResult> {
  const context = evaluationContext(audience.definitions, deps.clock.now());
  const attributes = attributesOf(rules, audience.definitions.fields);
  let count = 0;
  const newest: string[] = [];
  await deps.scanner.scan(principal.workspaceId, { attributes, ...(deps.scanParallelism ? { parallelism: deps.scanParallelism } : {}) }, (page) => {
    for (const record of page) {
      if (!audience.visibility.canRead(record as unknown as Contact) || !matches(record, rules, context)) continue;
      count++;
      if (sample === 0) continue;
      // ULIDs: a larger id is a newer contact. Keep the `sample` largest.
      const id = String(record.id);
      if (newest.length === sample && id <= (newest[sample - 1] as string)) continue;
      newest.push(id);
      newest.sort((a, b) => (a < b ? 1 : -1));
      if (newest.length > sample) newest.pop();
    }
  });
  return { count, sampleIds: newest };
}

const notFound = (id: string) => new NotFoundError(`No segment ${id} in this workspace`);

async function getStored(deps: SegmentDeps, principal: Principal, id: string): Promise<Segment> {
  const segment = await deps.segments.get(principal.workspaceId, id);
  if (!segment) throw notFound(id);
  return segment;
}

export async function listSegments(deps: SegmentDeps, principal: Principal): Promise<{ items: Segment[] }> {
  return { items: await deps.segments.list(principal.workspaceId) };
}

export async function getSegment(deps: SegmentDeps, principal: Principal, id: string): Promise<Segment> {
  return getStored(deps, principal, id);
}

export async function createSegment(deps: SegmentDeps, principal: Principal, input: unknown): Promise<Segment> {
  const data = parseBody(createSegmentSchema, input);
  const rules = rulesFor(await audienceOf(deps, principal), data.rules);
  const existing = await deps.segments.list(principal.workspaceId);
  if (existing.length >= maxSegments) throw new ValidationError(`A workspace keeps at most ${maxSegments} segments`, [{ field: 'body', message: 'Too many segments' }]);
  const now = deps.clock.now();
  const segment: Segment = {
    id: (deps.newId ?? ((d: Date) => ulid(d.getTime())))(now),
    name: data.name as string,
    ...(data.description ? { description: data.description as string } : {}),
    rules,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    createdBy: principal.id,
    version: 1,
  };
  await deps.segments.put(principal.workspaceId, segment);
  return segment;
}

export async function updateSegment(deps: SegmentDeps, principal: Principal, id: string, input: unknown): Promise<Segment> {
  const data = parseBody(updateSegmentSchema, input);
  const current = await getStored(deps, principal, id);
  const rules = data.rules === undefined ? current.rules : rulesFor(await audienceOf(deps, principal), data.rules);
  const { description: _old, ...rest } = current;
  const description = data.description === undefined ? current.description : (data.description as string | null) ?? undefined;
  const next: Segment = {
    ...rest,
    ...(data.name !== undefined ? { name: data.name as string } : {}),
    ...(description ? { description } : {}),
    rules,
    updatedAt: deps.clock.now().toISOString(),
    version: current.version + 1,
  };
  try {
    await deps.segments.put(principal.workspaceId, next, current.version);
  } catch (error) {
    if (error instanceof StaleVersionError) throw new PreconditionFailedError('The segment changed while it was being saved: reload it and try again');
    throw error;
  }
  return next;
}

export async function deleteSegment(deps: SegmentDeps, principal: Principal, id: string): Promise<void> {
  await getStored(deps, principal, id);
  await deps.segments.delete(principal.workspaceId, id);
}

export async function previewSegment(deps: SegmentDeps, principal: Principal, input: unknown): Promise<{ count: number; sample: Contact[] }> {
  const data = parseBody(previewSchema, input);
  const audience = await audienceOf(deps, principal);
  const rules = rulesFor(audience, data.rules);
  const { count, sampleIds } = await countMatching(deps, principal, audience, rules, sampleSize);
  const found = await Promise.all(sampleIds.map((id) => deps.store.get(principal.workspaceId, id)));
  // Re-checked on the full contact: it may have changed since it was counted.
  const context = evaluationContext(audience.definitions, deps.clock.now());
  const sample = found
    .filter((c): c is Contact => c !== undefined && audience.visibility.canRead(c) && matches(c as unknown as ContactRecord, rules, context))
    .map((c) => presentContact(c, audience.visible));
  return { count, sample };
}

/**
 * A saved segment's count now. Its rules are checked again: a field or group deleted since it was
 * saved is a 400 naming the condition, not a silently different audience.
 */
export async function countSegment(deps: SegmentDeps, principal: Principal, id: string): Promise<{ count: number; evaluatedAt: string }> {
  const segment = await getStored(deps, principal, id);
  const audience = await audienceOf(deps, principal);
  const rules = rulesFor(audience, segment.rules);
  const evaluatedAt = deps.clock.now().toISOString();
  const { count } = await countMatching(deps, principal, audience, rules);
  return { count, evaluatedAt };
}
