/**
 * The daily score sweep: scores fall by half per half-life, written only when the whole number
 * changes; a hand-set score starts its clock; a contact edited meanwhile is left for tomorrow.
 */
import { describe, expect, it } from 'vitest';
import type { Contact } from '../../shared/contacts/contact';
import { StaleVersionError } from '../../shared/contacts/contact-store';
import { decayedContact, decayScores, type DecayDeps } from '../../shared/engagement/decay';
import { defaultEngagementSettings } from '../../shared/engagement/model';

const DAY = 86_400_000;
const t0 = Date.parse('2026-01-01T00:00:00Z');
const settings = { ...defaultEngagementSettings, halfLifeDays: 10 };

function contact(id: string, score: number, scoring?: Contact['scoring']): Contact {
  return { id, email: `${id}@example.com`, tags: [], status: 'active', score, groups: [], subscriptions: {}, custom: {}, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z', version: 1, ...(scoring ? { scoring } : {}) };
}

function world(contacts: Contact[], options: { staleOnce?: string } = {}) {
  const store = new Map(contacts.map((c) => [c.id, c]));
  let writes = 0;
  let stale = options.staleOnce;
  let now = t0;
  const deps: DecayDeps = {
    workspaces: async () => ['W'],
    settings: async () => settings,
    scanner: {
      scan: async (_ws, _options, onPage) => {
        onPage([...store.values()].map((c) => ({ id: c.id, score: c.score, ...(c.scoring ? { scoring: c.scoring } : {}) })));
        return { read: store.size } as never;
      },
      page: async () => ({ items: [] }) as never,
    },
    contacts: {
      get: async (_ws, id) => store.get(id),
      update: async (_ws, next, previous) => {
        if (stale === next.id) {
          stale = undefined;
          throw new StaleVersionError('edited meanwhile');
        }
        if (store.get(next.id)?.version !== previous.version) throw new StaleVersionError('edited meanwhile');
        store.set(next.id, next);
        writes += 1;
      },
    },
    now: () => now,
  };
  return { deps, store, writes: () => writes, at: (ms: number) => (now = ms) };
}

describe('score decay', () => {
  it('halves a score per half-life, writing only when the whole number changes', async () => {
    const w = world([contact('a', 40, { raw: 40, at: new Date(t0).toISOString(), objects: ['o1'] }), contact('zero', 0)]);
    w.at(t0 + 10 * DAY);
    const first = await decayScores(w.deps);
    expect(first).toMatchObject({ workspaces: 1, scored: 1, lowered: 1 });
    expect(w.store.get('a')?.score).toBe(20);
    expect(w.store.get('a')?.scoring?.objects).toEqual(['o1']);
    // An hour later nothing rounds differently: no write.
    w.at(t0 + 10 * DAY + 3_600_000);
    const writes = w.writes();
    await decayScores(w.deps);
    expect(w.writes()).toBe(writes);
    w.at(t0 + 30 * DAY);
    await decayScores(w.deps);
    expect(w.store.get('a')?.score).toBe(5);
  });

  it('starts the clock on a hand-set score without changing it, then decays it', async () => {
    const w = world([contact('hand', 12, { raw: 3, at: new Date(t0).toISOString(), objects: [] }), contact('legacy', 8)]);
    await decayScores(w.deps);
    expect(w.store.get('hand')).toMatchObject({ score: 12, scoring: { raw: 12 } });
    expect(w.store.get('legacy')).toMatchObject({ score: 8, scoring: { raw: 8 } });
    w.at(t0 + 20 * DAY);
    await decayScores(w.deps);
    expect(w.store.get('hand')?.score).toBe(3);
    expect(w.store.get('legacy')?.score).toBe(2);
  });

  it('leaves a contact edited during the sweep for the next one', async () => {
    const w = world([contact('busy', 40, { raw: 40, at: new Date(t0).toISOString(), objects: [] })], { staleOnce: 'busy' });
    w.at(t0 + 10 * DAY);
    expect(await decayScores(w.deps)).toMatchObject({ skipped: 1, lowered: 0 });
    expect(w.store.get('busy')?.score).toBe(40);
    expect(await decayScores(w.deps)).toMatchObject({ lowered: 1 });
    expect(w.store.get('busy')?.score).toBe(20);
  });

  it('decayedContact leaves a score of zero alone', () => {
    expect(decayedContact(contact('z', 0), t0, settings)).toBeUndefined();
  });
});
