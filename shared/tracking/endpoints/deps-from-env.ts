/**
 * The tracking endpoints' ports from the environment (the same variables in AWS and the sandbox):
 * EVENTS_STREAM_NAME (Firehose), TRACKING_KMS_KEY_ID (AWS) or LOCAL_KEYS_DIR, GEOIP_DIR (the
 * layer, /opt/geoip), and — for the forms, loaded on first use (stores-from-env.ts) —
 * TABLE_CONTACTS, TABLE_SUPPRESSION, TABLE_CAMPAIGNS, TABLE_IDEMPOTENCY, BUCKET_UPLOADS,
 * QUEUE_MAIL_PRIORITY_URL, SES_CONFIGURATION_SET. The public base URL: TRACKING_BASE_URL, or in
 * AWS the SSM parameter TRACKING_BASE_URL_PARAMETER names (the CloudFront domain is only known
 * after the distribution that fronts this function exists).
 */
import { eventSinkFromEnv } from '../../adapters/aws/event-sink.firehose';
import { readParameter } from '../../adapters/aws/parameter.ssm';
import { trackingKeyFromEnv } from '../../adapters/aws/tracking-key';
import { ConfigurationError, optional } from '../../config';
import { ulid } from '../../contacts/ids';
import { openGeoLookup } from '../enrich';
import type { RecipientDirectory, TrackingDeps } from './ports';
import type { TrackingStores } from './stores-from-env';

/** The public base URL, resolved once per container. */
export async function trackingBaseUrlFromEnv(): Promise<string> {
  const direct = optional('TRACKING_BASE_URL');
  if (direct) return direct;
  const name = optional('TRACKING_BASE_URL_PARAMETER');
  if (!name) throw new ConfigurationError('Missing environment variable TRACKING_BASE_URL (or TRACKING_BASE_URL_PARAMETER)');
  return readParameter(name);
}

let stores: Promise<TrackingStores> | undefined;
const loadStores = (): Promise<TrackingStores> => (stores ??= import('./stores-from-env').then((m) => m.trackingStoresFromEnv()));

export async function trackingDepsFromEnv(log?: TrackingDeps['log']): Promise<TrackingDeps> {
  const days = Number(optional('TRACKING_TOKEN_DAYS') ?? 400);
  const directory: RecipientDirectory = {
    categories: async (...args) => (await loadStores()).directory.categories(...args),
    subscribedCategories: async (...args) => (await loadStores()).directory.subscribedCategories(...args),
    unsubscribe: async (...args) => (await loadStores()).directory.unsubscribe(...args),
    subscribe: async (...args) => (await loadStores()).directory.subscribe(...args),
  };
  return {
    key: trackingKeyFromEnv,
    events: eventSinkFromEnv(),
    geo: () => openGeoLookup(),
    directory,
    campaign: async (...args) => (await loadStores()).campaign(...args),
    forward: async (...args) => (await loadStores()).forward(...args),
    sendConfirmation: async (...args) => (await loadStores()).sendConfirmation(...args),
    claimNonce: async (...args) => (await loadStores()).claimNonce(...args),
    baseUrl: await trackingBaseUrlFromEnv(),
    now: Date.now,
    newId: (now) => ulid(now),
    ...(log ? { log } : {}),
    ...(Number.isFinite(days) && days > 0 ? { tokenDays: days } : {}),
  };
}
