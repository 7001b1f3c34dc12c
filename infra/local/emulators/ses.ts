/**
 * aws-ses-v2-local behind a thin front: the SES v2 API and the web inbox (GET /, GET /store)
 * pass through unchanged, and for every message accepted the front also
 *  - keeps the raw MIME in `<dataDir>/mail-raw/<messageId>.eml`: the bytes sent for Raw content,
 *    or the MIME the emulator renders for Simple content (it stores parsed fields only);
 *  - appends the emulator's parsed record to `<dataDir>/mail/emails.jsonl` and loads that file
 *    back on start, so the inbox survives a sandbox restart like the rest of `.data/`.
 * GET /raw/<messageId> serves a kept .eml file.
 *
 * Like SES with a configuration set, the front publishes events for each accepted message
 * (`onEvent`, SNS-shaped by the sandbox): Send and Delivery, or — for SES's mailbox simulator
 * addresses bounce@ / complaint@simulator.amazonses.com — a permanent Bounce or a Complaint, with
 * the message's EmailTags. `mail-raw/index.jsonl` lists every accepted message (id, recipients,
 * tags) for tests that count what each recipient got.
 *
 * Faults for reliability tests (`setFaults`): a share of SendEmail calls answered 429
 * TooManyRequestsException, and a share of recipients (fixed by address, as a real bad mailbox
 * would be) answered 400 MessageRejected.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort } from './net';

export interface SesFaults {
  /** Probability of a 429 TooManyRequestsException per SendEmail call. */
  readonly throttleRate?: number;
  /** Share of recipient addresses (by a hash of the address) that are rejected permanently. */
  readonly permanentRate?: number;
}

/** An SES event as event publishing writes it (the SNS message body). */
export interface LocalSesEvent {
  readonly eventType: 'Send' | 'Delivery' | 'Bounce' | 'Complaint';
  readonly mail: { readonly messageId: string; readonly timestamp: string; readonly source: string; readonly destination: string[]; readonly tags: Record<string, string[]> };
  readonly [detail: string]: unknown;
}

export interface RunningSes {
  /** SES v2 endpoint (AWS_ENDPOINT_URL_SESV2) and the web inbox. */
  readonly url: string;
  setFaults(faults: SesFaults | undefined): void;
  stop(): Promise<void>;
}

export interface SesEmulatorOptions {
  readonly dataDir: string;
  readonly port?: number;
  /** Called for every event the accepted messages produce. */
  readonly onEvent?: (event: LocalSesEvent) => void;
  /**
   * false: raw messages skip the emulator's parser and its in-memory inbox (kept only as .eml and
   * in the index) — for benchmarks of 100,000 messages. Default true.
   */
  readonly parseRaw?: boolean;
}

const simulator = /@simulator\.amazonses\.com$/i;

/** A stable share of addresses: the first four bytes of the address's MD5 over 2^32. */
export function addressShare(address: string): number {
  return createHash('md5').update(address.toLowerCase()).digest().readUInt32BE(0) / 2 ** 32;
}

function sesError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'content-length': String(Buffer.byteLength(body)) }).end(body);
}

interface StoredEmail {
  readonly messageId: string;
  readonly [field: string]: unknown;
}

interface EmulatorModules {
  server: (config: { host: string; port: number }) => Promise<Server>;
  store: { getStoreReadonly(): { emails: StoredEmail[] }; clearStore(): void };
  eml: { createEmlContent(email: StoredEmail): Promise<{ body: Buffer | string }> };
}

function emulator(): EmulatorModules {
  // Loaded through require so the server, its store and its MIME renderer share one module cache.
  const require = createRequire(import.meta.url);
  return {
    server: (require('aws-ses-v2-local') as { default: EmulatorModules['server'] }).default,
    store: require('aws-ses-v2-local/dist/store.js') as EmulatorModules['store'],
    eml: require('aws-ses-v2-local/dist/emlFile.js') as EmulatorModules['eml'],
  };
}

const readBody = async (stream: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

export async function startSesEmulator(options: SesEmulatorOptions): Promise<RunningSes> {
  let faults: SesFaults | undefined;
  const indexFile = () => join(rawDir, 'index.jsonl');
  const { server: startEmulator, store, eml } = emulator();
  const rawDir = join(options.dataDir, 'mail-raw');
  const storeDir = join(options.dataDir, 'mail');
  const storeFile = join(storeDir, 'emails.jsonl');
  mkdirSync(rawDir, { recursive: true });
  mkdirSync(storeDir, { recursive: true });

  // The emulator's store is module state: start from what this data folder kept.
  store.clearStore();
  if (existsSync(storeFile)) {
    const emails = store.getStoreReadonly().emails;
    for (const line of readFileSync(storeFile, 'utf8').split('\n')) if (line.trim()) emails.push(JSON.parse(line) as StoredEmail);
  }

  const innerPort = await freePort();
  const inner = await startEmulator({ host: '127.0.0.1', port: innerPort });

  interface SendInput {
    FromEmailAddress?: string;
    Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
    Content?: { Raw?: { Data?: string } };
    EmailTags?: { Name: string; Value: string }[];
    ConfigurationSetName?: string;
  }

  const recipientsOf = (input: SendInput): string[] => [...(input.Destination?.ToAddresses ?? []), ...(input.Destination?.CcAddresses ?? []), ...(input.Destination?.BccAddresses ?? [])];

  /** Records an accepted message: raw bytes, the index line, and its events. */
  function accepted(messageId: string, input: SendInput, raw: Buffer): void {
    writeFileSync(join(rawDir, `${messageId}.eml`), raw);
    const tags: Record<string, string[]> = {};
    for (const tag of input.EmailTags ?? []) tags[tag.Name] = [tag.Value];
    const destination = recipientsOf(input);
    const timestamp = new Date().toISOString();
    appendFileSync(indexFile(), `${JSON.stringify({ messageId, destination, tags, at: timestamp })}\n`);
    if (!options.onEvent) return;
    const mail = { messageId, timestamp, source: input.FromEmailAddress ?? '', destination, tags };
    const emit = (event: LocalSesEvent) => setImmediate(() => options.onEvent?.(event));
    emit({ eventType: 'Send', mail, send: {} });
    const bounced = destination.filter((d) => simulator.test(d) && /^bounce/i.test(d));
    const complained = destination.filter((d) => simulator.test(d) && /^complaint/i.test(d));
    const delivered = destination.filter((d) => !bounced.includes(d));
    if (delivered.length > 0) emit({ eventType: 'Delivery', mail, delivery: { timestamp, recipients: delivered, smtpResponse: '250 2.0.0 OK' } });
    if (bounced.length > 0) {
      emit({
        eventType: 'Bounce',
        mail,
        bounce: { bounceType: 'Permanent', bounceSubType: 'General', timestamp, feedbackId: randomUUID(), bouncedRecipients: bounced.map((emailAddress) => ({ emailAddress, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' })) },
      });
    }
    if (complained.length > 0) {
      emit({ eventType: 'Complaint', mail, complaint: { timestamp, feedbackId: randomUUID(), complaintFeedbackType: 'abuse', complainedRecipients: complained.map((emailAddress) => ({ emailAddress })) } });
    }
  }

  async function keep(path: string, requestBody: Buffer, responseBody: Buffer): Promise<void> {
    const { MessageId } = JSON.parse(responseBody.toString('utf8')) as { MessageId?: string };
    if (!MessageId || path !== '/v2/email/outbound-emails') return;
    const email = store.getStoreReadonly().emails.find((e) => e.messageId === MessageId);
    if (!email) return;
    appendFileSync(storeFile, `${JSON.stringify(email)}\n`);
    const input = JSON.parse(requestBody.toString('utf8')) as SendInput;
    const raw = input.Content?.Raw?.Data
      ? Buffer.from(input.Content.Raw.Data, 'base64')
      : Buffer.from((await eml.createEmlContent(email)).body);
    accepted(MessageId, input, raw);
  }

  /** Injected faults; true when the request was answered here. */
  function faulted(input: SendInput, res: ServerResponse): boolean {
    if (!faults) return false;
    if (faults.throttleRate && Math.random() < faults.throttleRate) {
      sesError(res, 429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
      return true;
    }
    const rate = faults.permanentRate ?? 0;
    const bad = recipientsOf(input).find((r) => addressShare(r) < rate);
    if (bad) {
      sesError(res, 400, 'MessageRejected', `Injected fault: the mailbox ${bad} rejects mail permanently`);
      return true;
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const raw = /^\/raw\/([\w.-]+)$/.exec(path);
    if (req.method === 'GET' && raw) {
      const file = join(rawDir, `${raw[1]}.eml`);
      if (!existsSync(file)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('No such message');
        return;
      }
      res.writeHead(200, { 'content-type': 'message/rfc822' }).end(readFileSync(file));
      return;
    }
    const body = await readBody(req);
    if (req.method === 'POST' && path === '/v2/email/outbound-emails') {
      const input = JSON.parse(body.toString('utf8') || '{}') as SendInput;
      if (faulted(input, res)) return;
      if (options.parseRaw === false && input.Content?.Raw?.Data) {
        const messageId = `${Date.now().toString(36)}-${randomUUID()}`;
        accepted(messageId, input, Buffer.from(input.Content.Raw.Data, 'base64'));
        const answer = JSON.stringify({ MessageId: messageId });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(answer.length) }).end(answer);
        return;
      }
    }
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
      const forward = request(
        { host: '127.0.0.1', port: innerPort, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${innerPort}` } },
        resolve,
      );
      forward.once('error', reject);
      forward.end(body);
    });
    const answer = await readBody(upstream);
    if (req.method === 'POST' && upstream.statusCode === 200) {
      if (path.startsWith('/v2/email/outbound-emails')) await keep(path, body, answer);
      if (path === '/clear-store') {
        rmSync(storeFile, { force: true });
        rmSync(rawDir, { recursive: true, force: true });
        mkdirSync(rawDir, { recursive: true });
      }
    }
    const headers = { ...upstream.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(answer.length);
    res.writeHead(upstream.statusCode ?? 502, headers).end(answer);
  }

  const front = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  const port = options.port ?? (await freePort());
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(port, '127.0.0.1', () => resolve());
  });

  const close = (server: Server) =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    setFaults: (next) => {
      faults = next;
    },
    stop: async () => {
      await close(front);
      await close(inner);
      store.clearStore();
    },
  };
}
