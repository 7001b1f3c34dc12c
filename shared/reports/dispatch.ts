/**
 * 自動報表派遣: which dispatches are due in an hour, and the e-mail that carries the reports.
 * The hourly sweep (function reportDispatch) queues the due ones; the report worker claims the
 * hour's slot (so a repeated sweep or message never sends twice), generates the chosen reports
 * and mails one PDF or XLSX with all of them to each recipient.
 */
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { categoryTitle, reportTitle, reportWord } from './labels';
import type { Queue } from '../ports/queue';
import type { ReportDispatch, ReportLanguage, ReportSnapshot } from './model';
import type { ReportMessage, ReportStore } from './ports';

/** The local hour and weekday of `at` in `timeZone` (Intl knows the IANA zones and their DST). */
export function localTime(at: Date, timeZone: string): { hour: number; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? '0');
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.find((p) => p.type === 'weekday')?.value ?? 'Sun');
  return { hour, weekday };
}

export const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * The slot (the UTC hour, ISO) a dispatch is due in at `now`, or undefined: off, not its hour or
 * weekday, no recipients, or this hour already sent.
 */
export function dueSlot(dispatch: ReportDispatch, now: Date): string | undefined {
  if (dispatch.frequency === 'off' || dispatch.recipients.length === 0) return undefined;
  const local = localTime(now, dispatch.timeZone);
  if (local.hour !== dispatch.hour) return undefined;
  if (dispatch.frequency === 'weekly' && local.weekday !== dispatch.weekday) return undefined;
  const slot = `${now.toISOString().slice(0, 13)}:00:00.000Z`;
  return dispatch.lastSentFor === slot ? undefined : slot;
}

export interface DispatchAttachment {
  readonly filename: string;
  readonly content: Uint8Array;
  readonly contentType: string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One recipient's message: a short list of the reports inside, and the file attached. */
export async function composeDispatchMail(input: {
  readonly from: string;
  readonly to: string;
  readonly campaignName: string;
  readonly language: ReportLanguage;
  readonly snapshots: readonly ReportSnapshot[];
  readonly attachment: DispatchAttachment;
}): Promise<Uint8Array> {
  const { language } = input;
  const subject = language === 'en' ? `Reports: ${input.campaignName}` : `報表：${input.campaignName}`;
  const lines = input.snapshots.map((s) => `${categoryTitle(language, s.category)} — ${reportTitle(language, s.type)} (${reportWord(language, 'generatedAt')} ${s.generatedAt})`);
  const intro = language === 'en' ? 'The reports you asked for are attached:' : '您設定的自動報表已附上：';
  const composer = new MailComposer({
    from: input.from,
    to: input.to,
    subject,
    text: `${intro}\n\n${lines.map((line) => `- ${line}`).join('\n')}\n`,
    html: `<p>${escapeHtml(intro)}</p><ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`,
    attachments: [{ filename: input.attachment.filename, content: Buffer.from(input.attachment.content), contentType: input.attachment.contentType }],
  });
  return new Uint8Array(await composer.compile().build());
}

/** The sweep: a "dispatch" message for every campaign due at `now`; returns how many. */
export async function queueDueDispatches(deps: { readonly store: Pick<ReportStore, 'listDispatches'>; readonly queue: Queue }, now: Date): Promise<number> {
  const due = (await deps.store.listDispatches()).flatMap((entry) => {
    const slot = dueSlot(entry.dispatch, now);
    return slot ? [{ body: { kind: 'dispatch', workspaceId: entry.workspaceId, campaignId: entry.campaignId, slot } satisfies ReportMessage }] : [];
  });
  if (due.length > 0) await deps.queue.sendMany(due);
  return due.length;
}
