/**
 * The suppression list: addresses a workspace never sends to again, each with the reason it was
 * added. One entry per lower-cased address; reasons only ever get stronger, so an operator's
 * "manual" add (or a late unsubscribe) can never turn a complaint into something weaker.
 */
import { ValidationError } from '../errors';

/** Weakest first: the order decides which reason an address keeps when it is added twice. */
export const suppressionReasons = ['manual', 'unsubscribe', 'bounce', 'complaint'] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

/** Higher is stronger: a complaint outranks a (hard) bounce, which outranks an unsubscribe or a manual add. */
export const reasonStrength = (reason: SuppressionReason): number => suppressionReasons.indexOf(reason) + 1;

export interface SuppressionEntry {
  readonly email: string;
  readonly reason: SuppressionReason;
  /** e.g. the bounce's diagnostic code, or who added it by hand. */
  readonly detail?: string;
  /** The campaign whose message bounced / was complained about / was unsubscribed from. */
  readonly campaignId?: string;
  /** ISO 8601 time the event happened. */
  readonly at: string;
}

/** What the store keeps per address: the strongest reason seen and the first time it was suppressed. */
export interface SuppressionRecord {
  readonly email: string;
  readonly reason: SuppressionReason;
  /** Detail and campaign of the entry that gave the current reason. */
  readonly detail?: string;
  readonly campaignId?: string;
  /** The earliest `at` of all entries for the address. */
  readonly at: string;
}

export interface SuppressionPage {
  readonly items: SuppressionRecord[];
  readonly nextCursor?: string;
}

/** Addresses are keys: always trimmed and lower-cased, whoever writes or asks. */
export const suppressionKey = (email: string): string => email.trim().toLowerCase();

/**
 * The entries as the store should apply them: addresses lower-cased, times normalised to ISO
 * (so they compare as strings), and repeats of one address within the call folded into one —
 * the strongest reason, the earliest time. Throws ValidationError naming each bad entry.
 */
export function normaliseEntries(entries: readonly SuppressionEntry[]): SuppressionEntry[] {
  const byEmail = new Map<string, SuppressionEntry>();
  entries.forEach((entry, i) => {
    const email = suppressionKey(entry.email ?? '');
    const time = Date.parse(entry.at);
    const problems: string[] = [];
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) problems.push('email: must be an e-mail address');
    if (!suppressionReasons.includes(entry.reason)) problems.push(`reason: must be one of ${suppressionReasons.join(', ')}`);
    if (Number.isNaN(time)) problems.push('at: must be an ISO 8601 time');
    if (problems.length > 0) {
      throw new ValidationError(`Invalid suppression entry ${i}`, problems.map((p) => ({ field: `entries.${i}.${p.split(':')[0]}`, message: p.slice(p.indexOf(':') + 2) })));
    }
    const next: SuppressionEntry = { ...entry, email, at: new Date(time).toISOString() };
    const seen = byEmail.get(email);
    byEmail.set(email, seen ? strongest(seen, next) : next);
  });
  return [...byEmail.values()];
}

/** Of two entries for one address: the stronger reason (with its detail), and the earlier time. */
export function strongest(a: SuppressionEntry, b: SuppressionEntry): SuppressionEntry {
  const winner = reasonStrength(b.reason) > reasonStrength(a.reason) ? b : a;
  return { ...winner, at: a.at <= b.at ? a.at : b.at };
}
