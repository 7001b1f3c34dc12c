/**
 * API latency through the whole local chain (HTTP → gateway → authorizer → api handler →
 * DynamoDB adapter → dynalite), per request kind, as figures and as ratios against the cheapest
 * request measured in the same run: `GET /health`, which skips the authorizer and the database.
 *
 * The ratios say what each layer costs (JWT verification, HMAC + nonce write, a query, a
 * conditional write pair) independent of the machine; the absolute figures are this machine's.
 * Run: `npm run bench` (REQUESTS=400 by default; e.g. `REQUESTS=2000 npm run bench`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../infra/local/sandbox';
import { signRequest } from '../../shared/auth/request-signing';

interface Case {
  readonly name: string;
  request(i: number): { method: string; path: string; headers?: Record<string, string>; body?: string };
}

interface Figures {
  readonly name: string;
  readonly p50: number;
  readonly p95: number;
  readonly perSecond: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(apiUrl: string, benchCase: Case, requests: number): Promise<Figures> {
  const timings: number[] = [];
  // Warm-up: module caches, JWKS fetch, first table reads.
  for (let i = 0; i < 20; i += 1) await send(apiUrl, benchCase.request(-1 - i));
  const started = performance.now();
  for (let i = 0; i < requests; i += 1) {
    const t0 = performance.now();
    const status = await send(apiUrl, benchCase.request(i));
    timings.push(performance.now() - t0);
    if (status >= 400) throw new Error(`${benchCase.name}: request ${i} answered ${status}`);
  }
  const elapsed = (performance.now() - started) / 1000;
  timings.sort((a, b) => a - b);
  return { name: benchCase.name, p50: percentile(timings, 50), p95: percentile(timings, 95), perSecond: requests / elapsed };
}

async function send(apiUrl: string, request: ReturnType<Case['request']>): Promise<number> {
  const response = await fetch(`${apiUrl}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
  await response.arrayBuffer();
  return response.status;
}

export async function runApiLatency(requests: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-bench-'));
  const sandbox = await startSandbox({ dataDir, seed: true, quiet: true });
  try {
    const signIn = await fetch(`${sandbox.apiUrl}/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@pigeon.local', password: 'pigeon-demo' }),
    });
    const { idToken } = (await signIn.json()) as { idToken: string };
    const bearer = { authorization: `Bearer ${idToken}` };
    const keyResponse = await fetch(`${sandbox.apiUrl}/api-keys`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', role: 'operator', rateLimit: 10_000 }),
    });
    const key = (await keyResponse.json()) as { id: string; secret: string };

    const cases: Case[] = [
      { name: 'GET /health (baseline: no authorizer, no database)', request: () => ({ method: 'GET', path: '/health' }) },
      { name: 'GET /me (JWT verified, user read)', request: () => ({ method: 'GET', path: '/me', headers: bearer }) },
      { name: 'GET /contacts (JWT, list 25)', request: () => ({ method: 'GET', path: '/contacts', headers: bearer }) },
      {
        name: 'GET /contacts (signed partner request: HMAC + nonce write)',
        request: () => ({ method: 'GET', path: '/contacts', headers: signRequest({ keyId: key.id, secret: key.secret, method: 'GET', path: '/contacts' }) }),
      },
      { name: 'GET /contacts?q=wang (JWT, prefix search)', request: () => ({ method: 'GET', path: '/contacts?q=wang', headers: bearer }) },
      {
        name: 'POST /contacts (JWT, e-mail claim + contact write)',
        request: (i) => ({
          method: 'POST',
          path: '/contacts',
          headers: { ...bearer, 'content-type': 'application/json' },
          body: JSON.stringify({ email: `bench-${i < 0 ? `warm${-i}` : i}@example.com`, name: `Bench ${i}` }),
        }),
      },
    ];

    const results: Figures[] = [];
    for (const benchCase of cases) results.push(await measure(sandbox.apiUrl, benchCase, requests));
    const baseline = results[0]!;
    console.log(`\nAPI latency through the local chain, ${requests} sequential requests each (node ${process.version})`);
    console.log('case'.padEnd(62), 'p50 ms'.padStart(8), 'p95 ms'.padStart(8), 'req/s'.padStart(8), 'p50 × baseline'.padStart(16));
    for (const r of results) {
      console.log(
        r.name.padEnd(62),
        r.p50.toFixed(2).padStart(8),
        r.p95.toFixed(2).padStart(8),
        r.perSecond.toFixed(0).padStart(8),
        (r.p50 / baseline.p50).toFixed(2).padStart(16),
      );
    }
  } finally {
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
