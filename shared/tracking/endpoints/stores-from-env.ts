/**
 * The tracking endpoints' store-backed ports (contacts, suppression, campaigns, nonces, uploads,
 * the mail lane, SES): loaded on the first form request only (see deps-from-env.ts), because the
 * DynamoDB adapters bring the Tracer, and the open and click paths should not pay for it.
 */
import { s3BlobStore } from '../../adapters/aws/blob-store.s3';
import { campaignStoreFromEnv } from '../../adapters/aws/campaign-store.dynamodb';
import { documentClientFromEnv, DynamoContactStore } from '../../adapters/aws/contact-store.dynamodb';
import { definitionStoreFromEnv } from '../../adapters/aws/definition-store.dynamodb';
import { SesMailer } from '../../adapters/aws/mailer.ses';
import { sqsQueue } from '../../adapters/aws/queue.sqs';
import { suppressionStoreFromEnv } from '../../adapters/aws/suppression-store.dynamodb';
import { optional, tableName } from '../../config';
import { nonceStoreFromEnv } from '../../identity/deps-from-env';
import { systemClock } from '../../ports/clock';
import { recipientDirectory } from './directory';
import { forwardSender } from './forward';
import type { TrackingDeps } from './ports';

export type TrackingStores = Pick<TrackingDeps, 'directory' | 'campaign' | 'forward' | 'sendConfirmation' | 'claimNonce'>;

export function trackingStoresFromEnv(): TrackingStores {
  const contacts = new DynamoContactStore({ client: documentClientFromEnv(), tableName: tableName('contacts'), clock: systemClock });
  const campaigns = campaignStoreFromEnv();
  const mailer = new SesMailer();
  const nonces = nonceStoreFromEnv();
  const configurationSet = optional('SES_CONFIGURATION_SET');
  return {
    directory: recipientDirectory({ contacts, definitions: definitionStoreFromEnv(), suppression: suppressionStoreFromEnv() }),
    campaign: async (ws, campaignId, runId) => {
      const [campaign, run] = await Promise.all([campaigns.getCampaign(ws, campaignId), campaigns.getRun(ws, campaignId, runId)]);
      const content = run?.content ?? campaign?.content;
      if (!campaign || !content) return undefined;
      return { name: campaign.name, fromEmail: content.fromEmail, ...(content.fromName ? { fromName: content.fromName } : {}) };
    },
    forward: forwardSender({ uploads: s3BlobStore('uploads'), lane: sqsQueue('mailPriority'), now: Date.now }),
    sendConfirmation: async (mail) => {
      await mailer.send({ from: mail.from, to: [mail.to], subject: mail.subject, html: mail.html, text: mail.text, ...(configurationSet ? { configurationSet } : {}) });
    },
    claimNonce: (scope, nonce, expiresAt) => nonces.claim(scope, nonce, expiresAt, new Date()),
  };
}
