/**
 * The loyalty score (忠誠度積分): each human action adds its weight, and every point loses half its
 * value per half-life, so recent engagement counts most. The exact value is kept beside the
 * whole-number `score` that lists, segments and exports filter on; when the two disagree an
 * operator set the score by hand, and that value is the new starting point.
 */
import type { EngagementSettings, ScoredEventType } from './model';
import { scoredEventTypes } from './model';

export interface ScoreState {
  /** Exact score at `at` (before rounding). */
  readonly raw: number;
  /** ISO time the raw value was computed for. */
  readonly at: string;
  /** Lake objects already applied to this contact (newest last): a retried object changes nothing. */
  readonly objects: readonly string[];
}

export const OBJECT_WINDOW = 64;
const DAY_MS = 86_400_000;

/** The value `raw` decays to after `ms` milliseconds. */
export function decayed(raw: number, ms: number, halfLifeDays: number): number {
  if (ms <= 0 || raw === 0) return raw;
  return raw * 0.5 ** (ms / (halfLifeDays * DAY_MS));
}

/** Score points of a batch of events of one contact. */
export function pointsOf(counts: Partial<Record<ScoredEventType, number>>, settings: EngagementSettings): number {
  let points = 0;
  for (const type of scoredEventTypes) points += (counts[type] ?? 0) * settings.weights[type];
  return points;
}

/** The contact's next score after `points` at `now`; never below zero. */
export function nextScore(score: number, state: ScoreState | undefined, points: number, now: number, settings: EngagementSettings): { score: number; raw: number } {
  // A hand-set score (or none yet) starts from the visible value.
  const start = state && Math.round(state.raw) === score ? decayed(state.raw, now - Date.parse(state.at), settings.halfLifeDays) : score;
  const raw = Math.max(0, start + points);
  return { score: Math.round(raw), raw };
}
