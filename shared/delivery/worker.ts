/**
 * The mail worker: sends one part of a run's frozen audience, each recipient at most once.
 *
 * Per recipient: claim in the ledger → render with the run's precompiled content → wait for a
 * send slot (AdaptiveRate) → SES raw send tagged with the attempt → mark sent. A throttled send is
 * retried with backoff a few times, then released and put back on the lane with a delay; a
 * permanent failure (or a per-recipient render error) is recorded with its reason; an in-doubt
 * call is left to the Send event. Nothing is dropped: whatever this invocation could not settle
 * goes back to the lane as a continuation of the same part.
 */
import type { FrozenRecipient } from '../audience/types';
import type { CampaignRun } from '../campaigns/model';
import type { CompileContext, RenderExtras, RenderedMessage } from '../content/render-types';
import { trackingExtras, trackingLinks } from '../tracking/links';
import type { DeliveryLedger } from './ledger';
import { backoffMs, type AdaptiveRate } from './rate';
import { SendFailure, type RawMailer } from './sender';
import { forwardLedgerRunId, type MailBatchMessage } from './types';

export interface ContentRenderer {
  compileMessage(content: CampaignRun['content'], ctx: CompileContext): unknown;
  renderMessage(compiled: never, recipient: FrozenRecipient, extras: RenderExtras): Promise<RenderedMessage>;
}

export type ProgressDelta = Partial<Record<keyof CampaignRun['progress'], number>>;

export interface MailWorkerSettings {
  /** How long a claim lets this worker call SES before others may look at it again. */
  readonly leaseMs: number;
  /** After a lease lapses: how long to wait for SES's Send event before sending again. */
  readonly reconcileMs: number;
  /** Recipients of a part in flight at once. */
  readonly concurrency: number;
  readonly throttleRetries: number;
  /** Delay of a continuation (throttled leftovers, a paused run), seconds. */
  readonly continueAfterSeconds: number;
}

export interface MailWorkerDeps {
  readonly getRun: (ws: string, campaignId: string, runId: string) => Promise<CampaignRun | undefined>;
  readonly addProgress: (ws: string, campaignId: string, runId: string, delta: ProgressDelta) => Promise<void>;
  readonly ledger: DeliveryLedger;
  readonly suppressed: (ws: string, emails: readonly string[]) => Promise<Set<string>>;
  readonly readPart: (key: string) => Promise<FrozenRecipient[]>;
  readonly content: ContentRenderer;
  readonly compileContext: (run: CampaignRun) => CompileContext;
  readonly mailer: RawMailer;
  readonly rate: AdaptiveRate;
  readonly trackingKey: () => Promise<Uint8Array>;
  readonly trackingBaseUrl: string;
  /** Puts a continuation back on the run's lane. */
  readonly requeue: (run: CampaignRun, message: MailBatchMessage, delaySeconds: number) => Promise<void>;
  readonly now: () => number;
  /** Identifies this container in leases. */
  readonly owner: string;
  readonly settings: MailWorkerSettings;
  /** Fault injection (sandbox tests only): called after SES accepted a message, before the ledger hears of it. */
  readonly afterAccepted?: () => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface PartResult {
  readonly sent: number;
  readonly failed: number;
  readonly suppressed: number;
  readonly cancelled: number;
  /** Recipients left for a continuation. */
  readonly leftover: number;
  readonly status: 'done' | 'continued' | 'skipped';
}

/** Compiled content per run: every part of a run reuses it while the container lives. */
const compiledRuns = new Map<string, unknown>();

function compiledFor(deps: MailWorkerDeps, run: CampaignRun): unknown {
  let compiled = compiledRuns.get(run.id);
  if (compiled === undefined) {
    compiled = deps.content.compileMessage(run.content, deps.compileContext(run));
    if (compiledRuns.size >= 16) compiledRuns.delete(compiledRuns.keys().next().value as string);
    compiledRuns.set(run.id, compiled);
  }
  return compiled;
}

const recipientFailureCode = (error: unknown): string | undefined => {
  const e = error as { name?: string; code?: unknown };
  return e?.name === 'RecipientRenderError' && typeof e.code === 'string' ? e.code : undefined;
};

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

export async function sendPart(deps: MailWorkerDeps, message: MailBatchMessage): Promise<PartResult> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const { workspaceId: ws, campaignId, runId } = message;
  const run = await deps.getRun(ws, campaignId, runId);
  const none = { sent: 0, failed: 0, suppressed: 0, cancelled: 0, leftover: 0 };
  const forward = message.forward;
  // Forwards arrive after the run is over; the run's own parts never do.
  if (!run || (!forward && (run.status === 'completed' || run.status === 'failed'))) return { ...none, status: 'skipped' };

  const recipients = await deps.readPart(message.part);
  // Friends a recipient forwarded to have their own ledger partition: never counted as the run's audience.
  const ledgerRunId = forward ? forwardLedgerRunId(runId) : runId;
  const key = (email: string) => ({ runId: ledgerRunId, email });
  const at = () => new Date(deps.now()).toISOString();
  const counts = { sent: 0, failed: 0, suppressed: 0, cancelled: 0 };
  const leftovers: FrozenRecipient[] = [];
  // The continuation waits at least as long as the longest lease or reconcile window it met.
  let waitMs = deps.settings.continueAfterSeconds * 1000;
  const settleAs = async (recipient: FrozenRecipient, status: 'suppressed' | 'cancelled', reason?: string) => {
    const settled = await deps.ledger.settleUnclaimed({ workspaceId: ws, campaignId, runId: ledgerRunId, email: recipient.email, ...(recipient.contactId ? { contactId: recipient.contactId } : {}), status, ...(reason ? { reason } : {}) }, at());
    if (settled) counts[status] += 1;
  };

  let flushed = { ...counts };
  const flush = async () => {
    const delta: ProgressDelta = {};
    let settled = 0;
    for (const name of ['sent', 'failed', 'suppressed', 'cancelled'] as const) {
      const n = counts[name] - flushed[name];
      if (n) delta[name] = n;
      settled += n;
    }
    if (settled === 0) return;
    if (forward) {
      // Friends were never part of the run's audience: only what was sent to them is counted.
      flushed = { ...counts };
      if (delta.sent) await deps.addProgress(ws, campaignId, runId, { forwarded: delta.sent });
      return;
    }
    delta.queued = -settled;
    flushed = { ...counts };
    await deps.addProgress(ws, campaignId, runId, delta);
  };

  // A cancelled run: whoever was not mailed yet is recorded as cancelled.
  if (run.status === 'cancelled') {
    await pool(recipients, deps.settings.concurrency, (r) => settleAs(r, 'cancelled'));
    await flush();
    return { ...counts, leftover: 0, status: 'done' };
  }
  if (run.status === 'paused') {
    await deps.requeue(run, { ...message, round: (message.round ?? 0) + 1 }, deps.settings.continueAfterSeconds);
    return { ...none, leftover: recipients.length, status: 'continued' };
  }

  // Suppressions made since the audience was frozen (an unsubscribe mid-send) still count.
  const blocked = await deps.suppressed(ws, recipients.map((r) => r.email));
  const compiled = compiledFor(deps, run);
  const tracking = await deps.trackingKey();
  let stopped: 'paused' | 'cancelled' | undefined;
  let lastRunCheck = deps.now();
  let sinceFlush = 0;

  const sendOne = async (recipient: FrozenRecipient): Promise<void> => {
    if (stopped) {
      if (stopped === 'cancelled') await settleAs(recipient, 'cancelled');
      else leftovers.push(recipient);
      return;
    }
    if (blocked.has(recipient.email)) {
      await settleAs(recipient, 'suppressed', 'suppressed before sending');
      return;
    }
    // A friend who is in the run's own audience gets (or got) the campaign there, not twice.
    if (forward && (await deps.ledger.get({ runId, email: recipient.email }))) return;
    const attempt = `${deps.owner}.${deps.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
    const claim = await deps.ledger.claim({
      workspaceId: ws,
      campaignId,
      runId: ledgerRunId,
      email: recipient.email,
      ...(recipient.contactId ? { contactId: recipient.contactId } : {}),
      owner: deps.owner,
      attempt,
      now: deps.now(),
      leaseMs: deps.settings.leaseMs,
      reconcileMs: deps.settings.reconcileMs,
    });
    if (claim.kind === 'final') return;
    if (claim.kind === 'busy') {
      waitMs = Math.max(waitMs, claim.retryAfterMs);
      leftovers.push(recipient);
      return;
    }

    let rendered: RenderedMessage;
    try {
      const links = trackingLinks(
        tracking,
        deps.trackingBaseUrl,
        { workspaceId: ws, campaignId, runId, email: recipient.email, ...(forward ? { forwardedBy: forward.by, forwardDepth: forward.depth } : {}) },
        new Date(deps.now()),
      );
      const headers = { 'X-Pigeon-Run': runId, 'X-Pigeon-Campaign': campaignId };
      rendered = await deps.content.renderMessage(compiled as never, recipient, trackingExtras(links, headers, new Date(deps.now())));
    } catch (error) {
      const code = recipientFailureCode(error);
      if (!code) {
        await deps.ledger.release(key(recipient.email), attempt);
        throw error;
      }
      if (await deps.ledger.markFailed(key(recipient.email), attempt, `${code}: ${(error as Error).message}`, at())) counts.failed += 1;
      return;
    }

    for (let round = 0; ; round++) {
      await deps.rate.acquire();
      try {
        const { messageId } = await deps.mailer.sendRaw({
          raw: rendered.raw,
          from: rendered.from,
          to: recipient.email,
          tags: { workspace: ws, campaign: campaignId, run: ledgerRunId, attempt },
        });
        deps.afterAccepted?.();
        deps.rate.succeeded();
        counts.sent += 1;
        await deps.ledger.markSent(key(recipient.email), attempt, messageId, at());
        return;
      } catch (error) {
        if (!(error instanceof SendFailure)) throw error;
        if (error.kind === 'permanent') {
          if (await deps.ledger.markFailed(key(recipient.email), attempt, error.reason, at())) counts.failed += 1;
          return;
        }
        if (error.kind === 'in-doubt') {
          // Keep the claim: the Send event (or its absence after the window) decides.
          waitMs = Math.max(waitMs, deps.settings.leaseMs + deps.settings.reconcileMs);
          leftovers.push(recipient);
          return;
        }
        deps.rate.throttled();
        if (round >= deps.settings.throttleRetries || error.retryAfterMs) {
          if (error.retryAfterMs) waitMs = Math.max(waitMs, error.retryAfterMs);
          await deps.ledger.release(key(recipient.email), attempt);
          leftovers.push(recipient);
          return;
        }
        await sleep(backoffMs(round));
      }
    }
  };

  await pool(recipients, deps.settings.concurrency, async (recipient) => {
    await sendOne(recipient);
    // Pause and cancel take effect within seconds, not only between parts.
    if (!stopped && deps.now() - lastRunCheck > 2_000) {
      lastRunCheck = deps.now();
      const current = await deps.getRun(ws, campaignId, runId);
      if (current?.status === 'paused' || current?.status === 'cancelled') stopped = current.status;
    }
    if (++sinceFlush >= 20) {
      sinceFlush = 0;
      await flush();
    }
  });
  await flush();

  if (leftovers.length > 0) {
    // SQS delays at most 15 minutes; a longer wait is another continuation later.
    await deps.requeue(run, { ...message, round: (message.round ?? 0) + 1 }, Math.min(900, Math.ceil(waitMs / 1000)));
    return { ...counts, leftover: leftovers.length, status: 'continued' };
  }
  return { ...counts, leftover: 0, status: 'done' };
}
