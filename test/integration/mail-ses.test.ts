/** Mail sent through the SES v2 adapter lands in the emulator's store, raw MIME kept beside it. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, describe, expect, it } from 'vitest';
import { SesMailer } from '../../shared/adapters/aws/mailer.ses';
import { startSesEmulator } from '../../infra/local/emulators/ses';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-mail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clientFor = (url: string) => new SESv2Client({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });

describe('SES emulator and adapter', () => {
  it('stores the message, keeps its raw MIME, and keeps both across a restart', async () => {
    const ses = await startSesEmulator({ dataDir: dir });
    const client = clientFor(ses.url);
    const { messageId } = await new SesMailer(client).send({
      from: 'news@pigeon.local',
      to: ['mei@example.com'],
      subject: '五月電子報 May newsletter',
      html: '<p>哈囉 Hello</p>',
      text: '哈囉 Hello',
      headers: { 'List-Unsubscribe': '<https://pigeon.local/u/abc>' },
    });
    const store = (await (await fetch(`${ses.url}/store`)).json()) as { emails: { messageId: string; subject: string; destination: { to: string[] } }[] };
    expect(store.emails).toHaveLength(1);
    expect(store.emails[0]).toMatchObject({ messageId, subject: '五月電子報 May newsletter', destination: { to: ['mei@example.com'] } });

    const rawFile = join(dir, 'mail-raw', `${messageId}.eml`);
    expect(existsSync(rawFile)).toBe(true);
    const raw = readFileSync(rawFile, 'utf8');
    expect(raw).toMatch(/^List-Unsubscribe: <https:\/\/pigeon.local\/u\/abc>/m);
    expect(raw).toMatch(/^To: mei@example.com/m);
    expect((await fetch(`${ses.url}/raw/${messageId}`)).status).toBe(200);
    expect((await fetch(ses.url)).headers.get('content-type')).toMatch(/text\/html/); // the web inbox

    client.destroy();
    await ses.stop();
    const again = await startSesEmulator({ dataDir: dir });
    const kept = (await (await fetch(`${again.url}/store`)).json()) as { emails: { messageId: string }[] };
    expect(kept.emails.map((e) => e.messageId)).toEqual([messageId]);
    await again.stop();
  });
});
