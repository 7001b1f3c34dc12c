/**
 * The workspace as the launching user sees it at the moment of freezing: definitions read fresh
 * (a field or group deleted a second ago must not silently change who is sent to), the user's
 * visibility (an audience only ever includes contacts its launcher may read — visibility.ts
 * decides, as for segments and exports), and the context rules are evaluated in.
 */
import type { Principal } from '../api/operation';
import { visibilityOf, visibleDefinitions } from '../contacts/visibility';
import { normaliseHeader } from '../imports/read';
import { evaluationContext, type EvaluationContext } from '../segments/evaluate';
import type { Audience } from '../segments/segments';
import type { AudienceDeps } from './ports';

export interface AudienceView extends Audience {
  readonly workspaceId: string;
  readonly evaluation: EvaluationContext;
  /** Normalised custom field name or label → field name: file columns named like a field fill it. */
  readonly customByHeader: ReadonlyMap<string, string>;
}

export async function viewOf(deps: Pick<AudienceDeps, 'definitions' | 'clock'>, viewer: Principal): Promise<AudienceView> {
  const definitions = await deps.definitions.load(viewer.workspaceId);
  // visibilityOf is what resolveVisibility calls once it has the groups; they are in hand here.
  const visibility = visibilityOf(viewer, definitions.groups);
  const customByHeader = new Map<string, string>();
  for (const field of definitions.fields) {
    for (const spelling of [field.name, field.label['zh-TW'], field.label.en]) {
      const key = spelling ? normaliseHeader(spelling) : '';
      if (key && !customByHeader.has(key)) customByHeader.set(key, field.name);
    }
  }
  return {
    workspaceId: viewer.workspaceId,
    definitions,
    visible: visibleDefinitions(definitions, visibility),
    visibility,
    evaluation: evaluationContext(definitions, deps.clock.now()),
    customByHeader,
  };
}
