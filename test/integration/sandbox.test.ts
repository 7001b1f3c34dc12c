/**
 * The sandbox as a whole: emulators, manifest resources, the gateway in front of the real api
 * and authorizer handlers, restart and reset, `npm run invoke`, and a clean exit.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/local/lambda';
import { startSandbox, type Sandbox } from '../../infra/local/sandbox';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-sandbox-'));
let sandbox: Sandbox;

async function signIn(apiUrl: string): Promise<string> {
  const response = await fetch(`${apiUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@pigeon.local', password: 'pigeon-demo' }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { idToken: string }).idToken;
}

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir, seed: true, quiet: true });
});

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('sandbox', () => {
  it('serves /health through the gateway and the real api handler', async () => {
    const response = await fetch(`${sandbox.apiUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', stage: 'local' });
  });

  it('runs the authorizer first: no token is a 401 problem, a signed-in admin sees the seeded contacts', async () => {
    const anonymous = await fetch(`${sandbox.apiUrl}/contacts`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(anonymous.headers.get('access-control-allow-origin')).toBe(sandbox.consoleUrl);

    const forged = await fetch(`${sandbox.apiUrl}/contacts`, { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(forged.status).toBe(401);

    const token = await signIn(sandbox.apiUrl);
    const list = await fetch(`${sandbox.apiUrl}/contacts?limit=100`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    const { items } = (await list.json()) as { items: { name?: string }[] };
    expect(items.map((c) => c.name)).toContain('王小明');
  });

  it('answers like API Gateway around the routes: preflight, JWKS, unknown paths', async () => {
    const preflight = await fetch(`${sandbox.apiUrl}/contacts`, {
      method: 'OPTIONS',
      headers: { origin: sandbox.consoleUrl, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(sandbox.consoleUrl);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);

    const jwks = (await (await fetch(`${sandbox.apiUrl}/.well-known/jwks.json`)).json()) as { keys: { kty: string }[] };
    expect(jwks.keys[0]?.kty).toBe('RSA');
    expect(sandbox.env.JWKS_URL).toBe(`${sandbox.apiUrl}/.well-known/jwks.json`);

    const missing = await fetch(`${sandbox.apiUrl}/nothing/here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });

  it('serves the console config and writes sandbox.json while running', async () => {
    expect(await (await fetch(`${sandbox.consoleUrl}/config.json`)).json()).toEqual({ apiUrl: sandbox.apiUrl, stage: 'local' });
    const info = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')) as { apiUrl: string; env: Record<string, string> };
    expect(info.apiUrl).toBe(sandbox.apiUrl);
    expect(info.env).toMatchObject({ PIGEON_RUNTIME: 'local', PIGEON_STAGE: 'local', TABLE_CONTACTS: 'pigeon-local-contacts', S3_FORCE_PATH_STYLE: 'true' });
    for (const name of ['QUEUE_MAIL_PRIORITY_URL', 'BUCKET_LAKE', 'TOPIC_SES_NOTIFICATIONS_ARN', 'AWS_ENDPOINT_URL_SQS', 'LOCAL_KEYS_DIR', 'CONSOLE_ORIGIN']) {
      expect(info.env[name], name).toBeTruthy();
    }
  });

  it('npm run invoke runs a handler against the running sandbox', async () => {
    const { stdout } = await run('npx', ['tsx', 'infra/local/invoke.ts', 'api', 'events/api/health.json'], {
      cwd: repoRoot,
      env: { ...process.env, PIGEON_DATA_DIR: dataDir },
    });
    expect(JSON.parse(stdout)).toMatchObject({ statusCode: 200 });
  });

  it('emits an S3 event when an object is uploaded (the hook for imports)', async () => {
    const events: S3Event[] = [];
    sandbox.onS3Event((event) => events.push(event));
    const s3 = new S3Client({ endpoint: sandbox.env.AWS_ENDPOINT_URL_S3, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await s3.send(new PutObjectCommand({ Bucket: sandbox.env.BUCKET_UPLOADS, Key: 'imports/list.csv', Body: 'email\na@b.tw\n' }));
    s3.destroy();
    expect(events.map((e) => [e.Records[0]?.eventName, e.Records[0]?.s3.object.key])).toEqual([['ObjectCreated:Put', 'imports/list.csv']]);
  });

  it('a restart keeps the data; a reset empties it', async () => {
    const token = await signIn(sandbox.apiUrl);
    const created = await fetch(`${sandbox.apiUrl}/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'restart@example.com', name: 'Restart Test' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const ports = sandbox.ports;
    await sandbox.stop();
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(false);

    sandbox = await startSandbox({ dataDir, seed: true, quiet: true, ports });
    expect(sandbox.demo?.created).toBe(false); // seeded once
    const again = await fetch(`${sandbox.apiUrl}/contacts/${id}`, { headers: { authorization: `Bearer ${await signIn(sandbox.apiUrl)}` } });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ email: 'restart@example.com' });

    await sandbox.stop();
    sandbox = await startSandbox({ dataDir, reset: true, quiet: true, ports });
    const dynamo = new DynamoDBClient({ endpoint: sandbox.env.AWS_ENDPOINT_URL_DYNAMODB, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    for (const table of ['TABLE_CONTACTS', 'TABLE_IDENTITY']) {
      const { Count } = await dynamo.send(new ScanCommand({ TableName: sandbox.env[table] }));
      expect(Count, table).toBe(0);
    }
    dynamo.destroy();
  });
});

describe('sandbox process', () => {
  it('stops cleanly: a process that starts and stops the sandbox exits on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pigeon-sandbox-exit-'));
    const script = join(dir, 'start-stop.mts');
    writeFileSync(
      script,
      `import { startSandbox } from ${JSON.stringify(join(repoRoot, 'infra/local/sandbox.ts'))};
const sandbox = await startSandbox({ dataDir: ${JSON.stringify(join(dir, 'data'))}, seed: true, quiet: true });
const health = await fetch(sandbox.apiUrl + '/health');
await sandbox.stop();
console.log('health', health.status);
`,
    );
    // No process.exit in the script: it only ends if nothing is left holding the event loop.
    const { stdout } = await run('npx', ['tsx', script], { cwd: repoRoot, timeout: 60_000 });
    expect(stdout).toContain('health 200');
    rmSync(dir, { recursive: true, force: true });
  });
});
