/**
 * SES events (as the configuration set publishes them through SNS): a permanent bounce suppresses
 * the address and marks the contact, a complaint likewise, a soft bounce is only noted, a Send
 * event settles the ledger, and mail without Pigeon's tags is left alone.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handleSesEvent, type NotificationDeps, type SesEvent } from '../../shared/delivery/notifications';

function recorder() {
  const calls: string[] = [];
  const deps: NotificationDeps = {
    ledger: {
      recordSendEvent: async (key, messageId) => (calls.push(`sent ${key.runId} ${key.email} ${messageId}`), true),
      recordFeedback: async (key, feedback) => void calls.push(`feedback ${key.email} ${feedback.kind} ${feedback.detail ?? ''}`.trim()),
    },
    suppress: async (ws, entries) => void calls.push(...entries.map((e) => `suppress ${ws} ${e.email} ${e.reason}`)),
    setContactStatus: async (ws, email, status) => void calls.push(`contact ${ws} ${email} ${status}`),
    now: () => new Date('2026-11-29T02:00:00Z'),
  };
  return { calls, deps };
}

const sample = JSON.parse((JSON.parse(readFileSync('events/ses-notifications/bounce.json', 'utf8')) as { Records: { Sns: { Message: string } }[] }).Records[0]!.Sns.Message) as SesEvent;
const tags = sample.mail.tags;

describe('SES notifications', () => {
  it('suppresses a hard-bounced address for the workspace and marks its contact bounced', async () => {
    const { calls, deps } = recorder();
    expect(await handleSesEvent(deps, sample)).toBe('bounce');
    expect(calls).toEqual([
      'feedback bounce@simulator.amazonses.com bounce Permanent General 5.1.1 smtp; 550 5.1.1 user unknown',
      'suppress 01JDEMOWORKSPACE0000000000 bounce@simulator.amazonses.com bounce',
      'contact 01JDEMOWORKSPACE0000000000 bounce@simulator.amazonses.com bounced',
    ]);
  });

  it('only notes a soft bounce', async () => {
    const { calls, deps } = recorder();
    const soft = { ...sample, bounce: { ...sample.bounce!, bounceType: 'Transient' as const, bounceSubType: 'MailboxFull' } };
    expect(await handleSesEvent(deps, soft)).toBe('soft-bounce');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^feedback .* bounce Transient MailboxFull/);
  });

  it('suppresses a complaining address and marks its contact complained', async () => {
    const { calls, deps } = recorder();
    const complaint: SesEvent = { eventType: 'Complaint', mail: { ...sample.mail, destination: ['Lin <LIN@Example.com>'] }, complaint: { complainedRecipients: [{ emailAddress: 'LIN@Example.com' }], complaintFeedbackType: 'abuse' } };
    expect(await handleSesEvent(deps, complaint)).toBe('complaint');
    expect(calls).toContain('suppress 01JDEMOWORKSPACE0000000000 lin@example.com complaint');
    expect(calls).toContain('contact 01JDEMOWORKSPACE0000000000 lin@example.com complained');
  });

  it('settles the ledger from a Send event (classic notificationType too)', async () => {
    const { calls, deps } = recorder();
    await handleSesEvent(deps, { eventType: 'Send', mail: { messageId: 'ses-1', destination: ['a@example.com'], tags } });
    await handleSesEvent(deps, { notificationType: 'Send', mail: { messageId: 'ses-2', destination: ['b@example.com'], tags } });
    expect(calls).toEqual(['sent 01JDEMORUN0000000000000000 a@example.com ses-1', 'sent 01JDEMORUN0000000000000000 b@example.com ses-2']);
  });

  it('ignores mail that Pigeon did not tag', async () => {
    const { calls, deps } = recorder();
    expect(await handleSesEvent(deps, { ...sample, mail: { ...sample.mail, tags: {} } })).toBe('ignored');
    expect(calls).toEqual([]);
  });
});
