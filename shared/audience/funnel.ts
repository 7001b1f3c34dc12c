/**
 * One pass over every candidate, in source order, with the counts the run reports:
 *
 *   correct (the imports cleaner: full-width, typos like gmial.com …)  → `corrected`
 *   drop what is still not an address (or a contact without one)       → `invalid`
 *   drop repeats of an address, the first occurrence wins              → `duplicates`
 *   drop the suppression table's addresses, and contacts unsubscribed,
 *     bounced or complained                                            → `suppressed`
 *   drop addresses of the exclusion sources                            → `excluded`
 *
 * What is left is emitted in order, `total` of them. The table and contact look-ups are made a
 * batch at a time, a few batches ahead of the one being emitted, so a 100,000-line list waits on
 * a handful of round trips rather than hundreds in a row. Memory: the set of addresses seen (the
 * de-duplication needs it) and the batches in flight.
 */
import type { Contact } from '../contacts/contact';
import { cleanEmail } from '../imports/clean';
import { contactMergeFields, overlay } from './merge-fields';
import type { AudienceDeps } from './ports';
import type { Candidate } from './sources/candidate';
import { readContactsByEmail } from './sources/read-contacts';
import type { AudienceSummary, FrozenRecipient } from './types';
import type { AudienceView } from './view';

/** Addresses checked per look-up batch. */
const checkSize = 1000;
/** Batches whose look-ups run while an earlier one is emitted. */
const lookAhead = 4;

interface Pending {
  readonly email: string;
  readonly candidate: Candidate;
}

interface Checked {
  readonly batch: readonly Pending[];
  readonly suppressed: ReadonlySet<string>;
  readonly known: ReadonlyMap<string, Contact>;
}

type Counts = { -readonly [K in keyof AudienceSummary]: number };

export class Funnel {
  private readonly counts: Counts = { total: 0, duplicates: 0, invalid: 0, corrected: 0, suppressed: 0, excluded: 0 };
  private readonly seen = new Set<string>();
  private pending: Pending[] = [];
  private readonly ahead: Promise<Checked>[] = [];

  constructor(
    private readonly deps: Pick<AudienceDeps, 'suppression' | 'contacts'>,
    private readonly view: AudienceView,
    private readonly excluded: ReadonlySet<string>,
    private readonly emit: (recipient: FrozenRecipient) => Promise<void>,
  ) {}

  async take(candidates: readonly Candidate[]): Promise<void> {
    for (const candidate of candidates) {
      const cleaned = cleanEmail(candidate.address);
      if (cleaned.value === undefined) {
        this.counts.invalid++;
        continue;
      }
      if (cleaned.changes.length > 0) this.counts.corrected++;
      if (this.seen.has(cleaned.value)) {
        this.counts.duplicates++;
        continue;
      }
      this.seen.add(cleaned.value);
      this.pending.push({ email: cleaned.value, candidate });
      if (this.pending.length >= checkSize) await this.dispatch();
    }
  }

  /** Emits what is left; the counts. */
  async end(): Promise<AudienceSummary> {
    if (this.pending.length > 0) await this.dispatch();
    while (this.ahead.length > 0) await this.emitChecked(await (this.ahead.shift() as Promise<Checked>));
    return { ...this.counts };
  }

  /** Starts the look-ups of the pending batch; emits the oldest batch once too many are ahead. */
  private async dispatch(): Promise<void> {
    const checking = this.check(this.pending);
    // Awaited in order below; until then a failure must not count as unhandled.
    checking.catch(() => undefined);
    this.ahead.push(checking);
    this.pending = [];
    if (this.ahead.length > lookAhead) await this.emitChecked(await (this.ahead.shift() as Promise<Checked>));
  }

  private async check(batch: readonly Pending[]): Promise<Checked> {
    const ws = this.view.workspaceId;
    const lookUps = this.deps.contacts.findByEmails ? batch.filter((p) => p.candidate.lookUp).map((p) => p.email) : [];
    const [suppressed, known] = await Promise.all([
      this.deps.suppression.filterSuppressed(ws, batch.map((p) => p.email)),
      readContactsByEmail(this.deps.contacts, ws, lookUps),
    ]);
    return { batch, suppressed, known };
  }

  private async emitChecked({ batch, suppressed, known }: Checked): Promise<void> {
    for (const { email, candidate } of batch) {
      const contact = known.get(email);
      // The status counts even for a contact the launcher cannot see: it is about the person, not the data.
      const status = contact?.status ?? candidate.status;
      if (suppressed.has(email) || (status !== undefined && status !== 'active')) {
        this.counts.suppressed++;
        continue;
      }
      if (this.excluded.has(email)) {
        this.counts.excluded++;
        continue;
      }
      // A list row becomes that contact only if the launcher may read it: its fields are contact data.
      const visible = contact !== undefined && this.view.visibility.canRead(contact);
      const fields = visible ? overlay(contactMergeFields(contact, this.view.definitions), candidate.fields) : { ...candidate.fields };
      fields.email = email;
      const contactId = visible ? contact.id : candidate.contactId;
      this.counts.total++;
      await this.emit({ email, ...(contactId ? { contactId } : {}), fields });
    }
  }
}
