/**
 * The public tracking endpoints (handleTracking) against in-memory ports: the open pixel, the
 * click redirect (only ever to the signed target: no open redirect, however the URL is altered),
 * page-view beacons, unsubscribe (page, RFC 8058 one-click, categories), subscribe with double
 * opt-in, forward to friends and comments behind CSRF + a once-only CAPTCHA, code images, and
 * robustness: hostile input never reaches a 5xx, and a lake that does not acknowledge is a 503 that
 * never claims success. The real adapters are the integration test's (tracking-journey).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LakeEvent } from '../../shared/lake/event';
import type { GeoLookup } from '../../shared/tracking/enrich';
import { handleTracking } from '../../shared/tracking/endpoints/handle';
import type {
  CampaignFacts,
  ConfirmationMail,
  ForwardRequest,
  RecipientCategory,
  SubscriptionRequest,
  TrackingDeps,
  TrackingRequest,
  TrackingResponse,
} from '../../shared/tracking/endpoints/ports';
import { captchaAnswerOf } from '../../shared/tracking/pages/captcha';
import { clickSignature, codeSignature, keyedTag, sealRecipient, type RecipientPayload } from '../../shared/tracking/tokens';

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const BASE = 'https://t.example.com';
const NOW = Date.parse('2026-12-01T10:00:00.000Z');
/** Sent an hour before: no "too fast" machine verdicts. */
const SENT = NOW - 3_600_000;
const DAY = 86_400_000;
const WS = '01JWORKSPACE00000000000000';
const CAMPAIGN = '01JCAMPAIGN000000000000000';
const RUN = '01JRUN00000000000000000000';
const EMAIL = 'lin@example.com';
const IPHONE_MAIL = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const TAIPEI = '168.95.1.1';
const CATEGORIES: readonly RecipientCategory[] = [
  { id: 'cat-monthly', name: '月刊' },
  { id: 'cat-deals', name: 'Deals <b>' },
];
const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' };

interface Harness {
  readonly deps: TrackingDeps;
  readonly events: LakeEvent[];
  readonly unsubscribes: { ws: string; email: string; scope: 'all' | readonly string[]; at: string }[];
  readonly subscribes: SubscriptionRequest[];
  readonly forwards: ForwardRequest[];
  readonly mails: ConfirmationMail[];
  readonly nonces: Set<string>;
  readonly logs: { message: string; detail: Record<string, unknown> }[];
  readonly clock: { now: number };
  /** While true, the events sink rejects every put (the lake's stream is down). */
  failEvents: boolean;
}

/** In-memory ports: an events sink that records (or fails), a directory, campaign facts, a nonce Set. */
function harness(overrides: Partial<TrackingDeps> = {}): Harness {
  const clock = { now: NOW };
  let ids = 0;
  const geo: GeoLookup = { lookup: (ip) => (ip === TAIPEI ? { country: 'TW', region: 'Taipei City', city: 'Taipei' } : ip === '2001:db8::1' ? { country: 'JP' } : undefined) };
  const subscribed = new Map<string, Set<string>>([[EMAIL, new Set(['cat-monthly', 'cat-deals'])]]);
  const h: Harness = {
    events: [],
    unsubscribes: [],
    subscribes: [],
    forwards: [],
    mails: [],
    nonces: new Set(),
    logs: [],
    clock,
    failEvents: false,
    deps: undefined as unknown as TrackingDeps,
  };
  const campaigns: Record<string, CampaignFacts> = { [`${WS}/${CAMPAIGN}/${RUN}`]: { name: '十二月新品', fromEmail: 'news@pigeon.local', fromName: '信鴿 "商店"' } };
  const deps: TrackingDeps = {
    key: async () => KEY,
    events: {
      put: async (records) => {
        if (h.failEvents) throw new Error('ServiceUnavailableException: Firehose is down');
        h.events.push(...records);
      },
    },
    geo: async () => geo,
    directory: {
      categories: async () => CATEGORIES,
      subscribedCategories: async (_ws, email) => subscribed.get(email) ?? new Set(),
      unsubscribe: async (ws, email, scope, at) => void h.unsubscribes.push({ ws, email, scope, at }),
      subscribe: async (request) => {
        h.subscribes.push(request);
        return { contactId: `contact-${h.subscribes.length}`, created: true };
      },
    },
    campaign: async (ws, campaignId, runId) => campaigns[`${ws}/${campaignId}/${runId}`],
    forward: async (request) => void h.forwards.push(request),
    sendConfirmation: async (mail) => void h.mails.push(mail),
    claimNonce: async (scope, nonce) => {
      const key = `${scope}\n${nonce}`;
      if (h.nonces.has(key)) return false;
      h.nonces.add(key);
      return true;
    },
    baseUrl: BASE,
    now: () => clock.now,
    newId: (now) => `EV${now}-${++ids}`,
    log: (message, detail) => void h.logs.push({ message, detail }),
    tokenDays: 30,
    ...overrides,
  };
  (h as { deps: TrackingDeps }).deps = deps;
  return h;
}

const tokenFor = (over: Partial<RecipientPayload> = {}, key: Uint8Array = KEY): string =>
  sealRecipient(key, { w: WS, c: CAMPAIGN, r: RUN, e: EMAIL, t: Math.floor(SENT / 1000), ...over });

interface RequestOptions {
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly ip?: string;
}

function call(h: Harness, method: string, path: string, options: RequestOptions = {}): Promise<TrackingResponse> {
  const request: TrackingRequest = {
    method,
    path,
    query: options.query ?? {},
    headers: options.headers ?? { 'user-agent': CHROME, 'accept-language': 'en' },
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.ip !== undefined ? { ip: options.ip } : {}),
  };
  return handleTracking(h.deps, request);
}

const text = (response: TrackingResponse): string => (typeof response.body === 'string' ? response.body : Buffer.from(response.body).toString('utf8'));
const bytes = (response: TrackingResponse): Buffer => (typeof response.body === 'string' ? Buffer.from(response.body) : Buffer.from(response.body));
const field = (html: string, name: string): string =>
  new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1] ?? new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(html)?.[1] ?? '';

/** Opens the form page, then POSTs it as a person would: its csrf, the CAPTCHA read off the image. */
async function submit(h: Harness, path: string, fields: Record<string, string | readonly string[]>, options: { captcha?: 'right' | 'wrong'; csrf?: string } = {}) {
  const page = await call(h, 'GET', path);
  expect(page.status).toBe(200);
  const html = text(page);
  const form = new URLSearchParams({ csrf: options.csrf ?? field(html, 'csrf') });
  const captchaToken = field(html, 'captcha_token');
  if (captchaToken) {
    form.set('captcha_token', captchaToken);
    form.set('captcha', options.captcha === 'wrong' ? 'XXXXX' : (captchaAnswerOf(KEY, captchaToken) ?? '').toLowerCase());
  }
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) form.append(name, v);
  const body = form.toString();
  const response = await call(h, 'POST', path, { body, headers: { ...FORM, 'user-agent': CHROME, 'accept-language': 'en' }, ip: TAIPEI });
  return { response, body };
}

/** The same base64url text but for the last character's unused low bit (decodes to the same bytes). */
function spareBitTwin(signature: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return alphabet[alphabet.indexOf(signature.at(-1) as string) ^ 1] as string;
}

const isGif = (response: TrackingResponse) => bytes(response).subarray(0, 6).toString('latin1') === 'GIF89a';

function expectRefused(response: TrackingResponse, label = ''): void {
  expect(response.status, label).toBeGreaterThanOrEqual(400);
  expect(response.status, label).toBeLessThan(500);
  expect(response.headers.Location, label).toBeUndefined();
}

describe('open pixel', () => {
  it('answers a 42-byte GIF that is never cached and records one enriched open', async () => {
    const h = harness();
    const token = tokenFor();
    const response = await call(h, 'GET', `/o/${token}`, { headers: { 'user-agent': IPHONE_MAIL }, ip: TAIPEI });
    expect(response.status).toBe(200);
    expect(response.headers['Content-Type']).toBe('image/gif');
    expect(response.headers['Cache-Control']).toContain('no-store');
    expect(response.headers['Content-Length']).toBe('42');
    expect(isGif(response)).toBe(true);
    expect(bytes(response)).toHaveLength(42);
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({
      type: 'open',
      event_time: new Date(NOW).toISOString(),
      workspace_id: WS,
      campaign_id: CAMPAIGN,
      run_id: RUN,
      email: EMAIL,
      channel: 'mail',
      machine: false,
      ip: TAIPEI,
      country: 'TW',
      region: 'Taipei City',
      city: 'Taipei',
      os: 'iOS',
      client: 'Apple Mail',
      client_kind: 'mail-client',
      device_type: 'mobile',
      user_agent: IPHONE_MAIL,
    });
    expect(h.events[0]?.machine_reason).toBeUndefined();
    expect(h.events[0]?.forwarded_by).toBeUndefined();
  });

  it('tells machines apart: HEAD (no body), Apple\'s privacy proxy, a missing user agent', async () => {
    const h = harness();
    const token = tokenFor();
    const head = await call(h, 'HEAD', `/o/${token}`, { headers: { 'user-agent': IPHONE_MAIL }, ip: TAIPEI });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['Content-Type']).toBe('image/gif');
    await call(h, 'GET', `/o/${token}`, { headers: { 'user-agent': 'Mozilla/5.0' }, ip: '17.58.101.4' });
    await call(h, 'GET', `/o/${token}`, { headers: {}, ip: TAIPEI });
    expect(h.events.map((e) => [e.machine, e.machine_reason])).toEqual([
      [true, 'head-request'],
      [true, 'apple-mpp'],
      [true, 'no-user-agent'],
    ]);
  });

  it('carries a forwarded recipient\'s lineage', async () => {
    const h = harness();
    await call(h, 'GET', `/o/${tokenFor({ e: 'friend@example.com', v: EMAIL, d: 2 })}`, { ip: TAIPEI });
    expect(h.events[0]).toMatchObject({ email: 'friend@example.com', forwarded_by: EMAIL, forward_depth: 2 });
  });

  it('answers bad, truncated, tampered, foreign and expired tokens with a 404 GIF and records nothing', async () => {
    const h = harness();
    const token = tokenFor();
    const middle = Math.floor(token.length / 2);
    const flip = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
    const bad = [
      'x'.repeat(50),
      token.slice(0, 30),
      token.slice(0, -4),
      flip(token, middle),
      flip(token, 0),
      flip(token, 20),
      `${token}AAAA`,
      tokenFor({}, OTHER_KEY),
      tokenFor({ t: Math.floor((NOW - 31 * DAY) / 1000) }),
      // A sealed payload that is no recipient (a subscription claim has no run).
      sealRecipient(KEY, { k: 'sub', w: WS, e: EMAIL, g: [], t: Math.floor(NOW / 1000) } as unknown as RecipientPayload),
    ];
    for (const variant of bad) {
      for (const method of ['GET', 'HEAD']) {
        const response = await call(h, method, `/o/${variant}`, { ip: TAIPEI });
        expect(response.status, variant).toBe(404);
        expect(response.headers['Content-Type']).toBe('image/gif');
        expect(response.headers['Cache-Control']).toContain('no-store');
        if (method === 'GET') expect(isGif(response)).toBe(true);
        else expect(response.body).toBe('');
      }
    }
    expect(h.events).toEqual([]);
  });
});

describe('click redirect', () => {
  const target = 'https://shop.example.com/landing?from=mail&x=%E4%B8%AD#top';
  const index = 3;

  const clickPath = (token: string, i: number | string, signature: string) => `/c/${token}/${i}/${signature}`;

  it('redirects to exactly the signed URL with pgn_t appended, and records one click', async () => {
    const h = harness();
    const token = tokenFor();
    const response = await call(h, 'GET', clickPath(token, index, clickSignature(KEY, token, index, target)), { query: { u: target }, ip: TAIPEI });
    expect(response.status).toBe(302);
    expect(response.headers.Location).toBe(`https://shop.example.com/landing?from=mail&x=%E4%B8%AD&pgn_t=${token}#top`);
    expect(response.headers['Cache-Control']).toContain('no-store');
    expect(response.headers['Referrer-Policy']).toBe('no-referrer');
    expect(response.body).toBe('');
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({ type: 'click', url: target, link_index: index, email: EMAIL, machine: false, country: 'TW', client: 'Chrome', os: 'Windows' });
  });

  it('keeps the rest of the URL as written: no query, an existing pgn_t, upper-case scheme', async () => {
    const h = harness();
    const token = tokenFor();
    for (const [url, location] of [
      ['https://shop.example.com', `https://shop.example.com?pgn_t=${token}`],
      ['http://shop.example.com/a/b', `http://shop.example.com/a/b?pgn_t=${token}`],
      ['https://shop.example.com/?pgn_t=stale&a=1', `https://shop.example.com/?a=1&pgn_t=${token}`],
      ['HTTPS://Shop.Example.com/X', `HTTPS://Shop.Example.com/X?pgn_t=${token}`],
    ] as const) {
      const response = await call(h, 'GET', clickPath(token, 0, clickSignature(KEY, token, 0, url)), { query: { u: url } });
      expect(response.status, url).toBe(302);
      expect(response.headers.Location, url).toBe(location);
    }
  });

  it('honours a click however old the message (only opens, pages, forwards and comments expire)', async () => {
    const h = harness();
    const token = tokenFor({ t: Math.floor((NOW - 400 * DAY) / 1000) });
    const response = await call(h, 'GET', clickPath(token, 0, clickSignature(KEY, token, 0, target)), { query: { u: target } });
    expect(response.status).toBe(302);
  });

  it('marks a HEAD probe and a link scanner as machines, still redirecting to the signed target', async () => {
    const h = harness();
    const token = tokenFor();
    const path = clickPath(token, index, clickSignature(KEY, token, index, target));
    expect((await call(h, 'HEAD', path, { query: { u: target } })).status).toBe(302);
    expect((await call(h, 'GET', path, { query: { u: target }, headers: { 'user-agent': 'python-requests/2.32' } })).status).toBe(302);
    expect(h.events.map((e) => e.machine_reason)).toEqual(['head-request', 'security-scanner']);
  });

  it('refuses every named alteration with a 4xx, no Location and no event', async () => {
    const h = harness();
    const token = tokenFor();
    const signature = clickSignature(KEY, token, index, target);
    const foreign = tokenFor({}, OTHER_KEY);
    const otherToken = tokenFor();
    const variants: [string, string, Record<string, string>][] = [
      ['altered u', clickPath(token, index, signature), { u: 'https://evil.example.net/' }],
      ['u with a suffix', clickPath(token, index, signature), { u: `${target}x` }],
      ['u on a look-alike host', clickPath(token, index, signature), { u: target.replace('shop.example.com', 'shop.example.com.evil.net') }],
      ['u with user info', clickPath(token, index, signature), { u: target.replace('https://', 'https://shop.example.com@') }],
      ['missing u', clickPath(token, index, signature), {}],
      ['empty u', clickPath(token, index, signature), { u: '' }],
      ['altered index', clickPath(token, index + 1, signature), { u: target }],
      ['index 0', clickPath(token, 0, signature), { u: target }],
      ['negative index', clickPath(token, -3, signature), { u: target }],
      ['index with a fraction', clickPath(token, '3.0', signature), { u: target }],
      ['index too long', clickPath(token, '00003', signature), { u: target }],
      ['index not a number', clickPath(token, 'x', signature), { u: target }],
      ['altered signature', clickPath(token, index, `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`), { u: target }],
      ['truncated signature', clickPath(token, index, signature.slice(0, -2)), { u: target }],
      ['longer signature', clickPath(token, index, `${signature}AAAA`), { u: target }],
      ['zero signature', clickPath(token, index, 'A'.repeat(22)), { u: target }],
      // Other spellings of the same MAC bytes: Node's base64url decoder skips stray characters and spare bits.
      ['signature with a stray character', clickPath(token, index, `${signature.slice(0, 5)}.${signature.slice(5)}`), { u: target }],
      ['signature with a trailing character', clickPath(token, index, `${signature}~`), { u: target }],
      ['signature with padding', clickPath(token, index, `${signature}==`), { u: target }],
      ['signature with other spare bits', clickPath(token, index, `${signature.slice(0, -1)}${spareBitTwin(signature)}`), { u: target }],
      ['index with a leading zero', clickPath(token, `0${index}`, signature), { u: target }],
      ['signature of another link', clickPath(token, index, clickSignature(KEY, token, index + 1, target)), { u: target }],
      ['signature of another recipient', clickPath(token, index, clickSignature(KEY, otherToken, index, target)), { u: target }],
      ['signature for the evil URL under another key', clickPath(token, index, clickSignature(OTHER_KEY, token, index, 'https://evil.example.net/')), { u: 'https://evil.example.net/' }],
      ['token sealed with another key (and signed with it)', clickPath(foreign, index, clickSignature(OTHER_KEY, foreign, index, target)), { u: target }],
      ['truncated token', clickPath(token.slice(0, 30), index, signature), { u: target }],
      ['missing signature', `/c/${token}/${index}`, { u: target }],
      ['extra segment', `${clickPath(token, index, signature)}/x`, { u: target }],
    ];
    for (const scheme of ['javascript:alert(document.cookie)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', '//evil.example.net/', '/\\evil.example.net', 'ftp://evil.example.net/', 'mailto:a@evil.example.net', ' https://evil.example.net/', '\thttps://evil.example.net/']) {
      // Signed with the right key: still no redirect to anything but http(s).
      variants.push([`signed ${JSON.stringify(scheme)}`, clickPath(token, index, clickSignature(KEY, token, index, scheme)), { u: scheme }]);
    }
    for (const [label, path, query] of variants) {
      const response = await call(h, 'GET', path, { query });
      expectRefused(response, label);
      expect(text(response), label).not.toContain(EMAIL);
    }
    expect(h.events).toEqual([]);
  });

  it('never redirects anywhere but the signed target, over hundreds of mutations (property)', async () => {
    const h = harness();
    const token = tokenFor();
    const signature = clickSignature(KEY, token, index, target);
    const expected = `https://shop.example.com/landing?from=mail&x=%E4%B8%AD&pgn_t=${token}#top`;
    // A small deterministic generator (xorshift), so a failure can be replayed.
    let state = 0x9e3779b9;
    const random = (n: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const pool = ['/', '@', ':', '.', '\\', '%', '?', '#', '&', '=', 'e', 'E', 'x', '0', ' ', '\n', '\u0000', 'é', '中', '\u200b', 'ｅ', '-', '_', 'A'];
    const mutate = (s: string): string => {
      const at = random(s.length + 1);
      const op = random(3);
      const c = pool[random(pool.length)] as string;
      if (op === 0) return s.slice(0, at) + c + s.slice(at);
      if (op === 1) return s.slice(0, at) + s.slice(at + 1);
      return s.slice(0, at) + c + s.slice(at + 1);
    };
    let tried = 0;
    for (let i = 0; i < 400; i++) {
      // Mostly the URL, also the index, the signature and the token.
      const part = random(8);
      let u = target;
      let linkIndex = String(index);
      let sig = signature;
      let tok = token;
      const times = 1 + random(3);
      for (let n = 0; n < times; n++) {
        if (part <= 4) u = mutate(u);
        else if (part === 5) linkIndex = mutate(linkIndex);
        else if (part === 6) sig = mutate(sig);
        else tok = mutate(tok);
      }
      if (u === target && linkIndex === String(index) && sig === signature && tok === token) continue;
      tried += 1;
      const before = h.events.length;
      let response: TrackingResponse;
      try {
        response = await call(h, 'GET', `/c/${tok}/${linkIndex}/${sig}`, { query: { u } });
      } catch (error) {
        throw new Error(`threw on ${JSON.stringify({ u, linkIndex, sig, tok })}`, { cause: error });
      }
      const label = JSON.stringify({ u, linkIndex, sig, tok });
      expectRefused(response, label);
      expect(h.events.length, label).toBe(before);
    }
    expect(tried).toBeGreaterThan(350);
    // The untouched link still works.
    expect((await call(h, 'GET', `/c/${token}/${index}/${signature}`, { query: { u: target } })).headers.Location).toBe(expected);
  });

  it('refuses every change to the signed URL, character by character', async () => {
    const h = harness();
    const token = tokenFor();
    const signature = clickSignature(KEY, token, index, target);
    const path = clickPath(token, index, signature);
    const variants = new Set<string>();
    for (let i = 0; i < target.length; i++) {
      variants.add(target.slice(0, i) + target.slice(i + 1));
      variants.add(`${target.slice(0, i)}@${target.slice(i)}`);
      const c = target[i] as string;
      variants.add(target.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + target.slice(i + 1));
    }
    variants.delete(target);
    for (const u of variants) {
      const response = await call(h, 'GET', path, { query: { u } });
      expectRefused(response, u);
    }
    expect(h.events).toEqual([]);
  });
});

describe('page view beacons', () => {
  it('records a view from the Image fallback (GET query) and a click from sendBeacon (POST text body)', async () => {
    const h = harness();
    const token = tokenFor();
    const viewed = await call(h, 'GET', `/v/${token}`, { query: { u: 'https://shop.example.com/landing', r: 'https://www.google.com/' }, ip: TAIPEI });
    expect(viewed.status).toBe(200);
    expect(viewed.headers['Access-Control-Allow-Origin']).toBe('*');
    expect(viewed.headers['Cache-Control']).toContain('no-store');
    expect(isGif(viewed)).toBe(true);
    const clicked = await call(h, 'POST', `/v/${token}`, {
      body: new URLSearchParams({ u: 'https://shop.example.com/product/42', r: 'https://shop.example.com/landing', k: '1' }).toString(),
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': CHROME },
    });
    expect(clicked.status).toBe(200);
    // sendBeacon may post an empty body with the fields in the query.
    const empty = await call(h, 'POST', `/v/${token}`, { query: { u: 'https://shop.example.com/cart' }, body: '' });
    expect(empty.status).toBe(200);
    expect(h.events.map((e) => [e.type, e.url, e.referrer, e.in_page_click])).toEqual([
      ['page_view', 'https://shop.example.com/landing', 'https://www.google.com/', false],
      ['page_view', 'https://shop.example.com/product/42', 'https://shop.example.com/landing', true],
      ['page_view', 'https://shop.example.com/cart', undefined, false],
    ]);
    expect(h.events[0]).toMatchObject({ country: 'TW', email: EMAIL, run_id: RUN, machine: false });
  });

  it('refuses a page that is not http(s) with a 400, and keeps a referrer only when it is http(s)', async () => {
    const h = harness();
    const token = tokenFor();
    for (const u of [undefined, '', 'javascript:alert(1)', 'data:text/html,x', '//shop.example.com/', 'ftp://shop.example.com/', ' https://shop.example.com/']) {
      const response = await call(h, 'GET', `/v/${token}`, { query: u === undefined ? {} : { u } });
      expect(response.status, String(u)).toBe(400);
    }
    expect(h.events).toEqual([]);
    for (const r of ['javascript:alert(1)', 'android-app://com.google.android.gm/', 'about:blank', '']) {
      await call(h, 'GET', `/v/${token}`, { query: { u: 'https://shop.example.com/', r } });
    }
    await call(h, 'GET', `/v/${token}`, { query: { u: 'https://shop.example.com/', r: 'http://news.example.org/a' } });
    expect(h.events.map((e) => e.referrer)).toEqual([undefined, undefined, undefined, undefined, 'http://news.example.org/a']);
  });

  it('expires with the token (410) and refuses a bad one (404)', async () => {
    const h = harness();
    const old = tokenFor({ t: Math.floor((NOW - 31 * DAY) / 1000) });
    expect((await call(h, 'GET', `/v/${old}`, { query: { u: 'https://shop.example.com/' } })).status).toBe(410);
    expect((await call(h, 'GET', `/v/${tokenFor({}, OTHER_KEY)}`, { query: { u: 'https://shop.example.com/' } })).status).toBe(404);
    expect(h.events).toEqual([]);
  });

  it('serves the page script', async () => {
    const h = harness();
    const response = await call(h, 'GET', '/p.js');
    expect(response.status).toBe(200);
    expect(response.headers['Content-Type']).toContain('application/javascript');
    expect(text(response)).toContain(JSON.stringify(BASE));
  });
});

describe('unsubscribe', () => {
  it('shows a page that lists the categories, masks the address and carries a CSRF field', async () => {
    const h = harness();
    const token = tokenFor();
    const response = await call(h, 'GET', `/u/${token}`);
    expect(response.status).toBe(200);
    expect(response.headers['Content-Type']).toBe('text/html; charset=utf-8');
    const html = text(response);
    expect(html).toContain('月刊');
    expect(html).toContain('Deals &lt;b&gt;');
    expect(html).toContain('value="cat-monthly"');
    expect(html).toContain('l***@example.com');
    expect(html).not.toContain(EMAIL);
    expect(field(html, 'csrf')).toBe(keyedTag(KEY, 'form', token));
    expect(html).toContain(`action="${BASE}/u/${token}"`);
    expect(h.unsubscribes).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('takes the RFC 8058 one-click POST without a form token: everything, one event', async () => {
    const h = harness();
    const response = await call(h, 'POST', `/u/${tokenFor()}`, { body: 'List-Unsubscribe=One-Click', headers: FORM });
    expect(response.status).toBe(200);
    expect(text(response)).toBe('Unsubscribed');
    expect(h.unsubscribes).toEqual([{ ws: WS, email: EMAIL, scope: 'all', at: new Date(NOW).toISOString() }]);
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({ type: 'unsubscribe', email: EMAIL, campaign_id: CAMPAIGN, run_id: RUN, categories: ['all'], reason: 'one-click' });
  });

  it('refuses a form POST without or with a wrong CSRF field (403), changing nothing', async () => {
    const h = harness();
    const token = tokenFor();
    const other = tokenFor();
    const right = keyedTag(KEY, 'form', token);
    for (const csrf of [undefined, '', 'x', keyedTag(KEY, 'form', other), keyedTag(OTHER_KEY, 'form', token), keyedTag(KEY, 'other-purpose', token), `${right}.`, `${right.slice(0, -1)}${spareBitTwin(right)}`, ` ${right}`]) {
      const body = new URLSearchParams({ scope: 'all', ...(csrf === undefined ? {} : { csrf }) }).toString();
      const response = await call(h, 'POST', `/u/${token}`, { body, headers: FORM });
      expect(response.status, String(csrf)).toBe(403);
    }
    expect(h.unsubscribes).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('unsubscribes from everything with the form', async () => {
    const h = harness();
    const { response } = await submit(h, `/u/${tokenFor()}`, { scope: 'all' });
    expect(response.status).toBe(200);
    expect(h.unsubscribes.map((u) => u.scope)).toEqual(['all']);
    expect(h.events.map((e) => e.categories)).toEqual([['all']]);
  });

  it('unsubscribes from the chosen categories only, ignoring unknown ids', async () => {
    const h = harness();
    const { response } = await submit(h, `/u/${tokenFor()}`, { scope: 'categories', category: ['cat-deals', 'cat-unknown', '../all'] });
    expect(response.status).toBe(200);
    expect(text(response)).toContain('Deals &lt;b&gt;');
    expect(h.unsubscribes.map((u) => u.scope)).toEqual([['cat-deals']]);
    expect(h.events).toHaveLength(1);
    expect(h.events[0]?.categories).toEqual(['cat-deals']);
  });

  it('shows the page again with an error when no known category was chosen, changing nothing', async () => {
    const h = harness();
    for (const category of [[], ['cat-unknown']]) {
      const { response } = await submit(h, `/u/${tokenFor()}`, { scope: 'categories', category });
      expect(response.status).toBe(422);
      expect(text(response)).toContain('Choose at least one category.');
    }
    expect(h.unsubscribes).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('honours an unsubscribe link however old (the other pages answer 410)', async () => {
    const h = harness();
    const old = tokenFor({ t: Math.floor((NOW - 3 * 365 * DAY) / 1000) });
    expect((await call(h, 'GET', `/u/${old}`)).status).toBe(200);
    expect((await call(h, 'POST', `/u/${old}`, { body: 'List-Unsubscribe=One-Click', headers: FORM })).status).toBe(200);
    const { response } = await submit(h, `/u/${old}`, { scope: 'all' });
    expect(response.status).toBe(200);
    expect(h.unsubscribes).toHaveLength(2);
    expect((await call(h, 'GET', `/f/${old}`)).status).toBe(410);
    expect((await call(h, 'GET', `/m/${old}`)).status).toBe(410);
    expect((await call(h, 'GET', `/v/${old}`, { query: { u: 'https://shop.example.com/' } })).status).toBe(410);
    // The pixel answers an image whatever happens (and records nothing).
    const pixel = await call(h, 'GET', `/o/${old}`);
    expect(pixel.status).toBe(404);
    expect(isGif(pixel)).toBe(true);
    expect(h.events.map((e) => e.type)).toEqual(['unsubscribe', 'unsubscribe']);
  });

  it('refuses a form body of another type', async () => {
    const h = harness();
    const token = tokenFor();
    const body = new URLSearchParams({ csrf: keyedTag(KEY, 'form', token), scope: 'all' }).toString();
    const response = await call(h, 'POST', `/u/${token}`, { body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(h.unsubscribes).toEqual([]);
  });
});

describe('subscribe with double opt-in', () => {
  const confirmPathOf = (mail: ConfirmationMail): string => {
    const link = new RegExp(`${BASE.replace(/\./g, '\\.')}(/s/confirm/[A-Za-z0-9_-]+)`).exec(mail.text)?.[1];
    expect(link).toBeTruthy();
    return link as string;
  };

  it('sends one confirmation mail whose link confirms, creating the contact with its lineage', async () => {
    const h = harness();
    const page = await call(h, 'GET', `/s/${tokenFor()}`);
    expect(page.status).toBe(200);
    expect(text(page)).toContain('data:image/png;base64,');
    const { response } = await submit(h, `/s/${tokenFor()}`, { email: ' Friend@Example.COM ', name: '好朋友', category: ['cat-monthly', 'cat-nope'] });
    expect(response.status).toBe(200);
    expect(text(response)).toContain('Check your e-mail');
    expect(h.mails).toHaveLength(1);
    const mail = h.mails[0] as ConfirmationMail;
    expect(mail).toMatchObject({ to: 'friend@example.com', from: '"信鴿 商店" <news@pigeon.local>', subject: 'Please confirm your subscription' });
    const path = confirmPathOf(mail);
    expect(mail.html).toContain(`href="${BASE}${path}"`);
    // Nothing changes before the link is followed.
    expect(h.subscribes).toEqual([]);
    expect(h.events).toEqual([]);

    const confirmed = await call(h, 'GET', path);
    expect(confirmed.status).toBe(200);
    expect(text(confirmed)).toContain('月刊');
    expect(h.subscribes).toEqual([{ workspaceId: WS, email: 'friend@example.com', name: '好朋友', categories: ['cat-monthly'], campaignId: CAMPAIGN, forwardedBy: EMAIL }]);
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({ type: 'subscribe', workspace_id: WS, campaign_id: CAMPAIGN, email: 'friend@example.com', contact_id: 'contact-1', categories: ['cat-monthly'], name: '好朋友', forwarded_by: EMAIL });
  });

  it('keeps no lineage when the recipient subscribes their own address, and the forwarder\'s when a friend does', async () => {
    const h = harness();
    await submit(h, `/s/${tokenFor()}`, { email: EMAIL, category: 'cat-deals' });
    await submit(h, `/s/${tokenFor({ e: 'friend@example.com', v: EMAIL, d: 1 })}`, { email: 'friend@example.com', category: 'cat-deals' });
    expect(h.mails).toHaveLength(2);
    for (const mail of h.mails) expect((await call(h, 'GET', confirmPathOf(mail))).status).toBe(200);
    expect(h.subscribes[0]).toEqual({ workspaceId: WS, email: EMAIL, categories: ['cat-deals'], campaignId: CAMPAIGN });
    expect(h.subscribes[1]).toMatchObject({ email: 'friend@example.com', forwardedBy: EMAIL });
  });

  it('asks again for a missing address, a bad address, no category or a wrong CAPTCHA, sending nothing', async () => {
    const h = harness();
    const token = tokenFor();
    for (const [fields, captcha, message] of [
      [{ category: 'cat-deals' }, 'right', 'This field is required.'],
      [{ email: 'not an address', category: 'cat-deals' }, 'right', 'Enter a valid e-mail address.'],
      [{ email: 'a@example.com' }, 'right', 'Choose at least one category.'],
      [{ email: 'a@example.com', category: 'cat-deals' }, 'wrong', 'The code was not right.'],
    ] as const) {
      const { response } = await submit(h, `/s/${token}`, fields, { captcha });
      expect(response.status).toBe(422);
      expect(text(response)).toContain(message);
    }
    expect(h.mails).toEqual([]);
  });

  it('refuses a tampered or foreign confirmation (404) and one older than 7 days (410)', async () => {
    const h = harness();
    await submit(h, `/s/${tokenFor()}`, { email: 'friend@example.com', category: 'cat-deals' });
    const path = confirmPathOf(h.mails[0] as ConfirmationMail);
    const sealed = path.slice('/s/confirm/'.length);
    const i = Math.floor(sealed.length / 2);
    for (const variant of [`${sealed.slice(0, i)}${sealed[i] === 'A' ? 'B' : 'A'}${sealed.slice(i + 1)}`, sealed.slice(0, -3), 'x', tokenFor(), tokenFor({}, OTHER_KEY)]) {
      expect((await call(h, 'GET', `/s/confirm/${variant}`)).status, variant).toBe(404);
    }
    expect((await call(h, 'POST', path)).status).toBe(405);
    h.clock.now = NOW + 8 * DAY;
    expect((await call(h, 'GET', path)).status).toBe(410);
    expect(h.subscribes).toEqual([]);
    h.clock.now = NOW + 6 * DAY;
    expect((await call(h, 'GET', path)).status).toBe(200);
    expect(h.subscribes).toHaveLength(1);
  });

  it('does not let a confirmation token pass as a recipient token', async () => {
    const h = harness();
    await submit(h, `/s/${tokenFor()}`, { email: 'friend@example.com', category: 'cat-deals' });
    const sealed = confirmPathOf(h.mails[0] as ConfirmationMail).slice('/s/confirm/'.length);
    for (const path of [`/u/${sealed}`, `/f/${sealed}`, `/m/${sealed}`, `/s/${sealed}`, `/v/${sealed}`]) expect((await call(h, 'GET', path, { query: { u: 'https://a.example/' } })).status, path).toBe(404);
    expect((await call(h, 'POST', `/u/${sealed}`, { body: 'List-Unsubscribe=One-Click', headers: FORM })).status).toBe(404);
    expect(h.unsubscribes).toEqual([]);
  });
});

describe('forward to friends', () => {
  it('forwards with CSRF and a right CAPTCHA: depth + 1, one forward event with the friends', async () => {
    const h = harness();
    const page = await call(h, 'GET', `/f/${tokenFor()}`);
    expect(text(page)).toContain('十二月新品');
    const { response } = await submit(h, `/f/${tokenFor()}`, { name: '小明', friend_1: 'Friend@Example.com', friend_3: 'pal@example.org', note: '你會喜歡' });
    expect(response.status).toBe(200);
    expect(h.forwards).toEqual([{ workspaceId: WS, campaignId: CAMPAIGN, runId: RUN, forwardedBy: EMAIL, depth: 1, friends: ['friend@example.com', 'pal@example.org'] }]);
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({ type: 'forward', email: EMAIL, friends: ['friend@example.com', 'pal@example.org'], name: '小明', text: '你會喜歡' });

    // A friend forwarding on: one hop further, the lineage names who forwarded to them.
    const friendToken = tokenFor({ e: 'friend@example.com', v: EMAIL, d: 2 });
    const again = await submit(h, `/f/${friendToken}`, { friend_1: 'third@example.com' });
    expect(again.response.status).toBe(200);
    expect(h.forwards[1]).toMatchObject({ forwardedBy: 'friend@example.com', depth: 3, friends: ['third@example.com'] });
    expect(h.events[1]).toMatchObject({ type: 'forward', email: 'friend@example.com', forwarded_by: EMAIL, forward_depth: 2 });
  });

  it('refuses a POST without or with a wrong CSRF field (403)', async () => {
    const h = harness();
    const token = tokenFor();
    const bare = await call(h, 'POST', `/f/${token}`, { body: 'friend_1=a%40example.com', headers: FORM });
    expect(bare.status).toBe(403);
    const { response } = await submit(h, `/f/${token}`, { friend_1: 'a@example.com' }, { csrf: keyedTag(KEY, 'form', tokenFor()) });
    expect(response.status).toBe(403);
    expect(h.forwards).toEqual([]);
  });

  it('refuses a wrong CAPTCHA (422) and a CAPTCHA used twice', async () => {
    const h = harness();
    const token = tokenFor();
    const wrong = await submit(h, `/f/${token}`, { friend_1: 'a@example.com' }, { captcha: 'wrong' });
    expect(wrong.response.status).toBe(422);
    expect(text(wrong.response)).toContain('The code was not right.');
    expect(h.forwards).toEqual([]);

    const first = await submit(h, `/f/${token}`, { friend_1: 'a@example.com' });
    expect(first.response.status).toBe(200);
    // The very same form (same CAPTCHA token and answer) sent again.
    const replay = await call(h, 'POST', `/f/${token}`, { body: first.body, headers: FORM });
    expect(replay.status).toBe(422);
    expect(text(replay)).toContain('The code has expired.');
    expect(h.forwards).toHaveLength(1);
    expect(h.events.filter((e) => e.type === 'forward')).toHaveLength(1);
  });

  it('gives each CAPTCHA one attempt: after a wrong answer the right one no longer passes', async () => {
    const h = harness();
    const token = tokenFor();
    const wrong = await submit(h, `/f/${token}`, { friend_1: 'a@example.com' }, { captcha: 'wrong' });
    expect(wrong.response.status).toBe(422);
    // The same CAPTCHA token, now with its right answer: a script cannot keep guessing one image.
    const form = new URLSearchParams(wrong.body);
    const retry = new URLSearchParams({ ...Object.fromEntries(form), captcha: captchaAnswerOf(KEY, form.get('captcha_token') ?? '') ?? '' });
    const again = await call(h, 'POST', `/f/${token}`, { body: retry.toString(), headers: FORM });
    expect(again.status).toBe(422);
    expect(h.forwards).toEqual([]);
  });

  it('refuses the recipient themself, duplicates, bad addresses, none at all and more than 5 friends', async () => {
    const h = harness();
    const token = tokenFor();
    for (const [fields, message] of [
      [{ friend_1: 'LIN@example.com' }, 'This address is a duplicate.'],
      [{ friend_1: 'a@example.com', friend_2: 'A@Example.com' }, 'This address is a duplicate.'],
      [{ friend_1: 'a@example.com', friend_2: 'not-an-address' }, 'Enter a valid e-mail address.'],
      [{ friend_1: '<script>@x' }, 'Enter a valid e-mail address.'],
      [{ name: 'x' }, 'This field is required.'],
      [Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`friend_${i + 1}`, `f${i}@example.com`])), 'Too many entries.'],
      [{ friend_1: 'a@example.com', note: 'n'.repeat(1001) }, 'This is too long.'],
    ] as const) {
      const { response } = await submit(h, `/f/${token}`, fields);
      expect(response.status, JSON.stringify(fields)).toBe(422);
      expect(text(response)).toContain(message);
    }
    expect(h.forwards).toEqual([]);
    expect(h.events).toEqual([]);
    expect(h.nonces.size).toBe(0);
  });

  it('never forwards to more than 5 friends, whatever the form says', async () => {
    const h = harness();
    const fields = Object.fromEntries([1, 2, 3, 4, 5, 7, 8, 20].map((n) => [`friend_${n}`, `f${n}@example.com`]));
    const { response } = await submit(h, `/f/${tokenFor()}`, fields);
    expect(response.status).toBeLessThan(500);
    for (const request of h.forwards) expect(request.friends.length).toBeLessThanOrEqual(5);
  });

  it('answers 404 when the campaign is gone, 410 for an expired token', async () => {
    const h = harness();
    expect((await call(h, 'GET', `/f/${tokenFor({ c: 'gone' })}`)).status).toBe(404);
    expect((await call(h, 'GET', `/f/${tokenFor({ t: Math.floor((NOW - 31 * DAY) / 1000) })}`)).status).toBe(410);
  });
});

describe('comments', () => {
  it('records a comment with its text and name', async () => {
    const h = harness();
    const { response } = await submit(h, `/m/${tokenFor()}`, { name: '林小明', message: '  請問有大尺寸嗎？<script>alert(1)</script>  ' });
    expect(response.status).toBe(200);
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({ type: 'comment', email: EMAIL, campaign_id: CAMPAIGN, run_id: RUN, text: '請問有大尺寸嗎？<script>alert(1)</script>', name: '林小明', machine: false, country: 'TW' });
  });

  it('requires a message of at most 2,000 characters', async () => {
    const h = harness();
    const token = tokenFor();
    for (const [message, error] of [
      ['', 'This field is required.'],
      ['   ', 'This field is required.'],
      ['x'.repeat(2001), 'This is too long.'],
    ] as const) {
      const { response } = await submit(h, `/m/${token}`, { message });
      expect(response.status).toBe(422);
      expect(text(response)).toContain(error);
    }
    expect(h.events).toEqual([]);
    const { response } = await submit(h, `/m/${token}`, { message: 'x'.repeat(2000) });
    expect(response.status).toBe(200);
    expect(h.events[0]?.text).toHaveLength(2000);
  });

  it('escapes hostile text when it shows the form again', async () => {
    const h = harness();
    const hostile = '</textarea><script>alert(1)</script><img src=x onerror=alert(2)>';
    const name = '"><svg onload=alert(3)>';
    const { response } = await submit(h, `/m/${tokenFor()}`, { name, message: hostile }, { captcha: 'wrong' });
    expect(response.status).toBe(422);
    const html = text(response);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<svg');
    expect(html).toContain('&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;svg onload=alert(3)&gt;');
    expect(response.headers['Content-Security-Policy']).toContain("default-src 'none'");
    expect(h.events).toEqual([]);
  });
});

describe('code images', () => {
  it('draws a signed value as an immutable PNG', async () => {
    const h = harness();
    const value = 'COUPON-2026-0042';
    const response = await call(h, 'GET', `/q/qr/${codeSignature(KEY, 'qr', value)}`, { query: { v: value } });
    expect(response.status).toBe(200);
    expect(response.headers['Content-Type']).toBe('image/png');
    expect(response.headers['Cache-Control']).toBe('public, max-age=31536000, immutable');
    expect(bytes(response).subarray(1, 4).toString('latin1')).toBe('PNG');
    const barcode = await call(h, 'GET', `/q/code128/${codeSignature(KEY, 'code128', value)}`, { query: { v: value } });
    expect(barcode.status).toBe(200);
  });

  it('refuses a wrong signature, an unknown kind, an over-long or undrawable value (404)', async () => {
    const h = harness();
    const value = 'COUPON-2026-0042';
    const long = 'x'.repeat(1025);
    for (const [label, path, query] of [
      ['other value', `/q/qr/${codeSignature(KEY, 'qr', value)}`, { v: 'COUPON-2026-0043' }],
      ['other kind', `/q/code128/${codeSignature(KEY, 'qr', value)}`, { v: value }],
      ['other key', `/q/qr/${codeSignature(OTHER_KEY, 'qr', value)}`, { v: value }],
      ['forged', '/q/qr/forged', { v: value }],
      ['signature with a stray character', `/q/qr/${codeSignature(KEY, 'qr', value)}.`, { v: value }],
      ['unknown kind', `/q/pdf417/${codeSignature(KEY, 'pdf417', value)}`, { v: value }],
      ['missing value', `/q/qr/${codeSignature(KEY, 'qr', '')}`, {}],
      ['over-long value', `/q/qr/${codeSignature(KEY, 'qr', long)}`, { v: long }],
      ['not an EAN-13', `/q/ean13/${codeSignature(KEY, 'ean13', '12345')}`, { v: '12345' }],
      ['empty value', `/q/qr/${codeSignature(KEY, 'qr', '')}`, { v: '' }],
    ] as const) {
      const response = await call(h, 'GET', path, { query });
      expect(response.status, label).toBe(404);
    }
  });
});

describe('robustness', () => {
  it('answers hostile paths and methods below 500, never throwing and never recording', async () => {
    const h = harness();
    const token = tokenFor();
    const signature = clickSignature(KEY, token, 1, 'https://a.example/');
    const paths = [
      '',
      '/',
      '//',
      '/o',
      '/o/',
      '/o//',
      `/o/${token}/extra`,
      `/O/${token}`,
      '/o/ü',
      '/o/令牌令牌令牌令牌令牌令牌令牌令牌令牌令牌令牌令牌令牌令牌',
      '/o/\ud800',
      `/o/${'A'.repeat(10_240)}`,
      '/o/%00',
      '/o/\u0000',
      '/o/..',
      '/../../etc/passwd',
      `/o/../u/${token}`,
      '/c',
      `/c/${token}`,
      `/c/${token}/1`,
      `/c/${token}/1/`,
      `/c/${token}/99999/${signature}`,
      `/c/${token}/1/${signature}/..`,
      '/v',
      '/v/',
      '/u',
      '/u/',
      `/u/${token.slice(0, -1)}`,
      '/u/%2e%2e',
      '/s',
      '/s/confirm',
      '/s/confirm/',
      '/s/confirm/x/y',
      '/f/',
      '/m/',
      '/q',
      '/q/qr',
      '/q/qr/',
      '/q/qr/x/y',
      '/p.js/x',
      '/nothing-here',
      '/__proto__',
      '/constructor/x',
    ];
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'get', '', 'G ET'];
    const headerSets: Record<string, string>[] = [{}, { 'user-agent': '' }, { 'content-type': 'multipart/form-data', 'accept-language': '\u0000;q=x,,,' }, { 'user-agent': 'x'.repeat(5000) }];
    let n = 0;
    for (const path of paths) {
      for (const method of methods) {
        const headers = headerSets[n++ % headerSets.length] as Record<string, string>;
        const query = { u: 'https://evil.example.net/', v: 'x' };
        const response = await call(h, method, path, { headers, query, body: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined, ip: n % 2 ? '::1' : 'not an ip' });
        const label = `${method} ${path.slice(0, 80)}`;
        expect(response.status, label).toBeGreaterThanOrEqual(400);
        expect(response.status, label).toBeLessThan(500);
        expect(response.headers.Location, label).toBeUndefined();
      }
    }
    expect(h.events).toEqual([]);
    expect(h.unsubscribes).toEqual([]);
    expect(h.logs).toEqual([]);
  });

  it('refuses a body over 16 KB with 413', async () => {
    const h = harness();
    const token = tokenFor();
    for (const body of [`List-Unsubscribe=One-Click&x=${'a'.repeat(16 * 1024)}`, '令'.repeat(6000)]) {
      for (const path of [`/u/${token}`, `/m/${token}`, `/v/${token}`, `/f/${token}`, '/nothing']) {
        const response = await call(h, 'POST', path, { body, headers: FORM });
        expect(response.status, path).toBe(413);
      }
    }
    expect(h.unsubscribes).toEqual([]);
    expect(h.events).toEqual([]);
    // Exactly 16 KB is still taken.
    const fits = `List-Unsubscribe=One-Click&x=${'a'.repeat(16 * 1024 - 'List-Unsubscribe=One-Click&x='.length)}`;
    expect((await call(h, 'POST', `/u/${token}`, { body: fits, headers: FORM })).status).toBe(200);
  });

  it('answers unknown methods 405 with the methods the resource allows', async () => {
    const h = harness();
    const token = tokenFor();
    for (const [path, allowed] of [
      [`/o/${token}`, ['GET', 'HEAD']],
      [`/c/${token}/1/x`, ['GET', 'HEAD']],
      [`/u/${token}`, ['GET', 'POST']],
      [`/v/${token}`, ['GET', 'POST']],
      [`/f/${token}`, ['GET', 'POST']],
      ['/s/confirm/x', ['GET']],
      ['/q/qr/x', ['GET', 'HEAD']],
      ['/p.js', ['GET', 'HEAD']],
    ] as const) {
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const response = await call(h, method, path);
        expect(response.status, `${method} ${path}`).toBe(405);
        const allow = (response.headers.Allow ?? '').split(/,\s*/);
        expect(allow.sort(), `${method} ${path}`).toEqual([...allowed].sort());
      }
    }
  });

  it('reads IPv6 and IPv4-mapped addresses, and records without a user agent or any header', async () => {
    const h = harness();
    const token = tokenFor();
    for (const ip of ['2001:db8::1', '::ffff:168.95.1.1', '::FFFF:168.95.1.1', '::1', '', ' ', 'not-an-ip', '1'.repeat(100), '168.95.1.1:52110', '[2001:db8::1]:443']) {
      const response = await call(h, 'GET', `/o/${token}`, { headers: {}, ip });
      expect(response.status, ip).toBe(200);
    }
    const response = await call(h, 'GET', `/o/${token}`, { headers: {} });
    expect(response.status).toBe(200);
    expect(h.events).toHaveLength(11);
    expect(h.events[0]).toMatchObject({ ip: '2001:db8::1', country: 'JP' });
    expect(h.events[1]).toMatchObject({ ip: TAIPEI, country: 'TW' });
    expect(h.events[2]).toMatchObject({ ip: TAIPEI, country: 'TW' });
    expect(h.events[4]?.ip).toBeUndefined();
    expect(h.events[7]?.ip).toBeUndefined();
    expect(h.events[10]?.ip).toBeUndefined();
    for (const event of h.events) {
      expect(event).toMatchObject({ type: 'open', machine: true, machine_reason: 'no-user-agent' });
      expect(event.user_agent).toBeUndefined();
    }
  });

  it('clips a huge user agent and referrer in the event', async () => {
    const h = harness();
    const token = tokenFor();
    const response = await call(h, 'GET', `/v/${token}`, { query: { u: `https://shop.example.com/${'p'.repeat(5000)}`, r: `https://r.example.com/${'r'.repeat(5000)}` }, headers: { 'user-agent': `${CHROME} ${'z'.repeat(5000)}` } });
    expect(response.status).toBe(200);
    expect(h.events[0]?.url?.length).toBe(2048);
    expect(h.events[0]?.referrer?.length).toBe(2048);
    expect(h.events[0]?.user_agent?.length).toBe(2000);
  });

  it('answers 503 with Retry-After, never a success, when the lake does not take the event', async () => {
    const target = 'https://shop.example.com/landing';
    const token = tokenFor();
    const cases: [string, (h: Harness) => Promise<TrackingResponse>][] = [
      ['open', (h) => call(h, 'GET', `/o/${token}`)],
      ['click', (h) => call(h, 'GET', `/c/${token}/0/${clickSignature(KEY, token, 0, target)}`, { query: { u: target } })],
      ['page view', (h) => call(h, 'GET', `/v/${token}`, { query: { u: target } })],
      ['one-click unsubscribe', (h) => call(h, 'POST', `/u/${token}`, { body: 'List-Unsubscribe=One-Click', headers: FORM })],
      ['unsubscribe form', async (h) => (await submit(h, `/u/${token}`, { scope: 'all' })).response],
      ['forward', async (h) => (await submit(h, `/f/${token}`, { friend_1: 'a@example.com' })).response],
      ['comment', async (h) => (await submit(h, `/m/${token}`, { message: 'hello' })).response],
      [
        'confirm',
        async (h) => {
          h.failEvents = false;
          await submit(h, `/s/${token}`, { email: 'a@example.com', category: 'cat-deals' });
          h.failEvents = true;
          const link = /\/s\/confirm\/[A-Za-z0-9_-]+/.exec(h.mails[0]?.text ?? '')?.[0] ?? '';
          return call(h, 'GET', link);
        },
      ],
    ];
    for (const [label, run] of cases) {
      const h = harness();
      h.failEvents = true;
      const response = await run(h);
      expect(response.status, label).toBe(503);
      expect(response.headers['Retry-After'], label).toBe('5');
      expect(response.headers.Location, label).toBeUndefined();
      expect(response.headers['Content-Type'], label).toBe('text/html; charset=utf-8');
      const body = text(response);
      expect(body, label).toContain('Please try again in a moment');
      for (const success of ['Unsubscribed', 'You are unsubscribed', 'Forwarded', 'Thank you', 'GIF89a']) expect(body, label).not.toContain(success);
      expect(h.events, label).toEqual([]);
      // The log names the failure but not the token.
      expect(h.logs).toHaveLength(1);
      expect(JSON.stringify(h.logs[0]), label).not.toContain(token);
      expect(JSON.stringify(h.logs[0]), label).toContain('Firehose is down');
    }
  });

  it('answers 503 when a store is down, never 500', async () => {
    const token = tokenFor();
    const down = async () => {
      throw new Error('DynamoDB is down');
    };
    const h = harness({
      directory: { categories: down, subscribedCategories: down, unsubscribe: down, subscribe: down },
      campaign: down,
    });
    for (const [method, path, body] of [
      ['GET', `/u/${token}`, undefined],
      ['POST', `/u/${token}`, 'List-Unsubscribe=One-Click'],
      ['GET', `/f/${token}`, undefined],
      ['GET', `/m/${token}`, undefined],
      ['GET', `/s/${token}`, undefined],
    ] as const) {
      const response = await call(h, method, path, { ...(body ? { body, headers: FORM } : {}) });
      expect(response.status, `${method} ${path}`).toBe(503);
      expect(response.headers['Retry-After']).toBe('5');
    }
    expect(h.events).toEqual([]);
  });
});
