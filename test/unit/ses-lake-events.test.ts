/**
 * SES events in the lake (lakeEventsOf / handleSesEvent with an events sink): one event per
 * recipient, ids derived from the SES event so a redelivered notification yields the same ids
 * (the projector and the reports then see it once), forwarded sends (`<run>-fwd` run tag) counted
 * under their run, and a bounce's type and reason kept.
 */
import { describe, expect, it } from 'vitest';
import { ulid } from '../../shared/contacts/ids';
import { handleSesEvent, lakeEventsOf, type NotificationDeps, type SesEvent } from '../../shared/delivery/notifications';
import type { LakeEvent } from '../../shared/lake/event';

const WS = '01JDEMOWORKSPACE0000000000';
const CAMPAIGN = '01JDEMOCAMPAIGN00000000000';
const RUN = '01JDEMORUN0000000000000000';
const tags = { workspace: [WS], campaign: [CAMPAIGN], run: [RUN] };
const SENT_AT = '2026-11-29T02:00:00.000Z';
const mail = (over: Partial<SesEvent['mail']> = {}): SesEvent['mail'] => ({ messageId: '0100019a-demo', timestamp: SENT_AT, destination: ['lin@example.com'], tags, ...over });

const bounce: SesEvent = {
  eventType: 'Bounce',
  mail: mail({ destination: ['a@example.com', 'B <B@Example.com>'] }),
  bounce: {
    bounceType: 'Permanent',
    bounceSubType: 'General',
    bouncedRecipients: [
      { emailAddress: 'a@example.com', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
      { emailAddress: 'B <B@Example.com>', status: '5.2.1' },
    ],
    timestamp: '2026-11-29T02:00:01.000Z',
  },
};

function recorder(options: { failEvents?: boolean } = {}) {
  const puts: LakeEvent[][] = [];
  const ledger: string[] = [];
  const deps: NotificationDeps = {
    ledger: {
      recordSendEvent: async (key, messageId) => (ledger.push(`sent ${key.runId} ${key.email} ${messageId}`), true),
      recordFeedback: async (key, feedback) => void ledger.push(`${feedback.kind} ${key.runId} ${key.email}`),
    },
    suppress: async () => undefined,
    setContactStatus: async () => undefined,
    now: () => new Date('2026-11-29T03:00:00Z'),
    events: {
      put: async (records) => {
        if (options.failEvents) throw new Error('Firehose is down');
        puts.push([...records]);
      },
    },
  };
  return { puts, ledger, deps };
}

describe('SES events in the lake', () => {
  it('writes one event per bounced recipient, with the bounce type and reason', () => {
    const events = lakeEventsOf(bounce, 'bounce');
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({
      id: expect.any(String),
      type: 'bounce',
      event_time: '2026-11-29T02:00:01.000Z',
      workspace_id: WS,
      campaign_id: CAMPAIGN,
      run_id: RUN,
      email: 'a@example.com',
      channel: 'mail',
      message_id: '0100019a-demo',
      bounce_type: 'Permanent',
      reason: 'General 5.1.1 smtp; 550 5.1.1 user unknown',
    });
    expect(events[1]).toMatchObject({ email: 'b@example.com', bounce_type: 'Permanent', reason: 'General 5.2.1' });
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
  });

  it('keeps a soft bounce as a bounce of its type (the projector counts only permanent ones)', () => {
    const soft: SesEvent = { ...bounce, bounce: { ...bounce.bounce!, bounceType: 'Transient', bounceSubType: 'MailboxFull', bouncedRecipients: [{ emailAddress: 'a@example.com' }] } };
    expect(lakeEventsOf(soft, 'soft-bounce')).toEqual([expect.objectContaining({ type: 'bounce', email: 'a@example.com', bounce_type: 'Transient', reason: 'MailboxFull' })]);
  });

  it('writes sends, deliveries, complaints and rejects per recipient', () => {
    const two = mail({ destination: ['a@example.com', 'Bee <b@example.com>'] });
    const sends = lakeEventsOf({ eventType: 'Send', mail: two }, 'send');
    expect(sends.map((e) => [e.type, e.email, e.event_time])).toEqual([
      ['send', 'a@example.com', SENT_AT],
      ['send', 'b@example.com', SENT_AT],
    ]);
    const deliveries = lakeEventsOf({ eventType: 'Delivery', mail: two, delivery: { recipients: ['b@example.com'], timestamp: '2026-11-29T02:00:03.000Z' } }, 'delivery');
    expect(deliveries.map((e) => [e.type, e.email, e.event_time])).toEqual([['delivery', 'b@example.com', '2026-11-29T02:00:03.000Z']]);
    // Without the delivery's own list, the message's recipients.
    expect(lakeEventsOf({ eventType: 'Delivery', mail: two, delivery: {} }, 'delivery').map((e) => e.email)).toEqual(['a@example.com', 'b@example.com']);
    const complaints = lakeEventsOf({ eventType: 'Complaint', mail: two, complaint: { complainedRecipients: [{ emailAddress: 'A@Example.com' }], complaintFeedbackType: 'abuse', timestamp: '2026-11-29T05:00:00.000Z' } }, 'complaint');
    expect(complaints).toEqual([expect.objectContaining({ type: 'complaint', email: 'a@example.com', reason: 'abuse', event_time: '2026-11-29T05:00:00.000Z' })]);
    const rejects = lakeEventsOf({ eventType: 'Reject', mail: two, reject: { reason: 'Bad content' } }, 'reject');
    expect(rejects.map((e) => [e.type, e.email, e.reason])).toEqual([
      ['reject', 'a@example.com', 'Bad content'],
      ['reject', 'b@example.com', 'Bad content'],
    ]);
  });

  it('derives the ids from the SES event: the same event gives the same ids, another gives others', () => {
    const first = lakeEventsOf(bounce, 'bounce');
    expect(lakeEventsOf(structuredClone(bounce), 'bounce').map((e) => e.id)).toEqual(first.map((e) => e.id));
    // ULIDs of the event's time, so they sort with the tracking events.
    for (const event of first) {
      expect(event.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(event.id.slice(0, 10)).toBe(ulid(Date.parse(event.event_time)).slice(0, 10));
    }
    const ids = new Set([
      ...first.map((e) => e.id),
      ...lakeEventsOf({ eventType: 'Send', mail: bounce.mail }, 'send').map((e) => e.id),
      ...lakeEventsOf({ ...bounce, mail: { ...bounce.mail, messageId: '0100019a-other' } }, 'bounce').map((e) => e.id),
    ]);
    expect(ids.size).toBe(6);
  });

  it('puts the same ids again when SNS delivers the notification twice', async () => {
    const { puts, deps } = recorder();
    expect(await handleSesEvent(deps, bounce)).toBe('bounce');
    expect(await handleSesEvent(deps, structuredClone(bounce))).toBe('bounce');
    expect(puts).toHaveLength(2);
    expect(puts[1]).toEqual(puts[0]);
  });

  it('counts a forwarded send under its run, while the ledger keeps the forward\'s own partition', async () => {
    const { puts, ledger, deps } = recorder();
    const forwarded = mail({ destination: ['friend@example.com'], tags: { ...tags, run: [`${RUN}-fwd`] } });
    await handleSesEvent(deps, { eventType: 'Send', mail: forwarded });
    await handleSesEvent(deps, { eventType: 'Delivery', mail: forwarded, delivery: { recipients: ['friend@example.com'], timestamp: '2026-11-29T02:00:02.000Z' } });
    await handleSesEvent(deps, { eventType: 'Bounce', mail: forwarded, bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'friend@example.com' }] } });
    expect(puts.flat().map((e) => [e.type, e.run_id, e.campaign_id, e.email])).toEqual([
      ['send', RUN, CAMPAIGN, 'friend@example.com'],
      ['delivery', RUN, CAMPAIGN, 'friend@example.com'],
      ['bounce', RUN, CAMPAIGN, 'friend@example.com'],
    ]);
    expect(ledger).toEqual([`sent ${RUN}-fwd friend@example.com 0100019a-demo`, `bounce ${RUN}-fwd friend@example.com`]);
    // A run id that merely contains "-fwd" elsewhere is left alone.
    expect(lakeEventsOf({ eventType: 'Send', mail: mail({ tags: { ...tags, run: ['run-fwd-2'] } }) }, 'send')[0]?.run_id).toBe('run-fwd-2');
  });

  it('writes nothing for mail Pigeon did not send, and leaves out a missing campaign tag', async () => {
    const { puts, deps } = recorder();
    expect(await handleSesEvent(deps, { ...bounce, mail: { ...bounce.mail, tags: {} } })).toBe('ignored');
    expect(await handleSesEvent(deps, { eventType: 'Open', mail: mail() })).toBe('ignored');
    expect(puts).toEqual([]);
    const [event] = lakeEventsOf({ eventType: 'Send', mail: mail({ tags: { workspace: [WS], run: [RUN] } }) }, 'send');
    expect(event).not.toHaveProperty('campaign_id');
  });

  it('throws when the lake does not take the events, so SNS delivers the notification again', async () => {
    const { deps, ledger } = recorder({ failEvents: true });
    await expect(handleSesEvent(deps, bounce)).rejects.toThrow('Firehose is down');
    // The ledger step ran (it is idempotent); the redelivery writes the same events.
    expect(ledger).toHaveLength(2);
  });

  it('writes nothing when the event names no recipient', async () => {
    const { puts, deps } = recorder();
    expect(await handleSesEvent(deps, { eventType: 'Delivery', mail: mail({ destination: [] }), delivery: { recipients: [] } })).toBe('delivery');
    expect(puts).toEqual([]);
  });
});
