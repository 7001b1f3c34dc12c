/**
 * The loyalty score's arithmetic (shared/engagement/score.ts): points lose half their value per
 * half-life, the visible score is the exact value rounded, never below zero, and a score an
 * operator set by hand is the new starting point.
 */
import { describe, expect, it } from 'vitest';
import { defaultEngagementSettings, scoredEventTypes, type EngagementSettings } from '../../shared/engagement/model';
import { decayed, nextScore, pointsOf, type ScoreState } from '../../shared/engagement/score';

const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const settings = defaultEngagementSettings;
const half = settings.halfLifeDays * DAY;
const state = (raw: number, at = T0): ScoreState => ({ raw, at: new Date(at).toISOString(), objects: [] });

describe('decay', () => {
  it('halves the value every half-life', () => {
    expect(decayed(8, half, 90)).toBe(4);
    expect(decayed(8, 2 * half, 90)).toBe(2);
    expect(decayed(8, 3 * half, 90)).toBe(1);
    expect(decayed(100, 30 * DAY, 30)).toBe(50);
    expect(decayed(8, half / 2, 90)).toBeCloseTo(8 / Math.SQRT2, 12);
  });

  it('is continuous and never increases', () => {
    let previous = decayed(10, 0, 90);
    for (let day = 1; day <= 1000; day += 7) {
      const value = decayed(10, day * DAY, 90);
      expect(value).toBeLessThan(previous);
      expect(value).toBeGreaterThan(0);
      previous = value;
    }
    // Splitting the time changes nothing: decay over a then b equals decay over a + b.
    expect(decayed(decayed(37, 11 * DAY, 90), 29 * DAY, 90)).toBeCloseTo(decayed(37, 40 * DAY, 90), 12);
  });

  it('leaves the value alone for no time, a clock that went back, or zero', () => {
    expect(decayed(8, 0, 90)).toBe(8);
    expect(decayed(8, -5 * DAY, 90)).toBe(8);
    expect(decayed(0, 10 * half, 90)).toBe(0);
  });

  it('follows the workspace\'s half-life', () => {
    expect(decayed(64, 30 * DAY, 30)).toBe(32);
    expect(decayed(64, 30 * DAY, 10)).toBe(8);
    expect(decayed(64, 30 * DAY, 3650)).toBeCloseTo(64 * 0.5 ** (30 / 3650), 12);
  });
});

describe('points', () => {
  it('weighs each event type', () => {
    const w = settings.weights;
    expect(pointsOf({}, settings)).toBe(0);
    expect(pointsOf({ open: 2, click: 1 }, settings)).toBe(2 * w.open + w.click);
    expect(pointsOf({ unsubscribe: 1, complaint: 1 }, settings)).toBe(w.unsubscribe + w.complaint);
    const all = Object.fromEntries(scoredEventTypes.map((t) => [t, 1]));
    expect(pointsOf(all, settings)).toBe(scoredEventTypes.reduce((sum, t) => sum + w[t], 0));
  });

  it('uses the workspace\'s weights', () => {
    const custom: EngagementSettings = { ...settings, weights: { ...settings.weights, open: 7, click: 0 } };
    expect(pointsOf({ open: 3, click: 5 }, custom)).toBe(21);
  });
});

describe('next score', () => {
  it('starts from the visible score when there is no state yet', () => {
    expect(nextScore(0, undefined, 5, T0, settings)).toEqual({ score: 5, raw: 5 });
    // A contact imported with a score keeps it as the starting point.
    expect(nextScore(12, undefined, 3, T0, settings)).toEqual({ score: 15, raw: 15 });
  });

  it('decays the exact value from its time before adding the new points', () => {
    expect(nextScore(8, state(8), 1, T0 + half, settings)).toEqual({ score: 5, raw: 5 });
    const { raw, score } = nextScore(10, state(10), 0, T0 + 30 * DAY, settings);
    expect(raw).toBeCloseTo(10 * 0.5 ** (30 / 90), 12);
    expect(score).toBe(Math.round(raw));
  });

  it('keeps the exact value and rounds the visible one (halves up)', () => {
    expect(nextScore(0, state(0), 2.5, T0, settings)).toEqual({ score: 3, raw: 2.5 });
    expect(nextScore(2, state(2.4), 0, T0, settings)).toEqual({ score: 2, raw: 2.4 });
    // 2.4 rounds to 2 = the visible score: the state is consistent, decay applies.
    const next = nextScore(2, state(2.4), 0, T0 + half, settings);
    expect(next.raw).toBeCloseTo(1.2, 12);
    expect(next.score).toBe(1);
  });

  it('restarts from a hand-set score, without decay', () => {
    // The stored exact value (5) no longer matches the visible score (50): an operator set it.
    expect(nextScore(50, state(5), 1, T0 + half, settings)).toEqual({ score: 51, raw: 51 });
    expect(nextScore(0, state(5), 1, T0 + half, settings)).toEqual({ score: 1, raw: 1 });
  });

  it('never goes below zero', () => {
    expect(nextScore(3, state(3), settings.weights.unsubscribe, T0, settings)).toEqual({ score: 0, raw: 0 });
    expect(nextScore(0, undefined, -100, T0, settings)).toEqual({ score: 0, raw: 0 });
    // And climbs from zero again, not from a debt.
    expect(nextScore(0, state(0), 1, T0 + DAY, settings)).toEqual({ score: 1, raw: 1 });
  });

  it('ignores a clock that went back', () => {
    expect(nextScore(8, state(8, T0 + DAY), 0, T0, settings)).toEqual({ score: 8, raw: 8 });
  });
});
