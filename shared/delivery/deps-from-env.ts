/**
 * The delivery functions' ports from the environment (the same variables in AWS and the sandbox):
 * TABLE_CAMPAIGNS, TABLE_DELIVERIES, TABLE_SUPPRESSION, TABLE_CONTACTS, TABLE_IDENTITY,
 * BUCKET_UPLOADS, BUCKET_ASSETS, the mail lane and campaignRuns queues, SES_CONFIGURATION_SET,
 * TRACKING_BASE_URL, ASSETS_BASE_URL, TRACKING_KMS_KEY_ID (AWS) or LOCAL_KEYS_DIR (sandbox), and
 * tuning: MAIL_SEND_RATE / MAIL_MIN_RATE / MAIL_MAX_RATE (messages per second per worker
 * container: start, floor — default a quarter of the start — and ceiling),
 * MAIL_LEASE_SECONDS, MAIL_RECONCILE_SECONDS, MAIL_CONTINUE_SECONDS, MAIL_WATCH_SECONDS, MAIL_STALL_MINUTES,
 * MAIL_PART_CONCURRENCY.
 */
import { randomUUID } from 'node:crypto';
import { s3BlobStore } from '../adapters/aws/blob-store.s3';
import { campaignStoreFromEnv } from '../adapters/aws/campaign-store.dynamodb';
import { documentClientFromEnv, DynamoContactStore } from '../adapters/aws/contact-store.dynamodb';
import { deliveryLedgerFromEnv } from '../adapters/aws/delivery-ledger.dynamodb';
import { eventSinkFromEnv } from '../adapters/aws/event-sink.firehose';
import { sqsQueue } from '../adapters/aws/queue.sqs';
import { rawMailerFromEnv } from '../adapters/aws/raw-mailer.ses';
import { suppressionStoreFromEnv } from '../adapters/aws/suppression-store.dynamodb';
import type { Principal } from '../api/operation';
import { audienceDepsFromEnv } from '../audience/deps-from-env';
import { freezeAudience } from '../audience/freeze';
import { audiencePrefix, partKey, readAudiencePart } from '../audience/parts';
import type { CampaignRun } from '../campaigns/model';
import * as runs from '../campaigns/runs';
import { optional, required, tableName } from '../config';
import { compileMessage, renderMessage } from '../content';
import { identityStoreFromEnv } from '../identity/deps-from-env';
import { NotFoundError } from '../errors';
import { cjkFontOrNone } from '../reports/fonts';
import { systemClock } from '../ports/clock';
import { trackingKeyFromEnv } from '../adapters/aws/tracking-key';
import { setContactStatus } from './contact-status';
import { crashAfterAcceptMaybe } from './faults';
import type { NotificationDeps } from './notifications';
import { laneOf, type Lane, type PlannerDeps } from './planner';
import { ledgerRecipientsReader } from './previous-recipients';
import { AdaptiveRate } from './rate';
import type { MailWorkerDeps } from './worker';

const seconds = (name: string, fallback: number): number => {
  const value = Number(optional(name) ?? fallback);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
};


/** The launcher as the principal the audience is read for (a user, or a partner API key). */
async function viewerOf(run: CampaignRun): Promise<Principal> {
  const identity = identityStoreFromEnv();
  const user = await identity.getUser(run.workspaceId, run.launchedBy);
  if (user) return { kind: 'user', id: user.id, workspaceId: run.workspaceId, role: user.role, ...(user.departmentId ? { departmentId: user.departmentId } : {}), email: user.email };
  const key = await identity.getApiKey(run.launchedBy);
  if (key && key.workspaceId === run.workspaceId) return { kind: 'apiKey', id: key.id, workspaceId: run.workspaceId, role: key.role };
  throw new NotFoundError(`The launcher ${run.launchedBy} of run ${run.id} no longer exists`);
}

export function plannerDepsFromEnv(log?: PlannerDeps['log']): PlannerDeps {
  const ledger = deliveryLedgerFromEnv();
  const campaigns = campaignStoreFromEnv();
  const audience = audienceDepsFromEnv({ previousRecipients: ledgerRecipientsReader(ledger, (ws, id) => campaigns.listRuns(ws, id)) });
  const lanes = { priority: sqsQueue('mailPriority'), bulk: sqsQueue('mailBulk'), low: sqsQueue('mailLow') };
  const watchQueue = sqsQueue('campaignRuns');
  return {
    runs: runs.runBookkeepingFromEnv(),
    ledger,
    freeze: (input) => freezeAudience(audience, input),
    viewerOf,
    sendParts: async (lane: Lane, messages) => {
      await lanes[lane].sendMany(messages.map((body) => ({ body })));
    },
    watchLater: async (message, delaySeconds) => {
      await watchQueue.send({ body: message, delaySeconds: Math.min(900, Math.round(delaySeconds)) });
    },
    watchSeconds: seconds('MAIL_WATCH_SECONDS', 20),
    stallMs: seconds('MAIL_STALL_MINUTES', 60) * 60_000,
    partKeys: (run, count) => Array.from({ length: count }, (_, i) => partKey(audiencePrefix(run.workspaceId, run.campaignId, run.id), i + 1)),
    ...(log ? { log } : {}),
  };
}

export function mailWorkerDepsFromEnv(): MailWorkerDeps {
  const uploads = s3BlobStore('uploads');
  const assets = s3BlobStore('assets');
  const suppression = suppressionStoreFromEnv();
  const lanes = { priority: sqsQueue('mailPriority'), bulk: sqsQueue('mailBulk'), low: sqsQueue('mailLow') };
  const assetsBaseUrl = required('ASSETS_BASE_URL');
  const rate = seconds('MAIL_SEND_RATE', 14);
  return {
    getRun: runs.getRun,
    addProgress: runs.addRunProgress,
    ledger: deliveryLedgerFromEnv(),
    suppressed: (ws, emails) => suppression.filterSuppressed(ws, emails),
    readPart: (key) => readAudiencePart(uploads, key),
    content: { compileMessage, renderMessage: renderMessage as MailWorkerDeps['content']['renderMessage'] },
    compileContext: (run) => {
      // PDF attachments embed the Traditional Chinese font (the cjk-fonts layer in Lambda); read only when a run has one.
      const pdfFont = run.content.attachments.some((a) => a.kind === 'pdf') ? cjkFontOrNone() : undefined;
      return {
        workspaceId: run.workspaceId,
        campaignId: run.campaignId,
        runId: run.id,
        assetsBaseUrl,
        ...(pdfFont ? { pdfFont } : {}),
        readAsset: async (key) => {
          const bytes = await assets.get(key);
          if (!bytes) throw new NotFoundError(`No asset ${key}`);
          return bytes;
        },
      };
    },
    mailer: rawMailerFromEnv(),
    rate: new AdaptiveRate({
      initialPerSecond: rate,
      minPerSecond: Math.min(rate, seconds('MAIL_MIN_RATE', Math.max(1, rate / 4))),
      maxPerSecond: Math.max(rate, seconds('MAIL_MAX_RATE', 50)),
      // Back to the start rate within ~10 s of calm; cut by 30% per window of throttles.
      increase: Math.max(1, rate / 10),
      decrease: 0.7,
    }),
    trackingKey: trackingKeyFromEnv,
    trackingBaseUrl: required('TRACKING_BASE_URL'),
    requeue: async (run, message, delaySeconds) => {
      await lanes[laneOf(run.type)].send({ body: message, delaySeconds });
    },
    now: Date.now,
    owner: randomUUID().slice(0, 8),
    settings: {
      leaseMs: seconds('MAIL_LEASE_SECONDS', 60) * 1000,
      reconcileMs: seconds('MAIL_RECONCILE_SECONDS', 300) * 1000,
      concurrency: Math.max(1, seconds('MAIL_PART_CONCURRENCY', 8)),
      throttleRetries: 4,
      continueAfterSeconds: seconds('MAIL_CONTINUE_SECONDS', 30),
    },
    afterAccepted: () => crashAfterAcceptMaybe(),
  };
}

export function notificationDepsFromEnv(): NotificationDeps {
  const suppression = suppressionStoreFromEnv();
  const contacts = new DynamoContactStore({ client: documentClientFromEnv(), tableName: tableName('contacts'), clock: systemClock });
  return {
    ledger: deliveryLedgerFromEnv(),
    suppress: (ws, entries) => suppression.add(ws, entries),
    setContactStatus: async (ws, email, status) => {
      await setContactStatus(contacts, ws, email, status, () => new Date().toISOString());
    },
    now: () => new Date(),
    events: eventSinkFromEnv(),
  };
}
