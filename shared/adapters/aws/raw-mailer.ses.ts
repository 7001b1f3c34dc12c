/**
 * RawMailer over SES v2 SendEmail (Content.Raw) with the stage's configuration set, so SES
 * publishes Send, Delivery, Bounce and Complaint events for every message. The client makes ONE
 * attempt per call: an SDK retry after a timeout could hand SES the same message twice; the
 * mail worker decides about retries with the ledger in hand.
 */
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { clientOptions, optional } from '../../config';
import { SendFailure, type RawMailer, type RawSend } from '../../delivery/sender';

const throttledNames = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'LimitExceededException']);
const stalledNames = new Set(['SendingPausedException', 'AccountSuspendedException']);
const permanentNames = new Set(['MessageRejected', 'MailFromDomainNotVerifiedException', 'BadRequestException', 'NotFoundException', 'InvalidParameterValue']);

/** Maps an SDK error to what it means for this recipient. */
export function classifySesError(error: unknown): SendFailure {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const name = e.name ?? 'Error';
  const message = `${name}: ${e.message ?? String(error)}`;
  const status = e.$metadata?.httpStatusCode;
  if (throttledNames.has(name) || status === 429) {
    // A daily quota does not lift within seconds.
    const daily = /daily/i.test(e.message ?? '');
    return new SendFailure('throttled', message, daily ? 15 * 60_000 : undefined);
  }
  if (stalledNames.has(name)) return new SendFailure('throttled', message, 15 * 60_000);
  if (permanentNames.has(name) || (status !== undefined && status >= 400 && status < 500)) return new SendFailure('permanent', message);
  // 503 means SES did not take it; other 5xx, timeouts and resets leave it open.
  if (status === 503) return new SendFailure('throttled', message);
  return new SendFailure('in-doubt', message);
}

const tagValue = (value: string) => value.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256);

export class SesRawMailer implements RawMailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly configurationSet: string | undefined,
  ) {}

  async sendRaw(message: RawSend): Promise<{ messageId: string }> {
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: message.from,
          Destination: { ToAddresses: [message.to] },
          Content: { Raw: { Data: message.raw } },
          ConfigurationSetName: this.configurationSet,
          EmailTags: Object.entries(message.tags).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
        }),
      );
      if (!out.MessageId) throw new SendFailure('in-doubt', 'SES answered without a MessageId');
      return { messageId: out.MessageId };
    } catch (error) {
      if (error instanceof SendFailure) throw error;
      throw classifySesError(error);
    }
  }
}

let fromEnv: SesRawMailer | undefined;
export const rawMailerFromEnv = (): SesRawMailer =>
  (fromEnv ??= new SesRawMailer(new SESv2Client({ ...clientOptions('SESV2'), maxAttempts: 1, requestHandler: { requestTimeout: 15_000, connectionTimeout: 3_000 } }), optional('SES_CONFIGURATION_SET')));
