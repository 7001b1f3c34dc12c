/**
 * A recipient's journey through the sandbox's public tracking endpoints, checked where it lands:
 * a campaign is sent; the recipient opens it (and Apple's privacy proxy prefetches it), clicks
 * through to a landing page that reports two page views, forwards it to a friend (who gets it,
 * tracked with the lineage, and signs up with double opt-in), comments, and unsubscribes with the
 * RFC 8058 one-click POST. Then: the events in the lake (DuckDB over the Firehose objects) with
 * geography, device and lineage; the contact's status, counters and score; the campaign's
 * counters and comments; the timeline API — and every kind of bad request answered 4xx.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../infra/local/sandbox';
import { defaultEngagementSettings } from '../../shared/engagement/model';
import { captchaAnswerOf } from '../../shared/tracking/pages/captcha';
import { codeSignature } from '../../shared/tracking/tokens';
import { adminApi, inboxOf, rawMessage, until, type ApiCall, type InboxLine, type Json } from './sandbox-client';

const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-track-'));
let sandbox: Sandbox;
let call: ApiCall;
let key: Uint8Array | undefined;


const IPHONE_MAIL = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** HiNet (Taiwan): the viewer's address as CloudFront passes it on. */
const TAIPEI = '168.95.1.1:52110';

const inbox = () => inboxOf(dataDir);

async function messageTo(email: string, filter: (line: InboxLine) => boolean = () => true) {
  const line = await until(
    async () => inbox().find((m) => m.destination.includes(email) && filter(m)),
    (m) => m !== undefined,
    30_000,
  );
  if (!line) throw new Error(`no message to ${email}`);
  return simpleParser(rawMessage(dataDir, line.messageId));
}

const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replaceAll('&amp;', '&'));
const field = (html: string, name: string) => new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1] ?? new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(html)?.[1] ?? '';

/** Fills a page's form as a person would: its hidden fields, the CAPTCHA read off the image. */
async function submit(pageUrl: string, fields: Record<string, string | string[]>) {
  const page = await (await fetch(pageUrl, { headers: { 'accept-language': 'zh-TW' } })).text();
  const form = new URLSearchParams({ csrf: field(page, 'csrf') });
  const captcha = field(page, 'captcha_token');
  if (captcha) {
    form.set('captcha_token', captcha);
    form.set('captcha', captchaAnswerOf(trackingKey(), captcha) ?? '');
  }
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) form.append(name, v);
  return fetch(pageUrl, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': CHROME, 'cloudfront-viewer-address': TAIPEI } });
}

const lake = async (sql: string, params: Record<string, string> = {}) => {
  await sandbox.flushEvents();
  return sandbox.queryEngine.query(sql, params);
};

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir, seed: true, quiet: true, console: false, lakeBufferSeconds: 1, env: { MAIL_WATCH_SECONDS: '1', MAIL_CONTINUE_SECONDS: '1' } });
  call = await adminApi(sandbox);
}, 180_000);

/** The sandbox's tracking key (written on first use, so read once a message went out). */
const trackingKey = (): Uint8Array => (key ??= Buffer.from(readFileSync(join(dataDir, 'keys', 'tracking.key'), 'utf8').trim(), 'base64'));

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a recipient\'s journey through the tracking endpoints', () => {
  let campaignId: string;
  let runId: string;
  let contactId: string;
  let categoryId: string;
  let friendOpenedByMachine = true;
  let links: { pixel: string; click: string; forward: string; comment: string; subscribe: string; unsubscribe: string; token: string };

  it('sends a campaign whose message carries every tracked link', async () => {
    const category = await call('POST', '/categories', { name: '月刊' });
    expect(category.status).toBe(201);
    categoryId = category.body.id as string;
    const contact = await call('POST', '/contacts', { email: 'lin@example.com', name: '林小明', subscriptions: { [categoryId]: 'subscribed' } });
    expect(contact.status).toBe(201);
    contactId = contact.body.id as string;
    const created = await call('POST', '/campaigns', {
      name: '追蹤測試',
      content: {
        subject: '十二月新品',
        fromName: '信鴿商店',
        fromEmail: 'news@pigeon.local',
        html:
          '<html><body><p><a href="https://shop.example.com/landing?from=mail">看新品</a></p>' +
          '<p><a href="{{ forward_url }}">轉寄給朋友</a> <a href="{{ comment_url }}">留言</a> <a href="{{ subscribe_url }}">訂閱</a> <a href="{{ unsubscribe_url }}">取消訂閱</a></p></body></html>',
      },
      audience: { sources: [{ kind: 'list', lines: ['lin@example.com', 'pal@example.com'] }], exclusions: [] },
    });
    expect(created.status).toBe(201);
    campaignId = created.body.id as string;
    const launched = await call('POST', `/campaigns/${campaignId}/launch`, {});
    expect(launched.status).toBe(202);
    runId = launched.body.run.id as string;
    const run = await until(async () => (await call('GET', `/campaigns/${campaignId}/runs/${runId}`)).body, (r) => r.status === 'completed', 60_000);
    expect(run.status).toBe('completed');

    const mail = await messageTo('lin@example.com', (m) => m.tags.run?.[0] === runId);
    const html = String(mail.html);
    const all = hrefs(html);
    const base = `${sandbox.apiUrl}/t`;
    const find = (prefix: string) => all.find((h) => h.startsWith(`${base}/${prefix}/`)) as string;
    const pixel = /src="([^"]*\/t\/o\/[^"]+)"/.exec(html)?.[1] as string;
    links = { pixel, click: find('c'), forward: find('f'), comment: find('m'), subscribe: find('s'), unsubscribe: find('u'), token: pixel.split('/o/')[1] as string };
    for (const [name, url] of Object.entries(links)) expect(url, name).toBeTruthy();
    // The recipient's own pages are linked directly, not through the click redirect.
    expect(all.filter((h) => h.startsWith(`${base}/c/`))).toHaveLength(1);
  });

  it('records an open with place and device, and tells Apple\'s privacy proxy apart', async () => {
    // A person opens later than the seconds in which scanners and proxies fetch right after delivery.
    await new Promise((r) => setTimeout(r, 10_500));
    const open = await fetch(links.pixel, { headers: { 'user-agent': IPHONE_MAIL, 'cloudfront-viewer-address': TAIPEI } });
    expect(open.status).toBe(200);
    expect(open.headers.get('content-type')).toBe('image/gif');
    expect(open.headers.get('cache-control')).toContain('no-store');
    expect(Buffer.from(await open.arrayBuffer()).subarray(0, 6).toString('latin1')).toBe('GIF89a');
    const proxy = await fetch(links.pixel, { headers: { 'user-agent': 'Mozilla/5.0', 'cloudfront-viewer-address': '17.58.101.4:443' } });
    expect(proxy.status).toBe(200);
    const head = await fetch(links.pixel, { method: 'HEAD', headers: { 'user-agent': IPHONE_MAIL } });
    expect(head.status).toBe(200);

    const opens = await lake("SELECT machine, machine_reason, country, os, client, email, run_id FROM events WHERE type = 'open' AND campaign_id = :c ORDER BY event_time, id", { c: campaignId });
    expect(opens).toHaveLength(3);
    expect(opens[0]).toMatchObject({ machine: false, country: 'TW', os: 'iOS', client: 'Apple Mail', email: 'lin@example.com', run_id: runId });
    expect(opens[1]).toMatchObject({ machine: true, machine_reason: 'apple-mpp' });
    expect(opens[2]).toMatchObject({ machine: true, machine_reason: 'head-request' });
  });

  it('redirects a click only to the signed target, carrying the token on for page tracking', async () => {
    const click = await fetch(links.click, { redirect: 'manual', headers: { 'user-agent': CHROME, 'cloudfront-viewer-address': TAIPEI } });
    expect(click.status).toBe(302);
    const location = new URL(click.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe('https://shop.example.com/landing');
    expect(location.searchParams.get('from')).toBe('mail');
    expect(location.searchParams.get('pgn_t')).toBe(links.token);

    // The landing page's script reports two page views: the landing page and a product page clicked from it.
    for (const [url, k] of [
      ['https://shop.example.com/landing?from=mail', '0'],
      ['https://shop.example.com/product/42', '1'],
    ] as const) {
      const beacon = await fetch(`${sandbox.apiUrl}/t/v/${links.token}`, { method: 'POST', body: new URLSearchParams({ u: url, r: 'https://shop.example.com/landing', k }), headers: { 'user-agent': CHROME, 'content-type': 'text/plain' } });
      expect(beacon.status).toBe(200);
    }
    const script = await fetch(`${sandbox.apiUrl}/t/p.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('pgn_t');

    const path = await lake("SELECT type, url, in_page_click FROM events WHERE campaign_id = :c AND type IN ('click', 'page_view') ORDER BY event_time, id", { c: campaignId });
    expect(path).toEqual([
      { type: 'click', url: 'https://shop.example.com/landing?from=mail', in_page_click: null },
      { type: 'page_view', url: 'https://shop.example.com/landing?from=mail', in_page_click: false },
      { type: 'page_view', url: 'https://shop.example.com/product/42', in_page_click: true },
    ]);
  });

  it('refuses tampered, truncated and foreign tokens and any other target with a plain 4xx', async () => {
    const url = new URL(links.click);
    const [, , token, index, sig] = url.pathname.split('/').slice(1);
    const variants = [
      `${sandbox.apiUrl}/t/c/${token}/${index}/${sig}?u=${encodeURIComponent('https://evil.example.net/')}`,
      `${sandbox.apiUrl}/t/c/${token}/${Number(index) + 1}/${sig}${url.search}`,
      `${sandbox.apiUrl}/t/c/${token}/${index}/AAAAAAAAAAAAAAAAAAAAAA${url.search}`,
      `${sandbox.apiUrl}/t/c/${(token as string).slice(0, 30)}/${index}/${sig}${url.search}`,
      `${sandbox.apiUrl}/t/c/${(token as string).slice(0, -2)}xx/${index}/${sig}${url.search}`,
      `${sandbox.apiUrl}/t/u/not-a-token`,
      `${sandbox.apiUrl}/t/f/${'A'.repeat(60)}`,
      `${sandbox.apiUrl}/t/nothing-here`,
      `${sandbox.apiUrl}/t/q/qr/forged?v=hello`,
    ];
    for (const variant of variants) {
      const response = await fetch(variant, { redirect: 'manual' });
      expect(response.status, variant).toBeGreaterThanOrEqual(400);
      expect(response.status, variant).toBeLessThan(500);
      expect(response.headers.get('location'), variant).toBeNull();
      const text = await response.text();
      expect(text).not.toContain('lin@example.com');
      expect(text).not.toMatch(/Error|at .*\.ts/);
    }
    // A broken pixel still answers with an image, and a wrong method is refused.
    const badPixel = await fetch(`${sandbox.apiUrl}/t/o/${'x'.repeat(50)}`);
    expect(badPixel.status).toBe(404);
    expect(badPixel.headers.get('content-type')).toBe('image/gif');
    expect((await fetch(links.pixel, { method: 'DELETE' })).status).toBe(405);
  });

  it('forwards to a friend, who gets the campaign tracked with the lineage and may sign up', async () => {
    const wrong = await fetch(links.forward, { method: 'POST', body: new URLSearchParams({ friend_1: 'friend@example.com' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(wrong.status).toBe(403);
    const done = await submit(links.forward, { name: '小明', friend_1: 'friend@example.com', friend_2: 'not-an-address' });
    expect(done.status).toBe(422);
    // pal@ is in the run's own audience: forwarded to, but never mailed twice.
    const sent = await submit(links.forward, { name: '小明', friend_1: 'friend@example.com', friend_2: 'pal@example.com', note: '你會喜歡' });
    expect(sent.status).toBe(200);

    const mail = await messageTo('friend@example.com');
    expect(mail.subject).toBe('十二月新品');
    const friendPixel = /src="([^"]*\/t\/o\/[^"]+)"/.exec(String(mail.html))?.[1] as string;
    expect((await fetch(friendPixel, { headers: { 'user-agent': CHROME, 'cloudfront-viewer-address': TAIPEI } })).status).toBe(200);

    const forwards = await lake("SELECT email, friends, name FROM events WHERE type = 'forward' AND campaign_id = :c", { c: campaignId });
    expect(forwards).toEqual([{ email: 'lin@example.com', friends: JSON.stringify(['friend@example.com', 'pal@example.com']), name: '小明' }]);
    const friendOpen = await lake("SELECT forwarded_by, forward_depth, run_id, machine FROM events WHERE type = 'open' AND email = 'friend@example.com'");
    expect(friendOpen).toMatchObject([{ forwarded_by: 'lin@example.com', forward_depth: 1, run_id: runId }]);
    // Fetched within seconds of the send, it counts as machine ("too fast") — unless the machine was slow.
    friendOpenedByMachine = friendOpen[0]?.machine === true;
    // The friend is outside the run's audience: its counts and points are untouched.
    const run = await until(async () => (await call('GET', `/campaigns/${campaignId}/runs/${runId}`)).body, (r) => r.progress?.forwarded === 1, 30_000);
    expect(run.progress).toMatchObject({ total: 2, sent: 2, forwarded: 1 });
    expect(run.pointsUsed).toBe(2);
    // The forward part is done (its progress is in): pal@ still has only the run's own message.
    expect(inbox().filter((m) => m.destination.includes('pal@example.com'))).toHaveLength(1);

    // The friend opts in from the forwarded mail's subscribe link: double opt-in by e-mail.
    const friendSubscribe = hrefs(String(mail.html)).find((h) => h.includes('/t/s/')) as string;
    const asked = await submit(friendSubscribe, { email: 'friend@example.com', name: '好朋友', category: categoryId });
    expect(asked.status).toBe(200);
    const confirmation = await messageTo('friend@example.com', (m) => !m.tags.run);
    const confirm = hrefs(String(confirmation.html)).find((h) => h.includes('/t/s/confirm/')) as string;
    expect(confirm).toBeTruthy();
    expect((await fetch(confirm)).status).toBe(200);
    const friend = (await call('GET', '/contacts?q=friend@example.com')).body.items?.[0] as Json;
    expect(friend).toMatchObject({ email: 'friend@example.com', name: '好朋友', status: 'active', subscriptions: { [categoryId]: 'subscribed' } });
    expect(friend.tags).toContain('forwarded');
    const signUp = await lake("SELECT forwarded_by, categories FROM events WHERE type = 'subscribe'");
    expect(signUp).toEqual([{ forwarded_by: 'lin@example.com', categories: JSON.stringify([categoryId]) }]);
  });

  it('takes a comment behind a CAPTCHA and stores it against the recipient and the campaign', async () => {
    const page = await (await fetch(links.comment)).text();
    expect(page).toContain('data:image/png;base64,');
    const guessed = await fetch(links.comment, {
      method: 'POST',
      body: new URLSearchParams({ csrf: field(page, 'csrf'), captcha_token: field(page, 'captcha_token'), captcha: 'WRONG', message: '請問有大尺寸嗎？' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(guessed.status).toBe(422);
    const posted = await submit(links.comment, { name: '林小明', message: '請問有大尺寸嗎？<script>alert(1)</script>' });
    expect(posted.status).toBe(200);
    const comments = await until(async () => (await call('GET', `/campaigns/${campaignId}/comments`)).body, (b) => b.items?.length === 1, 30_000);
    expect(comments.items[0]).toMatchObject({ email: 'lin@example.com', name: '林小明', runId, text: '請問有大尺寸嗎？<script>alert(1)</script>' });
  });

  it('unsubscribes with one click before the next send, and the contact\'s score and timeline follow', async () => {
    const oneClick = await fetch(links.unsubscribe, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(oneClick.status).toBe(200);
    const contact = (await call('GET', `/contacts/${contactId}`)).body;
    expect(contact.status).toBe('unsubscribed');
    const suppressed = (await call('GET', '/suppressions')).body.items as Json[];
    expect(suppressed.find((s) => s.email === 'lin@example.com')?.reason).toBe('unsubscribe');

    // The projector's view: counters, score (human events only, at the default weights), timeline.
    const w = defaultEngagementSettings.weights;
    const expected = w.open + w.click + 2 * w.page_view + w.forward + w.comment + w.unsubscribe;
    const after = await until(async () => {
      await sandbox.flushEvents();
      return (await call('GET', `/contacts/${contactId}`)).body;
    }, (c) => c.engagement?.comments === 1 && c.score === Math.max(0, expected), 30_000);
    expect(after.score, JSON.stringify(after.engagement)).toBe(Math.max(0, expected));
    expect(after.engagement).toMatchObject({ opens: 1, clicks: 1, pageViews: 2, forwards: 1, comments: 1 });
    expect(after.scoring).toBeUndefined();

    const timeline = (await call('GET', `/contacts/${contactId}/timeline?limit=100`)).body.items as Json[];
    const types = timeline.map((e) => e.type);
    for (const type of ['send', 'delivery', 'open', 'click', 'page_view', 'forward', 'comment', 'unsubscribe']) expect(types, type).toContain(type);
    expect(timeline.find((e) => e.type === 'open' && !e.machine)).toMatchObject({ campaignName: '追蹤測試', geo: { country: 'TW' }, device: { os: 'iOS' } });
    expect(timeline.find((e) => e.type === 'forward')?.forwardedTo).toEqual(['friend@example.com', 'pal@example.com']);
    expect(timeline.filter((e) => e.machine).map((e) => e.machineReason).sort()).toEqual(['apple-mpp', 'head-request']);

    const engagement = (await call('GET', `/campaigns/${campaignId}/engagement`)).body;
    const friendHuman = friendOpenedByMachine ? 0 : 1;
    expect(engagement).toMatchObject({ sent: 3, delivered: 3, opens: { total: 1 + friendHuman, unique: 1 + friendHuman, machine: 3 - friendHuman }, clicks: { total: 1, unique: 1, machine: 0 }, pageViews: 2, forwards: 1, comments: 1, unsubscribes: 1 });

    // Resends read the first clicks the projector noted on the ledger: the clicker is found — and
    // left out, now that they unsubscribed.
    const resend = await call('POST', `/campaigns/${campaignId}/resend`, { who: 'clickers' });
    expect(resend.status).toBe(202);
    const rerun = await until(async () => (await call('GET', `/campaigns/${campaignId}/runs/${resend.body.run.id as string}`)).body, (r) => r.status === 'completed', 60_000);
    expect(rerun.audienceSummary).toMatchObject({ total: 0, suppressed: 1 });
  });

  it('serves the codes a message asks for, and the settings change the score', async () => {
    const value = 'COUPON-2026-0042';
    const code = await fetch(`${sandbox.apiUrl}/t/q/qr/${codeSignature(trackingKey(), 'qr', value)}?v=${encodeURIComponent(value)}`);
    expect(code.status).toBe(200);
    expect(code.headers.get('content-type')).toBe('image/png');
    expect(code.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(await code.arrayBuffer()).subarray(1, 4).toString('latin1')).toBe('PNG');
    // The signature covers the value: another coupon number draws nothing.
    expect((await fetch(`${sandbox.apiUrl}/t/q/qr/${codeSignature(trackingKey(), 'qr', value)}?v=COUPON-2026-0043`)).status).toBe(404);

    const settings = await call('PUT', '/settings/engagement', { weights: { ...defaultEngagementSettings.weights, open: 500 }, halfLifeDays: 30 });
    expect(settings.status).toBe(400);
    expect(settings.body.errors?.[0]?.field).toBe('weights.open');
    const ok = await call('PUT', '/settings/engagement', { weights: { ...defaultEngagementSettings.weights, open: 7 }, halfLifeDays: 30 });
    expect(ok.status).toBe(200);
    expect((await call('GET', '/settings/engagement')).body.weights.open).toBe(7);
  });
});
