/**
 * The engagement projector against in-memory ports that keep the adapters' contracts: the
 * campaign summary applies a lake object once (it remembers the object keys, as the DynamoDB
 * store does), the ledger's first actions answer true only to the object that noted them (and to
 * that object again: LedgerFirstActions), and contacts update under a version check. Checked:
 * unique and total opens and clicks, machines apart, forwarded friends on the `<run>-fwd` ledger,
 * replays that change nothing, a lost race retried, the loyalty score with decay, comments, and
 * malformed events skipped.
 */
import { describe, expect, it } from 'vitest';
import type { Contact } from '../../shared/contacts/contact';
import { StaleVersionError } from '../../shared/contacts/contact-store';
import { defaultEngagementSettings, type CampaignComment, type CampaignEngagement, type EngagementSettings, type TimelineEntry } from '../../shared/engagement/model';
import type { CampaignDelta, EngagementStore, FirstActions, Page } from '../../shared/engagement/ports';
import { projectObject, type ContactAccess, type ProjectorDeps } from '../../shared/engagement/projector';
import { nextScore, OBJECT_WINDOW } from '../../shared/engagement/score';
import type { LakeEvent, LakeEventType } from '../../shared/lake/event';

const WS = 'ws-1';
const CAMPAIGN = 'campaign-1';
const RUN = 'run-1';
const LIN = 'lin@example.com';
const ANN = 'ann@example.com';
const FRIEND = 'friend@example.com';
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const DAY = 86_400_000;
const W = defaultEngagementSettings.weights;

const counterNames = ['sent', 'delivered', 'bounced', 'complained', 'opens', 'uniqueOpens', 'machineOpens', 'clicks', 'uniqueClicks', 'machineClicks', 'pageViews', 'unsubscribes', 'forwards', 'comments'] as const;

/** The engagement table in memory, applying a campaign delta once per lake object like DynamoEngagementStore. */
class MemoryEngagementStore implements EngagementStore {
  readonly timelines = new Map<string, Map<string, TimelineEntry>>();
  readonly comments = new Map<string, Map<string, CampaignComment>>();
  readonly summaries = new Map<string, { counters: Record<string, number>; lastActivityAt?: string; objects: string[] }>();
  readonly settings = new Map<string, EngagementSettings>();
  applyCalls = 0;

  async putTimeline(ws: string, entries: readonly { email: string; entry: TimelineEntry }[]): Promise<void> {
    for (const { email, entry } of entries) {
      const key = `${ws}\n${email}`;
      (this.timelines.get(key) ?? this.timelines.set(key, new Map()).get(key)!).set(entry.id, structuredClone(entry));
    }
  }

  async listTimeline(ws: string, email: string, options: { limit: number; cursor?: string }): Promise<Page<TimelineEntry>> {
    const all = [...(this.timelines.get(`${ws}\n${email}`)?.values() ?? [])].sort((a, b) => (b.at + b.id).localeCompare(a.at + a.id));
    const start = options.cursor ? Number(options.cursor) : 0;
    const items = all.slice(start, start + options.limit);
    return { items, ...(start + options.limit < all.length ? { next: String(start + options.limit) } : {}) };
  }

  async putComments(ws: string, campaignId: string, comments: readonly CampaignComment[]): Promise<void> {
    const key = `${ws}\n${campaignId}`;
    for (const comment of comments) (this.comments.get(key) ?? this.comments.set(key, new Map()).get(key)!).set(comment.id, structuredClone(comment));
  }

  async listComments(ws: string, campaignId: string, options: { limit: number }): Promise<Page<CampaignComment>> {
    return { items: [...(this.comments.get(`${ws}\n${campaignId}`)?.values() ?? [])].sort((a, b) => b.at.localeCompare(a.at)).slice(0, options.limit) };
  }

  async applyCampaign(ws: string, campaignId: string, delta: CampaignDelta, lastActivityAt: string | undefined, objectKey: string): Promise<boolean> {
    this.applyCalls += 1;
    const key = `${ws}\n${campaignId}`;
    const current = this.summaries.get(key) ?? { counters: {}, objects: [] };
    // The adapter's guard: the summary remembers the objects it applied.
    if (current.objects.includes(objectKey)) return false;
    const counters = { ...current.counters };
    for (const name of counterNames) if (delta[name]) counters[name] = (counters[name] ?? 0) + (delta[name] as number);
    const last = lastActivityAt && !(current.lastActivityAt && current.lastActivityAt >= lastActivityAt) ? lastActivityAt : current.lastActivityAt;
    this.summaries.set(key, { counters, ...(last ? { lastActivityAt: last } : {}), objects: [...current.objects, objectKey].slice(-256) });
    return true;
  }

  async getCampaign(ws: string, campaignId: string): Promise<CampaignEngagement> {
    const s = this.summaries.get(`${ws}\n${campaignId}`);
    const n = (name: string) => s?.counters[name] ?? 0;
    return {
      campaignId,
      sent: n('sent'),
      delivered: n('delivered'),
      bounced: n('bounced'),
      complained: n('complained'),
      opens: { total: n('opens'), unique: n('uniqueOpens'), machine: n('machineOpens') },
      clicks: { total: n('clicks'), unique: n('uniqueClicks'), machine: n('machineClicks') },
      pageViews: n('pageViews'),
      unsubscribes: n('unsubscribes'),
      forwards: n('forwards'),
      comments: n('comments'),
      ...(s?.lastActivityAt ? { lastActivityAt: s.lastActivityAt } : {}),
    };
  }

  async getSettings(ws: string): Promise<EngagementSettings> {
    return this.settings.get(ws) ?? defaultEngagementSettings;
  }

  async putSettings(ws: string, settings: EngagementSettings): Promise<void> {
    this.settings.set(ws, settings);
  }

  readonly scoredWorkspaces = new Set<string>();

  async noteWorkspace(ws: string): Promise<void> {
    this.scoredWorkspaces.add(ws);
  }

  async workspaces(): Promise<readonly string[]> {
    return [...this.scoredWorkspaces];
  }
}

/**
 * The delivery ledger's first actions, as LedgerFirstActions keeps them: the first object to note
 * (run, email, kind) owns it, and is told true again when it notes it again (retries stay exact);
 * an address without a ledger record (when `ledger` lists the records) is never a first action.
 */
class MemoryFirstActions implements FirstActions {
  readonly noted = new Map<string, { at: string; by: string }>();
  readonly calls: { runId: string; email: string; kind: 'open' | 'click'; objectKey: string }[] = [];
  constructor(private readonly ledger?: ReadonlySet<string>) {}

  async note(runId: string, email: string, kind: 'open' | 'click', at: string, objectKey: string): Promise<boolean> {
    this.calls.push({ runId, email, kind, objectKey });
    if (this.ledger && !this.ledger.has(`${runId}\n${email}`)) return false;
    const key = `${runId}\n${email}\n${kind}`;
    const first = this.noted.get(key) ?? this.noted.set(key, { at, by: objectKey }).get(key)!;
    return first.by === objectKey;
  }
}

/** Contacts with optimistic versions; `raceOnce` makes another writer win the next update of an address. */
class MemoryContacts implements ContactAccess {
  readonly byEmail = new Map<string, Contact>();
  readonly raceOnce = new Set<string>();
  failOnce?: Error;
  updates = 0;
  staleThrown = 0;

  add(email: string, over: Partial<Contact> = {}): Contact {
    const contact: Contact = {
      id: `contact-${email}`,
      email,
      tags: [],
      status: 'active',
      score: 0,
      groups: [],
      subscriptions: {},
      custom: {},
      createdAt: new Date(T0 - 30 * DAY).toISOString(),
      updatedAt: new Date(T0 - 30 * DAY).toISOString(),
      version: 1,
      ...over,
    };
    this.byEmail.set(email, contact);
    return contact;
  }

  get(email: string): Contact {
    const contact = this.byEmail.get(email);
    if (!contact) throw new Error(`no contact ${email}`);
    return contact;
  }

  async findByEmails(_ws: string, emails: readonly string[]): Promise<Map<string, Contact>> {
    const found = new Map<string, Contact>();
    for (const email of emails) {
      const contact = this.byEmail.get(email);
      if (contact) found.set(email, structuredClone(contact));
    }
    return found;
  }

  async update(_ws: string, next: Contact, previous: Contact): Promise<void> {
    const email = previous.email as string;
    if (this.failOnce) {
      const error = this.failOnce;
      this.failOnce = undefined;
      throw error;
    }
    if (this.raceOnce.delete(email)) {
      // Another write (an operator renaming the contact) lands first.
      const current = this.get(email);
      this.byEmail.set(email, { ...current, name: 'Renamed meanwhile', version: current.version + 1 });
    }
    const current = this.get(email);
    if (current.version !== previous.version) {
      this.staleThrown += 1;
      throw new StaleVersionError(`contact ${email} changed`);
    }
    expect(next.version).toBe(previous.version + 1);
    this.updates += 1;
    this.byEmail.set(email, structuredClone(next));
  }
}

function setup(options: { ledger?: ReadonlySet<string> } = {}) {
  const store = new MemoryEngagementStore();
  const firstActions = new MemoryFirstActions(options.ledger);
  const contacts = new MemoryContacts();
  const clock = { now: T0 };
  const deps: ProjectorDeps = { store, firstActions, contacts, now: () => clock.now };
  return { store, firstActions, contacts, clock, deps };
}

let ids = 0;
/** One lake event of the campaign's run, `minutes` after T0. */
function event(type: LakeEventType, email: string, minutes: number, over: Partial<LakeEvent> = {}): LakeEvent {
  ids += 1;
  return {
    id: `01EVENT${String(ids).padStart(19, '0')}`,
    type,
    event_time: new Date(T0 + minutes * 60_000).toISOString(),
    workspace_id: WS,
    campaign_id: CAMPAIGN,
    run_id: RUN,
    email,
    channel: 'mail',
    ...(type === 'open' || type === 'click' || type === 'page_view' ? { machine: false } : {}),
    ...over,
  };
}

const timelineSize = (store: MemoryEngagementStore) => [...store.timelines.values()].reduce((n, m) => n + m.size, 0);

describe('engagement projector', () => {
  it('counts total and unique opens and clicks, and machine ones apart', async () => {
    const { deps, store, contacts } = setup();
    contacts.add(LIN);
    contacts.add(ANN);
    const events = [
      event('send', LIN, 0),
      event('send', ANN, 0),
      event('delivery', LIN, 1),
      event('delivery', ANN, 1),
      event('open', LIN, 1, { machine: true, machine_reason: 'apple-mpp' }),
      event('open', LIN, 10),
      event('open', LIN, 20),
      event('open', ANN, 15),
      event('click', LIN, 11),
      event('click', LIN, 12),
      event('click', ANN, 2, { machine: true, machine_reason: 'too-fast' }),
      event('page_view', LIN, 13),
      event('page_view', LIN, 14, { machine: true }),
    ];
    const result = await projectObject(deps, 'events/1.gz', events);
    expect(result).toEqual({ events: events.length, campaigns: 1, contacts: 2, skipped: 0 });
    expect(await store.getCampaign(WS, CAMPAIGN)).toEqual({
      campaignId: CAMPAIGN,
      sent: 2,
      delivered: 2,
      bounced: 0,
      complained: 0,
      opens: { total: 3, unique: 2, machine: 1 },
      clicks: { total: 2, unique: 1, machine: 1 },
      pageViews: 1,
      unsubscribes: 0,
      forwards: 0,
      comments: 0,
      lastActivityAt: new Date(T0 + 20 * 60_000).toISOString(),
    });
    const lin = contacts.get(LIN);
    expect(lin.engagement).toEqual({
      opens: 2,
      clicks: 2,
      pageViews: 1,
      forwards: 0,
      comments: 0,
      lastOpenAt: new Date(T0 + 20 * 60_000).toISOString(),
      lastClickAt: new Date(T0 + 12 * 60_000).toISOString(),
      lastActivityAt: new Date(T0 + 20 * 60_000).toISOString(),
    });
    // Human events only: the proxy's open, the scanner's click and the machine page view score nothing.
    expect(lin.score).toBe(2 * W.open + 2 * W.click + W.page_view);
    expect(lin.version).toBe(2);
    // The daily decay sweep will visit this workspace.
    expect(await store.workspaces()).toEqual([WS]);
    expect(contacts.get(ANN)).toMatchObject({ score: W.open, engagement: { opens: 1, clicks: 0 } });
    // Every event is on its recipient's timeline, machines marked.
    expect(timelineSize(store)).toBe(events.length);
    const timeline = (await store.listTimeline(WS, LIN, { limit: 50 })).items;
    expect(timeline.filter((e) => e.machine).map((e) => e.type).sort()).toEqual(['open', 'page_view']);
    expect(timeline.find((e) => e.type === 'open' && e.machine)?.machineReason).toBe('apple-mpp');
  });

  it('gives a person with only machine events no counts, no score and no last activity', async () => {
    const { deps, store, contacts } = setup();
    contacts.add(LIN, { score: 4 });
    await projectObject(deps, 'events/1.gz', [event('open', LIN, 1, { machine: true }), event('click', LIN, 1, { machine: true }), event('page_view', LIN, 1, { machine: true })]);
    expect(contacts.get(LIN)).toMatchObject({ score: 4, version: 1 });
    expect(contacts.get(LIN).engagement).toBeUndefined();
    expect(contacts.updates).toBe(0);
    expect(await store.getCampaign(WS, CAMPAIGN)).toMatchObject({ opens: { total: 0, unique: 0, machine: 1 }, clicks: { total: 0, unique: 0, machine: 1 }, pageViews: 0 });
    expect((await store.getCampaign(WS, CAMPAIGN)).lastActivityAt).toBeUndefined();
  });

  it('notes a forwarded friend\'s first actions on the <run>-fwd ledger, the list\'s on the run', async () => {
    const { deps, firstActions, store } = setup();
    await projectObject(deps, 'events/1.gz', [
      event('open', LIN, 5),
      event('open', FRIEND, 6, { forwarded_by: LIN, forward_depth: 1 }),
      event('click', FRIEND, 7, { forwarded_by: LIN, forward_depth: 1 }),
      // The same address on the list too: its own ledger record, its own first open.
      event('open', FRIEND, 8),
    ]);
    expect(firstActions.calls.map((c) => `${c.runId} ${c.email} ${c.kind}`)).toEqual([`${RUN} ${LIN} open`, `${RUN}-fwd ${FRIEND} open`, `${RUN}-fwd ${FRIEND} click`, `${RUN} ${FRIEND} open`]);
    expect([...firstActions.noted.keys()].sort()).toEqual([`${RUN}\n${FRIEND}\nopen`, `${RUN}\n${LIN}\nopen`, `${RUN}-fwd\n${FRIEND}\nclick`, `${RUN}-fwd\n${FRIEND}\nopen`].sort());
    expect((await store.getCampaign(WS, CAMPAIGN)).opens.total).toBe(3);
  });

  it('counts an address without a ledger record in the totals but not as unique', async () => {
    const { deps, store } = setup({ ledger: new Set([`${RUN}\n${LIN}`]) });
    await projectObject(deps, 'events/1.gz', [event('open', LIN, 5), event('open', 'typed-by-hand@example.com', 6)]);
    expect((await store.getCampaign(WS, CAMPAIGN)).opens).toEqual({ total: 2, unique: 1, machine: 0 });
  });

  it('changes nothing when the same object is projected again', async () => {
    const { deps, store, contacts, firstActions, clock } = setup();
    contacts.add(LIN);
    const events = [event('open', LIN, 10), event('click', LIN, 11), event('comment', LIN, 12, { text: '好看！', name: '林' }), event('unsubscribe', LIN, 13, { categories: ['all'] })];
    const first = await projectObject(deps, 'events/1.gz', events);
    expect(first).toMatchObject({ campaigns: 1, contacts: 1 });
    const campaign = await store.getCampaign(WS, CAMPAIGN);
    const contact = structuredClone(contacts.get(LIN));
    const timeline = structuredClone([...store.timelines.entries()]);
    const comments = structuredClone([...store.comments.entries()]);

    const again = await projectObject(deps, 'events/1.gz', events);
    expect(again).toEqual({ events: 4, campaigns: 0, contacts: 0, skipped: 0 });
    expect(await store.getCampaign(WS, CAMPAIGN)).toEqual(campaign);
    expect(contacts.get(LIN)).toEqual(contact);
    expect([...store.timelines.entries()]).toEqual(timeline);
    expect([...store.comments.entries()]).toEqual(comments);
    // The ledger's first open is still the first object's (it was told true again, counted nowhere).
    expect(firstActions.noted.get(`${RUN}\n${LIN}\nopen`)?.by).toBe('events/1.gz');
    // A later clock changes nothing either: the object is not applied twice, so no decay is written.
    clock.now = T0 + 90 * DAY;
    await projectObject(deps, 'events/1.gz', events);
    expect(contacts.get(LIN)).toEqual(contact);
  });

  it('adds a second object to the first, without counting a recipient unique twice', async () => {
    const { deps, store, contacts } = setup();
    contacts.add(LIN);
    await projectObject(deps, 'events/1.gz', [event('open', LIN, 10), event('click', LIN, 11)]);
    const result = await projectObject(deps, 'events/2.gz', [event('open', LIN, 60), event('open', ANN, 61), event('click', LIN, 62)]);
    expect(result).toMatchObject({ campaigns: 1, contacts: 1 });
    expect(await store.getCampaign(WS, CAMPAIGN)).toMatchObject({ opens: { total: 3, unique: 2, machine: 0 }, clicks: { total: 2, unique: 1, machine: 0 }, lastActivityAt: new Date(T0 + 62 * 60_000).toISOString() });
    expect(contacts.get(LIN)).toMatchObject({ version: 3, engagement: { opens: 2, clicks: 2, lastOpenAt: new Date(T0 + 60 * 60_000).toISOString() } });
    expect(contacts.get(LIN).scoring?.objects).toEqual(['events/1.gz', 'events/2.gz']);
    expect(timelineSize(store)).toBe(5);
  });

  it('re-reads and retries a contact that another write changed meanwhile', async () => {
    const { deps, contacts } = setup();
    contacts.add(LIN);
    contacts.add(ANN);
    contacts.raceOnce.add(LIN);
    const result = await projectObject(deps, 'events/1.gz', [event('open', LIN, 10), event('open', ANN, 10)]);
    expect(result.contacts).toBe(2);
    expect(contacts.staleThrown).toBe(1);
    // Both writes kept: the other writer's name and the engagement, applied once.
    expect(contacts.get(LIN)).toMatchObject({ name: 'Renamed meanwhile', version: 3, score: W.open, engagement: { opens: 1 } });
    expect(contacts.get(LIN).scoring?.objects).toEqual(['events/1.gz']);
    expect(contacts.get(ANN)).toMatchObject({ version: 2, engagement: { opens: 1 } });
  });

  it('gives up after repeated races, leaving the object for the retry', async () => {
    const { deps, contacts } = setup();
    contacts.add(LIN);
    const race = contacts.update.bind(contacts);
    contacts.update = async (ws, next, previous) => {
      contacts.raceOnce.add(LIN);
      return race(ws, next, previous);
    };
    await expect(projectObject(deps, 'events/1.gz', [event('open', LIN, 10)])).rejects.toThrow(/kept changing/);
    expect(contacts.get(LIN).engagement).toBeUndefined();
  });

  it('redoes only what a failed attempt had not applied', async () => {
    const { deps, store, contacts } = setup();
    contacts.add(LIN);
    const events = [event('open', LIN, 10), event('click', LIN, 11)];
    contacts.failOnce = new Error('DynamoDB throttled');
    await expect(projectObject(deps, 'events/1.gz', events)).rejects.toThrow('DynamoDB throttled');
    // The campaign's counters were applied before the contacts failed.
    expect((await store.getCampaign(WS, CAMPAIGN)).opens).toEqual({ total: 1, unique: 1, machine: 0 });
    const retried = await projectObject(deps, 'events/1.gz', events);
    expect(retried).toMatchObject({ campaigns: 0, contacts: 1 });
    expect(await store.getCampaign(WS, CAMPAIGN)).toMatchObject({ opens: { total: 1, unique: 1, machine: 0 }, clicks: { total: 1, unique: 1, machine: 0 } });
    expect(contacts.get(LIN)).toMatchObject({ version: 2, score: W.open + W.click, engagement: { opens: 1, clicks: 1 } });
  });

  it('scores with decay between objects, and restarts from a hand-set score', async () => {
    const { deps, contacts, clock } = setup();
    contacts.add(LIN);
    const halfLife = defaultEngagementSettings.halfLifeDays * DAY;

    await projectObject(deps, 'events/1.gz', [event('open', LIN, 1), event('click', LIN, 2), event('click', LIN, 3)]);
    const first = W.open + 2 * W.click;
    expect(contacts.get(LIN)).toMatchObject({ score: first, scoring: { raw: first, at: new Date(T0).toISOString() } });

    // One half-life later: the points so far count half, the new open in full.
    clock.now = T0 + halfLife;
    await projectObject(deps, 'events/2.gz', [event('open', LIN, 0)]);
    const second = first / 2 + W.open;
    expect(contacts.get(LIN).scoring?.raw).toBeCloseTo(second, 10);
    expect(contacts.get(LIN).score).toBe(Math.round(second));

    // Only activity that scores nothing (a sign-up): the decay alone is written.
    clock.now = T0 + 2 * halfLife;
    await projectObject(deps, 'events/3.gz', [event('subscribe', LIN, 0, { categories: ['all'] })]);
    expect(contacts.get(LIN).scoring?.raw).toBeCloseTo(second / 2, 10);
    expect(contacts.get(LIN).score).toBe(Math.round(second / 2));

    // The same as score.ts says, step by step.
    const expected = nextScore(Math.round(second), { raw: second, at: new Date(T0 + halfLife).toISOString(), objects: [] }, 0, T0 + 2 * halfLife, defaultEngagementSettings);
    expect(contacts.get(LIN).score).toBe(expected.score);

    // An operator sets the score by hand: the next object starts from it, without decay.
    contacts.byEmail.set(LIN, { ...contacts.get(LIN), score: 50, version: contacts.get(LIN).version + 1 });
    clock.now = T0 + 3 * halfLife;
    await projectObject(deps, 'events/4.gz', [event('click', LIN, 0)]);
    expect(contacts.get(LIN)).toMatchObject({ score: 50 + W.click, scoring: { raw: 50 + W.click } });
  });

  it('never scores below zero', async () => {
    const { deps, contacts } = setup();
    contacts.add(LIN, { score: 3 });
    await projectObject(deps, 'events/1.gz', [event('unsubscribe', LIN, 1, { categories: ['all'] }), event('complaint', LIN, 2)]);
    expect(contacts.get(LIN)).toMatchObject({ score: 0, scoring: { raw: 0 } });
    await projectObject(deps, 'events/2.gz', [event('open', LIN, 3)]);
    expect(contacts.get(LIN).score).toBe(W.open);
  });

  it('costs points for a permanent bounce only, and counts only those as bounced', async () => {
    const { deps, store, contacts } = setup();
    contacts.add(LIN, { score: 20 });
    contacts.add(ANN, { score: 20 });
    await projectObject(deps, 'events/1.gz', [event('bounce', LIN, 1, { bounce_type: 'Permanent' }), event('bounce', ANN, 1, { bounce_type: 'Transient' })]);
    expect(contacts.get(LIN).score).toBe(20 + W.bounce);
    expect(contacts.get(ANN).score).toBe(20);
    expect((await store.getCampaign(WS, CAMPAIGN)).bounced).toBe(1);
    // A bounce is not the person's activity.
    expect(contacts.get(LIN).engagement?.lastActivityAt).toBeUndefined();
  });

  it('uses the workspace\'s own weights', async () => {
    const { deps, store, contacts } = setup();
    await store.putSettings(WS, { weights: { ...W, open: 7, click: 0 }, halfLifeDays: 30 });
    contacts.add(LIN);
    await projectObject(deps, 'events/1.gz', [event('open', LIN, 1), event('click', LIN, 2)]);
    expect(contacts.get(LIN).score).toBe(7);
  });

  it('stores comments for the campaign, with the name and a friend\'s lineage', async () => {
    const { deps, store, contacts } = setup();
    contacts.add(LIN);
    const mine = event('comment', LIN, 5, { text: '請問有大尺寸嗎？<script>alert(1)</script>', name: '林小明' });
    const friends = event('comment', FRIEND, 6, { text: 'Nice', forwarded_by: LIN, forward_depth: 1 });
    await projectObject(deps, 'events/1.gz', [mine, friends, event('comment', ANN, 7, { text: '' }), event('forward', LIN, 8, { friends: [FRIEND] })]);
    const { items } = await store.listComments(WS, CAMPAIGN, { limit: 10 });
    expect(items).toEqual([
      { id: friends.id, at: friends.event_time, runId: RUN, email: FRIEND, text: 'Nice', forwardedBy: LIN },
      { id: mine.id, at: mine.event_time, runId: RUN, email: LIN, text: '請問有大尺寸嗎？<script>alert(1)</script>', name: '林小明' },
    ]);
    expect(await store.getCampaign(WS, CAMPAIGN)).toMatchObject({ comments: 3, forwards: 1 });
    expect(contacts.get(LIN)).toMatchObject({ score: W.comment + W.forward, engagement: { comments: 1, forwards: 1 } });
    const timeline = (await store.listTimeline(WS, LIN, { limit: 10 })).items;
    expect(timeline.find((e) => e.type === 'forward')?.forwardedTo).toEqual([FRIEND]);
    expect(timeline.find((e) => e.type === 'comment')?.text).toContain('大尺寸');
  });

  it('skips malformed events and projects the rest', async () => {
    const { deps, store, contacts } = setup();
    contacts.add(LIN);
    const good = event('open', LIN, 10);
    const broken = [
      { ...event('open', LIN, 11), workspace_id: undefined },
      { ...event('open', LIN, 12), id: 42 },
      { ...event('open', LIN, 13), type: null },
      { ...event('open', LIN, 14), event_time: undefined },
      {},
    ] as unknown as LakeEvent[];
    const result = await projectObject(deps, 'events/1.gz', [...broken, good]);
    expect(result).toEqual({ events: 1, campaigns: 1, contacts: 1, skipped: 5 });
    expect(contacts.get(LIN).engagement?.opens).toBe(1);
    expect(timelineSize(store)).toBe(1);
    expect(await projectObject(deps, 'events/empty.gz', [])).toEqual({ events: 0, campaigns: 0, contacts: 0, skipped: 0 });
  });

  it('keeps the timeline of addresses that are not contacts, and separates workspaces', async () => {
    const { deps, store, contacts } = setup();
    contacts.add(LIN);
    const result = await projectObject(deps, 'events/1.gz', [event('open', 'stranger@example.com', 1), event('open', LIN, 2, { workspace_id: 'ws-2' }), event('open', LIN, 3)]);
    expect(result).toMatchObject({ events: 3, campaigns: 2 });
    expect(store.timelines.get(`${WS}\nstranger@example.com`)?.size).toBe(1);
    expect(store.timelines.get(`ws-2\n${LIN}`)?.size).toBe(1);
    expect((await store.getCampaign('ws-2', CAMPAIGN)).opens.total).toBe(1);
    expect((await store.getCampaign(WS, CAMPAIGN)).opens.total).toBe(2);
  });

  it('remembers only the last objects on the contact', async () => {
    const { deps, contacts } = setup();
    contacts.add(LIN);
    for (let i = 0; i < OBJECT_WINDOW + 3; i++) await projectObject(deps, `events/${i}.gz`, [event('open', LIN, i)]);
    const objects = contacts.get(LIN).scoring?.objects ?? [];
    expect(objects).toHaveLength(OBJECT_WINDOW);
    expect(objects.at(-1)).toBe(`events/${OBJECT_WINDOW + 2}.gz`);
    expect(contacts.get(LIN).engagement?.opens).toBe(OBJECT_WINDOW + 3);
  });
});
