/**
 * Mailer port over SES v2 SendEmail (simple content, UTF-8, custom headers such as
 * List-Unsubscribe). Locally the same adapter talks to aws-ses-v2-local through
 * AWS_ENDPOINT_URL_SESV2; the sandbox keeps the raw MIME of each message beside it.
 */
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { clientOptions } from '../../config';
import type { Mailer, OutgoingMail } from '../../ports/mailer';

let sharedClient: SESv2Client | undefined;

/** One client per container, built on first use. */
export function sesClient(): SESv2Client {
  sharedClient ??= new SESv2Client(clientOptions('SESV2'));
  return sharedClient;
}

export class SesMailer implements Mailer {
  constructor(private readonly client: SESv2Client = sesClient()) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    if (!mail.html && !mail.text) throw new Error('A mail needs an HTML or a text body');
    const output = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: mail.from,
        Destination: { ToAddresses: [...mail.to] },
        ReplyToAddresses: mail.replyTo ? [...mail.replyTo] : undefined,
        ConfigurationSetName: mail.configurationSet,
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: {
              ...(mail.html ? { Html: { Data: mail.html, Charset: 'UTF-8' } } : {}),
              ...(mail.text ? { Text: { Data: mail.text, Charset: 'UTF-8' } } : {}),
            },
            Headers: mail.headers ? Object.entries(mail.headers).map(([Name, Value]) => ({ Name, Value })) : undefined,
          },
        },
      }),
    );
    return { messageId: output.MessageId as string };
  }
}
