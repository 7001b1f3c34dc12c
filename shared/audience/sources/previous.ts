/**
 * Recipients of an earlier run (resends; openers, clickers, non-openers or failures of a run).
 * A recipient that was a contact is re-read, so the message carries the contact's merge fields
 * as they are now (a corrected name, a new tier) and its current address and status; a contact
 * deleted since, or one the launcher may no longer read, is left out. Recipients who were never
 * contacts keep the fields the ledger recorded, if any, and are looked up by address like a list.
 */
import type { AudienceSource } from '../../campaigns/model';
import { contactMergeFields } from '../merge-fields';
import type { AudienceDeps, PreviousRecipient } from '../ports';
import type { AudienceView } from '../view';
import { batchSize, type Candidate, type CandidateBatches } from './candidate';
import { readContacts } from './read-contacts';

type CampaignSource = Extract<AudienceSource, { kind: 'campaign' }>;

async function resolve(deps: Pick<AudienceDeps, 'contacts'>, view: AudienceView, recipients: readonly PreviousRecipient[]): Promise<Candidate[]> {
  const ids = recipients.flatMap((r) => (r.contactId ? [r.contactId] : []));
  const found = ids.length > 0 ? await readContacts(deps.contacts, view.workspaceId, [...new Set(ids)]) : new Map();
  const batch: Candidate[] = [];
  for (const recipient of recipients) {
    if (!recipient.contactId) {
      batch.push({ address: recipient.email, fields: recipient.fields ?? {}, lookUp: true });
      continue;
    }
    const contact = found.get(recipient.contactId);
    if (!contact || !view.visibility.canRead(contact)) continue;
    batch.push({ address: contact.email ?? '', contactId: contact.id, status: contact.status, fields: contactMergeFields(contact, view.definitions) });
  }
  return batch;
}

export async function* previousCandidates(deps: Pick<AudienceDeps, 'contacts' | 'previousRecipients'>, view: AudienceView, source: CampaignSource): CandidateBatches {
  let pending: PreviousRecipient[] = [];
  for await (const recipient of deps.previousRecipients.read(view.workspaceId, source.campaignId, source.runId, source.who)) {
    pending.push(recipient);
    if (pending.length >= batchSize) {
      yield await resolve(deps, view, pending);
      pending = [];
    }
  }
  if (pending.length > 0) yield await resolve(deps, view, pending);
}
