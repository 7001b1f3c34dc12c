/**
 * aws-ses-v2-local behind a thin front: the SES v2 API and the web inbox (GET /, GET /store)
 * pass through unchanged, and for every message accepted the front also
 *  - keeps the raw MIME in `<dataDir>/mail-raw/<messageId>.eml`: the bytes sent for Raw content,
 *    or the MIME the emulator renders for Simple content (it stores parsed fields only);
 *  - appends the emulator's parsed record to `<dataDir>/mail/emails.jsonl` and loads that file
 *    back on start, so the inbox survives a sandbox restart like the rest of `.data/`.
 * GET /raw/<messageId> serves a kept .eml file.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort } from './net';

export interface RunningSes {
  /** SES v2 endpoint (AWS_ENDPOINT_URL_SESV2) and the web inbox. */
  readonly url: string;
  stop(): Promise<void>;
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

export async function startSesEmulator(options: { dataDir: string; port?: number }): Promise<RunningSes> {
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

  async function keep(path: string, requestBody: Buffer, responseBody: Buffer): Promise<void> {
    const { MessageId } = JSON.parse(responseBody.toString('utf8')) as { MessageId?: string };
    if (!MessageId || path !== '/v2/email/outbound-emails') return;
    const email = store.getStoreReadonly().emails.find((e) => e.messageId === MessageId);
    if (!email) return;
    appendFileSync(storeFile, `${JSON.stringify(email)}\n`);
    const input = JSON.parse(requestBody.toString('utf8')) as { Content?: { Raw?: { Data?: string } } };
    const raw = input.Content?.Raw?.Data
      ? Buffer.from(input.Content.Raw.Data, 'base64')
      : Buffer.from((await eml.createEmlContent(email)).body);
    writeFileSync(join(rawDir, `${MessageId}.eml`), raw);
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
    stop: async () => {
      await close(front);
      await close(inner);
      store.clearStore();
    },
  };
}
