/**
 * The eight audience sources, each read into candidate batches (sources in the order given;
 * within one, in a fixed order), and the exclusion sources read into a set of addresses.
 *
 * Everything that can be checked without reading a list is checked first, for every source and
 * exclusion at once (groups and categories exist and are visible, segments exist and their rules
 * still fit, upload keys belong to the workspace), so a mistake is one 400 naming every offending
 * path (`audience.sources.2.groupIds.0`) before any part is written. Lists themselves (a file
 * without an address column, a URL that is refused) can only fail once they are read.
 */
import type { AudienceSource } from '../../campaigns/model';
import { ValidationError, type FieldError } from '../../errors';
import { cleanEmail } from '../../imports/clean';
import type { RuleTree } from '../../segments/rules';
import type { AudienceDeps, FetchList } from '../ports';
import { createGuardedFetch, UrlFetchError } from '../url-guard';
import type { AudienceView } from '../view';
import type { CandidateBatches } from './candidate';
import { isRuleSource, matchingAddresses, matchingContacts, rulesOfSource } from './contacts';
import { listCandidates } from './list';
import { previousCandidates } from './previous';
import { tableCandidates } from './table';

/** A source checked and ready to read. */
export interface PreparedSource {
  readonly source: AudienceSource;
  /** Where it sits in the request, for errors: `audience.sources.1`. */
  readonly path: string;
  /** Groups, categories, segments and queries: their rules, checked against what the launcher sees. */
  readonly rules?: RuleTree;
}

let defaultFetch: FetchList | undefined;

/**
 * Uploads are read only from the launcher's own workspace: keys are `<area>/<workspaceId>/…`
 * (as imports' `imports/<ws>/<id>/<file>`), so a key typed into the API cannot reach another
 * workspace's files, by name or through `..`.
 */
function checkUploadKey(workspaceId: string, key: string, path: string): void {
  const segments = key.split('/');
  if (segments.length >= 3 && segments[1] === workspaceId && !segments.some((s) => s === '' || s === '.' || s === '..')) return;
  const message = 'Not a file uploaded to this workspace';
  throw new ValidationError(message, [{ field: `${path}.key`, message }]);
}

async function prepare(deps: AudienceDeps, view: AudienceView, source: AudienceSource, path: string): Promise<PreparedSource> {
  if (isRuleSource(source)) return { source, path, rules: await rulesOfSource(deps, view, source, path) };
  if (source.kind === 'upload') checkUploadKey(view.workspaceId, source.key, path);
  return { source, path };
}

/** Checks every source of both lists; all problems in one ValidationError. */
export async function prepareSources(
  deps: AudienceDeps,
  view: AudienceView,
  lists: readonly { readonly sources: readonly AudienceSource[]; readonly root: string }[],
): Promise<PreparedSource[][]> {
  const errors: FieldError[] = [];
  const prepared = await Promise.all(
    lists.map(({ sources, root }) =>
      Promise.all(
        sources.map((source, i) =>
          prepare(deps, view, source, `${root}.${i}`).catch((error: unknown) => {
            if (!(error instanceof ValidationError)) throw error;
            errors.push(...error.errors);
            return undefined;
          }),
        ),
      ),
    ),
  );
  if (errors.length > 0) {
    errors.sort((a, b) => a.field.localeCompare(b.field, 'en', { numeric: true }));
    throw new ValidationError(errors.length === 1 ? (errors[0] as FieldError).message : `Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
  }
  return prepared as PreparedSource[][];
}

async function* uploadCandidates(deps: AudienceDeps, view: AudienceView, source: Extract<AudienceSource, { kind: 'upload' }>, path: string): CandidateBatches {
  const bytes = await deps.blobs.get(source.key);
  if (!bytes) {
    const message = `The uploaded file ${source.fileName} is no longer there (uploads are kept for 30 days); upload it again`;
    throw new ValidationError(message, [{ field: `${path}.key`, message }]);
  }
  yield* tableCandidates(bytes, `The file ${source.fileName}`, path, view);
}

async function* urlCandidates(deps: AudienceDeps, view: AudienceView, source: Extract<AudienceSource, { kind: 'url' }>, path: string): CandidateBatches {
  const fetchList = deps.fetchList ?? (defaultFetch ??= createGuardedFetch());
  let bytes: Uint8Array;
  try {
    bytes = await fetchList(source.url);
  } catch (error) {
    if (error instanceof UrlFetchError) throw new ValidationError(error.message, [{ field: `${path}.url`, message: error.message }]);
    throw error;
  }
  yield* tableCandidates(bytes, `The list at ${source.url}`, `${path}.url`, view);
}

export async function* readSource(deps: AudienceDeps, view: AudienceView, { source, path, rules }: PreparedSource): CandidateBatches {
  if (rules) return yield* matchingContacts(deps, view, rules);
  switch (source.kind) {
    case 'list':
      return yield* listCandidates(source.lines);
    case 'upload':
      return yield* uploadCandidates(deps, view, source, path);
    case 'url':
      return yield* urlCandidates(deps, view, source, path);
    case 'campaign':
      return yield* previousCandidates(deps, view, source);
    default:
      throw new Error(`The ${source.kind} source at ${path} was not prepared`);
  }
}

/** Every address any exclusion source yields, corrected and lower-cased as recipients are. */
export async function collectExclusions(deps: AudienceDeps, view: AudienceView, exclusions: readonly PreparedSource[]): Promise<Set<string>> {
  const excluded = new Set<string>();
  for (const prepared of exclusions) {
    if (prepared.rules) {
      // Only the addresses are needed: the scan alone, no second read of whole contacts.
      await matchingAddresses(deps, view, prepared.rules, excluded);
      continue;
    }
    for await (const batch of readSource(deps, view, prepared)) {
      for (const candidate of batch) {
        const email = cleanEmail(candidate.address).value;
        if (email) excluded.add(email);
      }
    }
  }
  return excluded;
}
