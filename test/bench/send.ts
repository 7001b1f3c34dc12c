/**
 * `npm run bench:send`: personalised recipients (BENCH_SEND_RECIPIENTS, default 100,000) through
 * the whole sandbox pipeline — API launch → planner (audience frozen from an uploaded CSV, parts
 * on the bulk lane) → mail workers (ledger claim, render, SES raw send, ledger mark) → the local
 * SES (raw bytes to disk; Send / Delivery events to the notifications handler) — timed from
 * launch to the run's completion. In the same run, as the baseline, the rendering alone: the
 * same compiled content rendered for the same recipients with tracked links, in this process.
 * Prints messages/s for both, their ratio, and peak memory (this process, which hosts the whole
 * sandbox but the DynamoDB emulator). Figures, never pass/fail.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CampaignContent } from '../../shared/campaigns/model';

// Powertools reads these when first imported: set before the sandbox's modules load.
Object.assign(process.env, { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_TRACE_ENABLED: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
const { startSandbox } = await import('../../infra/local/sandbox');
const { s3BlobStore } = await import('../../shared/adapters/aws/blob-store.s3');
const { compileMessage, renderMessage } = await import('../../shared/content');
const { trackingExtras, trackingLinks } = await import('../../shared/tracking/links');

const recipients = Number(process.env.BENCH_SEND_RECIPIENTS ?? 100_000);
const renderSample = Math.min(recipients, 20_000);

const paragraphs = Array.from({ length: 12 }, (_, i) => `<tr><td style="padding:12px;font-family:sans-serif">第 ${i + 1} 段：{{ name | default: "會員" }}，本月 {{ custom.tier | default: "一般" }} 會員享有專屬優惠。<a href="https://shop.example.com/item/${i}?utm_source=pigeon">查看商品 ${i + 1}</a></td></tr>`).join('\n');
const content: CampaignContent = {
  subject: '{{ name | default: "會員" }}，您的十二月專屬優惠',
  preheader: '只到月底',
  fromName: '信鴿商店',
  fromEmail: 'news@pigeon.local',
  html: `<html><body><table width="600">${paragraphs}<tr><td><a href="{{ unsubscribe_url }}">取消訂閱</a></td></tr></table></body></html>`,
  charset: 'UTF-8',
  attachments: [],
};

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function renderOnly(): Promise<number> {
  const key = randomBytes(32);
  const compiled = compileMessage(content, { workspaceId: 'ws', campaignId: 'c', runId: 'r', assetsBaseUrl: 'http://assets.local', readAsset: async () => new Uint8Array() });
  const started = performance.now();
  for (let i = 0; i < renderSample; i++) {
    const email = `r${i}@example.com`;
    const links = trackingLinks(key, 'http://api.local/t', { workspaceId: 'ws', campaignId: 'c', runId: 'r', email }, new Date());
    await renderMessage(compiled, { email, fields: { email, name: `收件人${i}`, custom: { tier: i % 2 ? '金卡' : '一般' } } }, trackingExtras(links, { 'X-Pigeon-Run': 'r' }, new Date()));
  }
  return renderSample / ((performance.now() - started) / 1000);
}

async function endToEnd(): Promise<{ perSecond: number; seconds: number; sent: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-bench-send-'));
  const sandbox = await startSandbox({ dataDir, seed: true, quiet: true, console: false, fastMail: true, env: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
  try {
    const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
      const response = await fetch(`${sandbox.apiUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return (await response.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const token = (await call('POST', '/auth/sign-in', undefined, { email: sandbox.demo?.adminEmail, password: sandbox.demo?.adminPassword })).idToken as string;
    const ws = sandbox.demo?.workspaceId as string;
    const key = `lists/${ws}/bench/recipients.csv`;
    const rows = Array.from({ length: recipients }, (_, i) => `r${i}@example.com,收件人${i}`);
    await s3BlobStore('uploads').put(key, `email,name\n${rows.join('\n')}\n`, 'text/csv');
    const campaign = await call('POST', '/campaigns', token, { name: 'bench', content, audience: { sources: [{ kind: 'upload', key, fileName: 'recipients.csv' }], exclusions: [] } });
    const started = performance.now();
    const launched = await call('POST', `/campaigns/${campaign.id}/launch`, token, {});
    let run: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
    let lastPrint = 0;
    for (;;) {
      run = await call('GET', `/campaigns/${campaign.id}/runs/${launched.run.id}`, token);
      if (['completed', 'failed', 'cancelled'].includes(run.status)) break;
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        console.log(`  … ${run.status} ${JSON.stringify(run.progress)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const seconds = (performance.now() - started) / 1000;
    const inbox = readFileSync(join(dataDir, 'mail-raw', 'index.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    if (run.status !== 'completed' || inbox !== recipients) console.log(`  ! run ${run.status}, ${inbox} messages in the inbox for ${recipients} recipients`);
    return { perSecond: (run.progress.sent as number) / seconds, seconds, sent: run.progress.sent as number };
  } finally {
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`bench:send — ${recipients.toLocaleString('en')} personalised recipients, ${content.html.length.toLocaleString('en')}-character HTML, UTF-8, tracked links`);
const rendering = await renderOnly();
console.log(`render only (baseline, ${renderSample.toLocaleString('en')} messages, one process): ${rendering.toFixed(0)} messages/s`);
const e2e = await endToEnd();
clearInterval(sampler);
console.log(`end to end (planner → queue → workers → local SES): ${e2e.sent.toLocaleString('en')} sent in ${e2e.seconds.toFixed(1)} s = ${e2e.perSecond.toFixed(0)} messages/s`);
console.log(`ratio end-to-end / render-only: ${(e2e.perSecond / rendering).toFixed(3)}`);
console.log(`peak RSS (sandbox process; dynalite runs in its own): ${mib(peakRss)}`);
