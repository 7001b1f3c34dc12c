/**
 * The daily score sweep: points lose half their value per half-life whether or not the contact
 * does anything, so every contact with a score is brought to today's value once a day — written
 * only when the whole number changes (or to start the clock on a hand-set score), so a large
 * workspace costs reads, and few writes. Lists, segments and exports then filter on a current
 * `score`.
 */
import type { Contact } from '../contacts/contact';
import { StaleVersionError } from '../contacts/contact-store';
import type { ContactScanner } from '../segments/ports';
import type { EngagementSettings } from './model';
import { decayed, type ScoreState } from './score';

export interface DecayDeps {
  readonly workspaces: () => Promise<readonly string[]>;
  readonly settings: (workspaceId: string) => Promise<EngagementSettings>;
  readonly scanner: ContactScanner;
  readonly contacts: {
    get(workspaceId: string, id: string): Promise<Contact | undefined>;
    update(workspaceId: string, next: Contact, previous: Contact): Promise<void>;
  };
  readonly now: () => number;
}

export interface DecayResult {
  readonly workspaces: number;
  readonly scored: number;
  readonly lowered: number;
  readonly skipped: number;
}

/** The contact as of `now`, or undefined when nothing needs writing. */
export function decayedContact(contact: Contact, now: number, settings: EngagementSettings): Contact | undefined {
  if (!(contact.score > 0)) return undefined;
  const at = new Date(now).toISOString();
  const state: ScoreState | undefined = contact.scoring;
  // A hand-set score (or one from before scoring existed) starts decaying from now.
  if (!state || Math.round(state.raw) !== contact.score) return { ...contact, scoring: { raw: contact.score, at, objects: state?.objects ?? [] }, version: contact.version + 1 };
  const raw = decayed(state.raw, now - Date.parse(state.at), settings.halfLifeDays);
  const score = Math.round(raw);
  if (score === contact.score) return undefined;
  return { ...contact, score, scoring: { ...state, raw, at }, version: contact.version + 1 };
}

export async function decayScores(deps: DecayDeps): Promise<DecayResult> {
  let scored = 0;
  let lowered = 0;
  let skipped = 0;
  const workspaces = await deps.workspaces();
  for (const ws of workspaces) {
    const settings = await deps.settings(ws);
    const due: string[] = [];
    const now = deps.now();
    await deps.scanner.scan(ws, { attributes: ['score', 'scoring'] }, (page) => {
      for (const record of page) {
        const score = record.score;
        if (typeof score !== 'number' || score <= 0) continue;
        scored += 1;
        const state = record.scoring as ScoreState | undefined;
        const stays = state && Math.round(state.raw) === score && Math.round(decayed(state.raw, now - Date.parse(state.at), settings.halfLifeDays)) === score;
        if (!stays) due.push(String(record.id));
      }
    });
    for (const id of due) {
      const contact = await deps.contacts.get(ws, id);
      const next = contact && decayedContact(contact, deps.now(), settings);
      if (!contact || !next) continue;
      try {
        await deps.contacts.update(ws, next, contact);
        if (next.score !== contact.score) lowered += 1;
      } catch (error) {
        // Edited meanwhile (or engaged: the projector decayed it already): tomorrow's sweep sees it.
        if (!(error instanceof StaleVersionError)) throw error;
        skipped += 1;
      }
    }
  }
  return { workspaces: workspaces.length, scored, lowered, skipped };
}
