/**
 * The engagement projector: reads one lake object (what Firehose wrote in one buffer interval)
 * and derives from it, exactly once per object:
 *  - each recipient's timeline (one entry per event, keyed by the event id);
 *  - the campaign's comment list;
 *  - first human opens and clicks on the delivery ledger (resends to openers / clickers), which
 *    also make the unique counts;
 *  - the campaign's live counters (applied once per object: the object key is remembered);
 *  - the contact's counters, last activity and loyalty score (the same guard, on the contact).
 * A failure part-way throws; the retried object redoes only what it had not applied.
 */
import type { Contact } from '../contacts/contact';
import { StaleVersionError } from '../contacts/contact-store';
import type { LakeEvent } from '../lake/event';
import type { CampaignComment, ContactEngagement, EngagementSettings, ScoredEventType, TimelineEntry } from './model';
import type { CampaignDelta, EngagementStore, FirstActions } from './ports';
import { nextScore, OBJECT_WINDOW, pointsOf } from './score';

export interface ContactAccess {
  findByEmails(workspaceId: string, emails: readonly string[]): Promise<Map<string, Contact>>;
  /** Replaces `previous` with `next` (version + 1); throws StaleVersionError when another write won. */
  update(workspaceId: string, next: Contact, previous: Contact): Promise<void>;
}

export interface ProjectorDeps {
  readonly store: EngagementStore;
  readonly firstActions: FirstActions;
  readonly contacts: ContactAccess;
  readonly now: () => number;
  readonly log?: (message: string, detail: Record<string, unknown>) => void;
}

export interface ProjectionResult {
  readonly events: number;
  readonly campaigns: number;
  readonly contacts: number;
  readonly skipped: number;
}

/** A contact's share of one object. */
interface ContactDelta {
  counts: Partial<Record<ScoredEventType, number>>;
  pageViews: number;
  lastOpenAt?: string;
  lastClickAt?: string;
  lastActivityAt?: string;
}

const human = (e: LakeEvent) => e.machine !== true;

/** Events a person did (not the sending side): they make "last activity". */
const activityTypes = new Set<LakeEvent['type']>(['open', 'click', 'page_view', 'forward', 'comment', 'unsubscribe', 'subscribe']);

export function timelineEntryOf(event: LakeEvent): TimelineEntry {
  const place = { ...(event.country ? { country: event.country } : {}), ...(event.region ? { region: event.region } : {}), ...(event.city ? { city: event.city } : {}) };
  const device = { ...(event.os ? { os: event.os } : {}), ...(event.client ? { client: event.client } : {}), ...(event.device_type ? { deviceType: event.device_type } : {}) };
  return {
    id: event.id,
    type: event.type,
    at: event.event_time,
    ...(event.campaign_id ? { campaignId: event.campaign_id } : {}),
    ...(event.run_id ? { runId: event.run_id } : {}),
    ...(event.url ? { url: event.url } : {}),
    ...(event.link_index !== undefined ? { linkIndex: event.link_index } : {}),
    ...(Object.keys(place).length ? { geo: place } : {}),
    ...(Object.keys(device).length ? { device } : {}),
    ...(event.machine ? { machine: true } : {}),
    ...(event.machine_reason && event.machine ? { machineReason: event.machine_reason } : {}),
    ...(event.friends?.length ? { forwardedTo: event.friends } : {}),
    ...(event.forwarded_by ? { forwardedBy: event.forwarded_by } : {}),
    ...(event.text ? { text: event.text } : {}),
    ...(event.categories?.length ? { categories: event.categories } : {}),
    ...(event.reason ? { reason: event.reason } : event.bounce_type ? { reason: event.bounce_type } : {}),
  };
}

const later = (a: string | undefined, b: string): string => (a && a > b ? a : b);

export async function projectObject(deps: ProjectorDeps, objectKey: string, events: readonly LakeEvent[]): Promise<ProjectionResult> {
  const valid = events.filter((e) => typeof e.workspace_id === 'string' && typeof e.id === 'string' && typeof e.type === 'string' && typeof e.event_time === 'string');
  const skipped = events.length - valid.length;
  const byWorkspace = new Map<string, LakeEvent[]>();
  for (const event of valid) (byWorkspace.get(event.workspace_id) ?? byWorkspace.set(event.workspace_id, []).get(event.workspace_id)!).push(event);

  let campaigns = 0;
  let contacts = 0;
  for (const [ws, list] of byWorkspace) {
    const settings = await deps.store.getSettings(ws);

    // 1. Timelines and comments: idempotent puts keyed by the event id.
    await deps.store.putTimeline(ws, list.filter((e) => e.email).map((e) => ({ email: e.email as string, entry: timelineEntryOf(e) })));
    const comments = new Map<string, CampaignComment[]>();
    for (const e of list) {
      if (e.type !== 'comment' || !e.campaign_id || !e.email || !e.text) continue;
      const comment: CampaignComment = { id: e.id, at: e.event_time, runId: e.run_id ?? '', email: e.email, text: e.text, ...(e.name ? { name: e.name } : {}), ...(e.forwarded_by ? { forwardedBy: e.forwarded_by } : {}) };
      (comments.get(e.campaign_id) ?? comments.set(e.campaign_id, []).get(e.campaign_id)!).push(comment);
    }
    for (const [campaignId, items] of comments) await deps.store.putComments(ws, campaignId, items);

    // 2. First human opens / clicks on the ledger: they decide the unique counts.
    const unique = new Set<string>();
    for (const e of list) {
      if ((e.type !== 'open' && e.type !== 'click') || !human(e) || !e.run_id || !e.email) continue;
      const ledgerRun = e.forwarded_by ? `${e.run_id}-fwd` : e.run_id;
      if (await deps.firstActions.note(ledgerRun, e.email, e.type, e.event_time, objectKey)) unique.add(e.id);
    }

    // 3. Campaign counters, once per object.
    const deltas = new Map<string, { delta: CampaignDelta; last?: string }>();
    const bump = (campaignId: string, name: keyof CampaignDelta, at?: string) => {
      const current = deltas.get(campaignId) ?? { delta: {} };
      current.delta[name] = (current.delta[name] ?? 0) + 1;
      if (at) current.last = later(current.last, at);
      deltas.set(campaignId, current);
    };
    const seenUnique = new Set<string>();
    for (const e of list) {
      const c = e.campaign_id;
      if (!c) continue;
      switch (e.type) {
        case 'send':
          bump(c, 'sent');
          break;
        case 'delivery':
          bump(c, 'delivered');
          break;
        case 'bounce':
          if (e.bounce_type === 'Permanent') bump(c, 'bounced');
          break;
        case 'complaint':
          bump(c, 'complained');
          break;
        case 'open':
        case 'click': {
          const open = e.type === 'open';
          if (!human(e)) {
            bump(c, open ? 'machineOpens' : 'machineClicks');
            break;
          }
          bump(c, open ? 'opens' : 'clicks', e.event_time);
          const key = `${e.type}\n${e.run_id}\n${e.email}`;
          if (unique.has(e.id) && !seenUnique.has(key)) {
            seenUnique.add(key);
            bump(c, open ? 'uniqueOpens' : 'uniqueClicks');
          }
          break;
        }
        case 'page_view':
          if (human(e)) bump(c, 'pageViews', e.event_time);
          break;
        case 'unsubscribe':
          bump(c, 'unsubscribes', e.event_time);
          break;
        case 'forward':
          bump(c, 'forwards', e.event_time);
          break;
        case 'comment':
          bump(c, 'comments', e.event_time);
          break;
        default:
          break;
      }
    }
    for (const [campaignId, { delta, last }] of deltas) {
      if (await deps.store.applyCampaign(ws, campaignId, delta, last, objectKey)) campaigns += 1;
    }

    // 4. Contacts: counters, last activity, score — once per object, on the contact itself.
    const people = new Map<string, ContactDelta>();
    for (const e of list) {
      if (!e.email || !human(e)) continue;
      const d = people.get(e.email) ?? { counts: {}, pageViews: 0 };
      const scored = e.type as ScoredEventType;
      if (scored in settings.weights) {
        // A bounce only costs points when it is permanent.
        if (e.type !== 'bounce' || e.bounce_type === 'Permanent') d.counts[scored] = (d.counts[scored] ?? 0) + 1;
      }
      if (e.type === 'page_view') d.pageViews += 1;
      if (e.type === 'open') d.lastOpenAt = later(d.lastOpenAt, e.event_time);
      if (e.type === 'click') d.lastClickAt = later(d.lastClickAt, e.event_time);
      if (activityTypes.has(e.type)) d.lastActivityAt = later(d.lastActivityAt, e.event_time);
      if (Object.keys(d.counts).length || d.lastActivityAt) people.set(e.email, d);
    }
    if (people.size > 0) {
      await deps.store.noteWorkspace(ws);
      contacts += await applyContacts(deps, ws, people, settings, objectKey);
    }
  }
  return { events: valid.length, campaigns, contacts, skipped };
}

async function applyContacts(deps: ProjectorDeps, ws: string, people: Map<string, ContactDelta>, settings: EngagementSettings, objectKey: string): Promise<number> {
  let applied = 0;
  let pending = [...people.keys()];
  for (let attempt = 0; pending.length > 0 && attempt < 6; attempt++) {
    const found = await deps.contacts.findByEmails(ws, pending);
    const retry: string[] = [];
    for (const email of pending) {
      const contact = found.get(email);
      if (!contact) continue; // an address that is not (or no longer) a contact: the timeline keeps it
      const scoring = contact.scoring;
      if (scoring?.objects.includes(objectKey)) continue;
      const delta = people.get(email) as ContactDelta;
      const now = deps.now();
      const { score, raw } = nextScore(contact.score, scoring, pointsOf(delta.counts, settings), now, settings);
      const before: ContactEngagement = contact.engagement ?? { opens: 0, clicks: 0, pageViews: 0, forwards: 0, comments: 0 };
      const engagement: ContactEngagement = {
        opens: before.opens + (delta.counts.open ?? 0),
        clicks: before.clicks + (delta.counts.click ?? 0),
        pageViews: before.pageViews + delta.pageViews,
        forwards: before.forwards + (delta.counts.forward ?? 0),
        comments: before.comments + (delta.counts.comment ?? 0),
        ...(delta.lastOpenAt || before.lastOpenAt ? { lastOpenAt: later(before.lastOpenAt, delta.lastOpenAt ?? '') } : {}),
        ...(delta.lastClickAt || before.lastClickAt ? { lastClickAt: later(before.lastClickAt, delta.lastClickAt ?? '') } : {}),
        ...(delta.lastActivityAt || before.lastActivityAt ? { lastActivityAt: later(before.lastActivityAt, delta.lastActivityAt ?? '') } : {}),
      };
      const next = {
        ...contact,
        score,
        engagement,
        scoring: { raw, at: new Date(now).toISOString(), objects: [...(scoring?.objects ?? []), objectKey].slice(-OBJECT_WINDOW) },
        version: contact.version + 1,
      };
      try {
        await deps.contacts.update(ws, next, contact);
        applied += 1;
      } catch (error) {
        if (!(error instanceof StaleVersionError)) throw error;
        retry.push(email);
      }
    }
    pending = retry;
  }
  if (pending.length > 0) throw new Error(`Contacts kept changing while their engagement was applied: ${pending.length} left for the retry`);
  return applied;
}
