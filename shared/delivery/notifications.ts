/**
 * SES events, as the configuration set publishes them to SNS (event publishing: `eventType`; the
 * older identity notifications use `notificationType` and are read the same way):
 *  - Send: settles a recipient whose worker never heard SES's answer (sending → sent);
 *  - Delivery: left to the event lake (reports count deliveries there);
 *  - permanent Bounce and Complaint: the address is suppressed for the workspace for good and the
 *    contact's status becomes bounced / complained; transient bounces are only noted.
 * Messages without Pigeon's tags (sent by something else through the same set) are ignored.
 */
import type { ContactStatus } from '../contacts/contact';
import { ulid } from '../contacts/ids';
import type { LakeEvent } from '../lake/event';
import type { DeliveryLedger } from './ledger';
import { runOfLedgerId } from './types';

interface SesMail {
  readonly messageId: string;
  readonly timestamp?: string;
  readonly destination?: readonly string[];
  readonly tags?: Readonly<Record<string, readonly string[]>>;
}

export interface SesEvent {
  readonly eventType?: string;
  readonly notificationType?: string;
  readonly mail: SesMail;
  readonly bounce?: {
    readonly bounceType: 'Permanent' | 'Transient' | 'Undetermined';
    readonly bounceSubType?: string;
    readonly bouncedRecipients: readonly { readonly emailAddress: string; readonly diagnosticCode?: string; readonly status?: string }[];
    readonly timestamp?: string;
  };
  readonly complaint?: {
    readonly complainedRecipients: readonly { readonly emailAddress: string }[];
    readonly complaintFeedbackType?: string;
    readonly timestamp?: string;
  };
  readonly delivery?: { readonly recipients?: readonly string[]; readonly timestamp?: string };
  readonly reject?: { readonly reason?: string };
}

export interface SuppressionEntry {
  readonly email: string;
  readonly reason: 'bounce' | 'complaint';
  readonly detail?: string;
  readonly campaignId?: string;
  readonly at: string;
}

export interface NotificationDeps {
  readonly ledger: Pick<DeliveryLedger, 'recordSendEvent' | 'recordFeedback'>;
  readonly suppress: (workspaceId: string, entries: readonly SuppressionEntry[]) => Promise<void>;
  /** Sets the status of the workspace's contact with this address, if there is one. */
  readonly setContactStatus: (workspaceId: string, email: string, status: Extract<ContactStatus, 'bounced' | 'complained'>) => Promise<void>;
  readonly now: () => Date;
  /** The event lake: every send, delivery, bounce, complaint and reject becomes one event. */
  readonly events?: { put(records: readonly LakeEvent[]): Promise<void> };
}

const tag = (mail: SesMail, name: string): string | undefined => mail.tags?.[name]?.[0];
const address = (value: string): string => {
  // "Name <a@b>" or a bare address.
  const angle = /<([^>]+)>/.exec(value);
  return (angle ? angle[1] : value)!.trim().toLowerCase();
};

export type EventOutcome = 'ignored' | 'send' | 'delivery' | 'bounce' | 'soft-bounce' | 'complaint' | 'reject';

/**
 * Applies the event (ledger, suppression, contact), then writes it to the lake. A failure of
 * either throws, so SNS delivers the event again: every step is idempotent, and the lake events'
 * ids derive from SES's message id, type and recipient.
 */
export async function handleSesEvent(deps: NotificationDeps, event: SesEvent): Promise<EventOutcome> {
  const outcome = await applySesEvent(deps, event);
  if (outcome !== 'ignored' && deps.events) {
    const records = lakeEventsOf(event, outcome);
    if (records.length) await deps.events.put(records);
  }
  return outcome;
}

const lakeTypes: Readonly<Record<Exclude<EventOutcome, 'ignored'>, LakeEvent['type']>> = {
  send: 'send',
  delivery: 'delivery',
  bounce: 'bounce',
  'soft-bounce': 'bounce',
  complaint: 'complaint',
  reject: 'reject',
};

/** The lake's view of an SES event: one event per recipient it names. */
export function lakeEventsOf(event: SesEvent, outcome: Exclude<EventOutcome, 'ignored'>): LakeEvent[] {
  const ws = tag(event.mail, 'workspace') as string;
  const { runId } = runOfLedgerId(tag(event.mail, 'run') as string);
  const campaignId = tag(event.mail, 'campaign');
  const type = lakeTypes[outcome];
  const stamp =
    event.bounce?.timestamp ?? event.complaint?.timestamp ?? event.delivery?.timestamp ?? (type === 'send' || type === 'reject' ? event.mail.timestamp : undefined) ?? event.mail.timestamp;
  const time = Date.parse(stamp ?? '') || Date.now();
  const base = (email: string, extra: Partial<LakeEvent> = {}): LakeEvent => ({
    id: ulid(time, `ses\n${event.mail.messageId}\n${type}\n${email}`),
    type,
    event_time: new Date(time).toISOString(),
    workspace_id: ws,
    ...(campaignId ? { campaign_id: campaignId } : {}),
    run_id: runId,
    email,
    channel: 'mail',
    message_id: event.mail.messageId,
    ...extra,
  });
  switch (type) {
    case 'bounce':
      return (event.bounce?.bouncedRecipients ?? []).map((r) =>
        base(address(r.emailAddress), {
          bounce_type: event.bounce?.bounceType ?? 'Undetermined',
          reason: [event.bounce?.bounceSubType, r.status, r.diagnosticCode].filter(Boolean).join(' '),
        }),
      );
    case 'complaint':
      return (event.complaint?.complainedRecipients ?? []).map((r) => base(address(r.emailAddress), { reason: event.complaint?.complaintFeedbackType ?? 'complaint' }));
    case 'delivery':
      return (event.delivery?.recipients ?? event.mail.destination ?? []).map((r) => base(address(r)));
    case 'reject':
      return (event.mail.destination ?? []).map((r) => base(address(r), { reason: event.reject?.reason ?? 'rejected' }));
    default:
      return (event.mail.destination ?? []).map((r) => base(address(r)));
  }
}

async function applySesEvent(deps: NotificationDeps, event: SesEvent): Promise<EventOutcome> {
  const type = event.eventType ?? event.notificationType;
  const ws = tag(event.mail, 'workspace');
  const runId = tag(event.mail, 'run');
  const campaignId = tag(event.mail, 'campaign');
  if (!ws || !runId) return 'ignored';
  const at = deps.now().toISOString();
  const recipients = (event.mail.destination ?? []).map(address);

  switch (type) {
    case 'Send':
      for (const email of recipients) await deps.ledger.recordSendEvent({ runId, email }, event.mail.messageId, event.mail.timestamp ?? at);
      return 'send';
    case 'Delivery':
      // Counted from the event lake (the tracking issue); the ledger only answers "was it sent".
      return 'delivery';
    case 'Bounce': {
      const bounce = event.bounce;
      if (!bounce) return 'ignored';
      const hard = bounce.bounceType === 'Permanent';
      for (const r of bounce.bouncedRecipients) {
        const email = address(r.emailAddress);
        const detail = [bounce.bounceType, bounce.bounceSubType, r.status, r.diagnosticCode].filter(Boolean).join(' ');
        await deps.ledger.recordFeedback({ runId, email }, { kind: 'bounce', detail, at });
        if (!hard) continue;
        await deps.suppress(ws, [{ email, reason: 'bounce', detail, ...(campaignId ? { campaignId } : {}), at }]);
        await deps.setContactStatus(ws, email, 'bounced');
      }
      return hard ? 'bounce' : 'soft-bounce';
    }
    case 'Complaint': {
      for (const r of event.complaint?.complainedRecipients ?? []) {
        const email = address(r.emailAddress);
        const detail = event.complaint?.complaintFeedbackType ?? 'complaint';
        await deps.ledger.recordFeedback({ runId, email }, { kind: 'complaint', detail, at });
        await deps.suppress(ws, [{ email, reason: 'complaint', detail, ...(campaignId ? { campaignId } : {}), at }]);
        await deps.setContactStatus(ws, email, 'complained');
      }
      return 'complaint';
    }
    case 'Reject':
      for (const email of recipients) await deps.ledger.recordFeedback({ runId, email }, { kind: 'bounce', detail: `Rejected by SES: ${event.reject?.reason ?? 'unknown'}`, at });
      return 'reject';
    default:
      return 'ignored';
  }
}
