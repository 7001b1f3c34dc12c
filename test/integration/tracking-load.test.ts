/**
 * Tracking under load and bad input, through the sandbox's real path (gateway → tracking handler
 * → Firehose sink → local Firehose → s3rver lake): thousands of concurrent opens and clicks from
 * browsers, bots, HEAD requests, requests without a user agent, IPv6 and IPv4-mapped viewers and
 * truncated tokens, while the Firehose front rejects a fifth of the records it is sent. Every
 * request gets an answer below 500, and the events in the lake equal the requests acknowledged —
 * no more (no duplicates) and no fewer (nothing acknowledged and lost).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../infra/local/sandbox';
import { trackingKeyFromEnv } from '../../shared/adapters/aws/tracking-key';
import { trackingLinks } from '../../shared/tracking/links';

const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-track-load-'));
let sandbox: Sandbox;

const agents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'python-requests/2.32.3',
  'Mozilla/5.0',
  undefined,
];
const viewers = ['168.95.1.1:443', '[2001:b000:168::1]:51515', '2001:b000:168::1:51515', '::ffff:203.66.1.7:443', '17.58.1.2:443', undefined];

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir, seed: false, quiet: true, console: false, lakeBufferSeconds: 1 });
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function inParallel(total: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < total) await work(next++);
  }));
}

describe('tracking under load', () => {
  it('answers every request below 500 and puts exactly the acknowledged events in the lake, while Firehose drops records', async () => {
    const key = await trackingKeyFromEnv();
    const now = new Date(Date.now() - 60_000);
    const recipients = Array.from({ length: 200 }, (_, i) =>
      trackingLinks(key, `${sandbox.apiUrl}/t`, { workspaceId: 'W-LOAD', campaignId: 'C-LOAD', runId: 'R-LOAD', email: `r${i}@example.com` }, now),
    );
    sandbox.firehose.setFailRate(0.2);
    const statuses = new Map<number, number>();
    let acknowledged = 0;
    const total = 2_000;
    await inParallel(total, 64, async (i) => {
      const links = recipients[i % recipients.length]!;
      const kind = i % 10;
      const agent = agents[i % agents.length];
      const viewer = viewers[(i >> 1) % viewers.length];
      // fetch would send its own user agent: an empty one is none.
      const headers: Record<string, string> = { 'user-agent': agent ?? '', ...(viewer ? { 'cloudfront-viewer-address': viewer } : {}) };
      let url: string;
      let method = 'GET';
      if (kind < 5) url = links.openPixelUrl;
      else if (kind < 8) url = links.rewriteLink(`https://shop.example.com/item/${i % 7}`, i % 7);
      else if (kind === 8) {
        url = links.openPixelUrl;
        method = 'HEAD';
      } else url = `${links.openPixelUrl.slice(0, -7)}`; // truncated token
      const response = await fetch(url, { method, headers, redirect: 'manual' });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 200 || response.status === 302) acknowledged += 1;
    });
    sandbox.firehose.setFailRate(0);

    expect([...statuses.keys()].every((status) => status < 500), JSON.stringify([...statuses])).toBe(true);
    expect(statuses.get(404)).toBe(total / 10);
    expect(acknowledged).toBe(total - total / 10);
    expect(sandbox.firehose.stats().failedRecords).toBeGreaterThan(0);

    await sandbox.flushEvents();
    const [row] = await sandbox.queryEngine.query("SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events WHERE workspace_id = 'W-LOAD'");
    expect(row).toEqual({ n: acknowledged, ids: acknowledged });
    const machine = await sandbox.queryEngine.query("SELECT machine_reason, count(*) AS n FROM events WHERE workspace_id = 'W-LOAD' AND machine GROUP BY machine_reason ORDER BY machine_reason");
    const reasons = machine.map((r) => r.machine_reason);
    for (const reason of ['head-request', 'no-user-agent', 'bot-user-agent']) expect(reasons).toContain(reason);
    const v6 = await sandbox.queryEngine.query("SELECT count(*) AS n FROM events WHERE workspace_id = 'W-LOAD' AND ip LIKE '2001:%' AND country = 'TW'");
    expect(Number(v6[0]?.n)).toBeGreaterThan(0);
  }, 240_000);

  it('never answers 500 to hostile input', async () => {
    const hostile = ['/t', '/t/', '/t/o', '/t/o/', '/t/c/x', '/t/c/x/y/z', `/t/o/${'A'.repeat(10_000)}`, '/t/o/%00', '/t/../health', '/t/u/%E4%BD%A0%E5%A5%BD', '/t/v/abc?u=javascript:alert(1)', '/t/q/qr/x', '/t/s/confirm/zzz', '/t/p.js/extra'];
    for (const path of hostile) {
      for (const method of ['GET', 'POST', 'HEAD', 'PUT', 'OPTIONS']) {
        const response = await fetch(`${sandbox.apiUrl}${path}`, { method, redirect: 'manual', ...(method === 'POST' ? { body: 'x'.repeat(20_000), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}) });
        await response.arrayBuffer();
        expect(response.status, `${method} ${path}`).toBeLessThan(500);
      }
    }
    // The lake key file exists; nothing above leaked it or wrote an event.
    expect(readFileSync(join(dataDir, 'keys', 'tracking.key'), 'utf8').length).toBeGreaterThan(0);
  });
});
