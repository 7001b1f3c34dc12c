/**
 * The public tracking endpoints (no login; every path carries a sealed recipient token):
 *
 *   GET|HEAD /o/<token>                       open pixel (a 42-byte GIF, never cached)
 *   GET|HEAD /c/<token>/<i>/<sig>?u=<url>     click → 302 to <url> only when <sig> binds it (no open redirect);
 *                                             the landing URL gets `pgn_t=<token>` for multi-layer tracking
 *   GET|POST /v/<token>?u=&r=&k=1             page view / in-page click reported by /p.js on landing pages
 *   GET      /p.js                            the page-tracking script marketers add to their pages
 *   GET|POST /u/<token>                       unsubscribe page (all mail or per category); RFC 8058 one-click POST
 *   GET|POST /s/<token>, GET /s/confirm/<t>   subscribe with double opt-in
 *   GET|POST /f/<token>                       forward to friends (they get the campaign, tracked with lineage)
 *   GET|POST /m/<token>                       comment form (CAPTCHA)
 *   GET      /q/<kind>/<sig>?v=<value>        QR / barcode image of a signed value
 *
 * Every acknowledged action is one event in the lake before the response leaves: when the lake's
 * stream cannot take it the answer is 503 (retry), never a silent success. Bad, tampered,
 * truncated or expired tokens get a plain 4xx page naming nothing; no input reaches a 500.
 */
import { createHash } from 'node:crypto';
import { compactEvent, type LakeEvent, type LakeEventType } from '../../lake/event';
import { classifyMachine, parseUserAgent, type DeviceInfo } from '../enrich';
import { captchaNonce, issueCaptcha, verifyCaptcha } from '../pages/captcha';
import { pickLanguage, type PageLanguage } from '../pages/language';
import {
  commentDonePage,
  commentPage,
  FIELDS,
  forwardDonePage,
  forwardPage,
  LIMITS,
  maskEmail,
  problemPage,
  subscribeCheckEmailPage,
  subscribeConfirmedPage,
  subscribePage,
  unsubscribeDonePage,
  unsubscribePage,
  type FieldErrors,
  type ProblemStatus,
} from '../pages/pages';
import { appendTrackingParam, pageTrackingScript } from '../pages/page-script';
import { keyedTag, openPayload, openRecipient, TrackingTokenError, verifyClick, verifyCode, verifyTag, sealPayload, type RecipientPayload } from '../tokens';
import type { TrackingDeps, TrackingRequest, TrackingResponse } from './ports';

/** The smallest transparent GIF (42 bytes). */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const NO_STORE = { 'Cache-Control': 'no-store, no-cache, must-revalidate, private, max-age=0', Pragma: 'no-cache', Expires: '0' };
const PAGE_HEADERS = {
  ...NO_STORE,
  'Content-Type': 'text/html; charset=utf-8',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // Pages are self-contained: inline styles, data: images (the CAPTCHA), forms posting to themselves.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};
const MAX_BODY = 16 * 1024;
const MAX_FRIENDS = 5;
const CONFIRM_DAYS = 7;
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** A refusal that becomes a plain page (or an empty answer for the pixel and beacons). */
class Refusal extends Error {
  /** `allow`: for a 405, the methods the resource takes (the Allow header RFC 9110 requires). */
  constructor(
    readonly status: ProblemStatus,
    readonly allow?: string,
  ) {
    super(`refused ${status}`);
  }
}

/** The lake's stream did not acknowledge: the client should retry (503, not 500). */
export class LakeUnavailableError extends Error {
  override readonly name = 'LakeUnavailableError';
}

interface Context {
  readonly deps: TrackingDeps;
  readonly req: TrackingRequest;
  readonly key: Uint8Array;
  readonly now: number;
  readonly lang: PageLanguage;
  readonly userAgent?: string;
}

export async function handleTracking(deps: TrackingDeps, req: TrackingRequest): Promise<TrackingResponse> {
  const lang = pickLanguage(req.headers['accept-language']);
  try {
    const key = await deps.key();
    const ua = req.headers['user-agent']?.trim();
    const ctx: Context = { deps, req, key, now: deps.now(), lang, ...(ua ? { userAgent: ua } : {}) };
    return await route(ctx);
  } catch (error) {
    if (error instanceof Refusal) return problem(lang, error.status, error.allow);
    if (error instanceof TrackingTokenError) return problem(lang, 404);
    deps.log?.('Tracking request failed', { path: redactPath(req.path), error: error instanceof Error ? error.message : String(error) });
    // The lake (or a store) is down: the action was not recorded, so the client must retry.
    return { status: 503, headers: { ...PAGE_HEADERS, 'Retry-After': '5' }, body: problemPage({ lang, status: 503 }).html };
  }
}

function route(ctx: Context): Promise<TrackingResponse> {
  const method = ctx.req.method.toUpperCase();
  const parts = ctx.req.path.split('/').filter(Boolean);
  if (ctx.req.body !== undefined && Buffer.byteLength(ctx.req.body) > MAX_BODY) throw new Refusal(413);
  const [kind, ...rest] = parts;
  const only = (...methods: string[]) => {
    if (!methods.includes(method)) throw new Refusal(405, methods.join(', '));
  };
  switch (kind) {
    case 'o':
      only('GET', 'HEAD');
      return open(ctx, one(rest), method);
    case 'c':
      only('GET', 'HEAD');
      if (rest.length !== 3) throw new Refusal(404);
      return click(ctx, rest[0] as string, rest[1] as string, rest[2] as string, method);
    case 'v':
      only('GET', 'POST');
      return pageView(ctx, one(rest));
    case 'p.js':
      only('GET', 'HEAD');
      if (rest.length) throw new Refusal(404);
      return Promise.resolve({
        status: 200,
        headers: { 'Content-Type': 'application/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' },
        body: pageTrackingScript(ctx.deps.baseUrl),
      });
    case 'u':
      only('GET', 'POST');
      return unsubscribe(ctx, one(rest), method);
    case 's':
      if (rest[0] === 'confirm') {
        only('GET');
        return confirmSubscription(ctx, one(rest.slice(1)));
      }
      only('GET', 'POST');
      return subscribe(ctx, one(rest), method);
    case 'f':
      only('GET', 'POST');
      return forward(ctx, one(rest), method);
    case 'm':
      only('GET', 'POST');
      return comment(ctx, one(rest), method);
    case 'q':
      only('GET', 'HEAD');
      if (rest.length !== 2) throw new Refusal(404);
      return codeImage(ctx, rest[0] as string, rest[1] as string);
    default:
      throw new Refusal(404);
  }
}

const one = (rest: readonly string[]): string => {
  if (rest.length !== 1) throw new Refusal(404);
  return rest[0] as string;
};

// ---------- tokens and events ----------

function recipientOf(ctx: Context, token: string, options: { expires: boolean }): RecipientPayload {
  const payload = openRecipient(ctx.key, token);
  if (typeof payload.w !== 'string' || typeof payload.c !== 'string' || typeof payload.r !== 'string' || typeof payload.e !== 'string' || typeof payload.t !== 'number') {
    throw new Refusal(404);
  }
  const days = ctx.deps.tokenDays ?? 400;
  if (options.expires && ctx.now - payload.t * 1000 > days * 86_400_000) throw new Refusal(410);
  return payload;
}

function baseEvent(ctx: Context, type: LakeEventType, r: RecipientPayload): LakeEvent {
  return {
    id: ctx.deps.newId(ctx.now),
    type,
    event_time: new Date(ctx.now).toISOString(),
    workspace_id: r.w,
    campaign_id: r.c,
    run_id: r.r,
    email: r.e,
    channel: 'mail',
    ...(r.v ? { forwarded_by: r.v, forward_depth: r.d ?? 1 } : {}),
  };
}

/** Where and on what: geography from the IP, environment from the user agent, machine or person. */
async function enriched(ctx: Context, event: LakeEvent, kind: 'open' | 'click' | 'page', r: RecipientPayload, method: string): Promise<LakeEvent> {
  const ip = normalIp(ctx.req.ip);
  const device: DeviceInfo = parseUserAgent(ctx.userAgent);
  // Geography is a nice-to-have: without the database the event is still recorded.
  const geo = ip ? await ctx.deps.geo().then((lookup) => lookup.lookup(ip), (error: unknown) => void ctx.deps.log?.('GeoIP unavailable', { error: String(error) })) : undefined;
  const verdict = classifyMachine({ kind, method, ...(ctx.userAgent ? { userAgent: ctx.userAgent } : {}), ...(ip ? { ip } : {}), device, sentAt: r.t * 1000, at: ctx.now });
  return {
    ...event,
    machine: verdict.machine,
    ...(verdict.reason ? { machine_reason: verdict.reason } : {}),
    ...(ip ? { ip } : {}),
    ...(geo?.country ? { country: geo.country } : {}),
    ...(geo?.region ? { region: geo.region } : {}),
    ...(geo?.city ? { city: geo.city } : {}),
    ...(device.os ? { os: device.os } : {}),
    ...(device.client ? { client: device.client } : {}),
    ...(device.clientKind ? { client_kind: device.clientKind } : {}),
    ...(device.deviceType ? { device_type: device.deviceType } : {}),
    ...(ctx.userAgent ? { user_agent: ctx.userAgent } : {}),
  };
}

function normalIp(ip: string | undefined): string | undefined {
  const trimmed = ip?.trim();
  if (!trimmed || trimmed.length > 64) return undefined;
  return trimmed.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}

async function record(ctx: Context, event: LakeEvent): Promise<void> {
  try {
    await ctx.deps.events.put([compactEvent(event)]);
  } catch (error) {
    throw new LakeUnavailableError(error instanceof Error ? error.message : String(error));
  }
}

// ---------- opens, clicks, page views ----------

async function open(ctx: Context, token: string, method: string): Promise<TrackingResponse> {
  let r: RecipientPayload;
  try {
    r = recipientOf(ctx, token, { expires: true });
  } catch (error) {
    if (error instanceof Refusal || error instanceof TrackingTokenError) return { status: 404, headers: { ...NO_STORE, 'Content-Type': 'image/gif' }, body: method === 'HEAD' ? '' : PIXEL };
    throw error;
  }
  await record(ctx, await enriched(ctx, baseEvent(ctx, 'open', r), 'open', r, method));
  return { status: 200, headers: { ...NO_STORE, 'Content-Type': 'image/gif', 'Content-Length': String(PIXEL.length) }, body: method === 'HEAD' ? '' : PIXEL };
}

async function click(ctx: Context, token: string, index: string, signature: string, method: string): Promise<TrackingResponse> {
  const target = ctx.req.query.u;
  // One spelling per link: no leading zeros (the message's links are written `/<i>/`).
  const linkIndex = /^(?:0|[1-9]\d{0,3})$/.test(index) ? Number(index) : NaN;
  if (!target || !Number.isInteger(linkIndex)) throw new Refusal(404);
  const r = recipientOf(ctx, token, { expires: false });
  // The signature is the only thing that lets a URL through: no open redirect, whatever `u` says.
  if (!verifyClick(ctx.key, token, linkIndex, target, signature) || !/^https?:\/\//i.test(target)) throw new Refusal(404);
  await record(ctx, { ...(await enriched(ctx, baseEvent(ctx, 'click', r), 'click', r, method)), link_index: linkIndex, url: target });
  return { status: 302, headers: { ...NO_STORE, Location: appendTrackingParam(target, token), 'Referrer-Policy': 'no-referrer' }, body: '' };
}

async function pageView(ctx: Context, token: string): Promise<TrackingResponse> {
  const r = recipientOf(ctx, token, { expires: true });
  // sendBeacon posts the same fields as text; the Image fallback puts them in the query.
  const fields = ctx.req.method.toUpperCase() === 'POST' && ctx.req.body ? { ...ctx.req.query, ...Object.fromEntries(new URLSearchParams(ctx.req.body)) } : ctx.req.query;
  const url = fields.u;
  if (!url || !/^https?:\/\//i.test(url)) throw new Refusal(400);
  const referrer = fields.r && /^https?:\/\//i.test(fields.r) ? fields.r : undefined;
  await record(ctx, {
    ...(await enriched(ctx, baseEvent(ctx, 'page_view', r), 'page', r, ctx.req.method)),
    url,
    ...(referrer ? { referrer } : {}),
    in_page_click: fields.k === '1',
  });
  return { status: 200, headers: { ...NO_STORE, 'Content-Type': 'image/gif', 'Access-Control-Allow-Origin': '*' }, body: PIXEL };
}

// ---------- forms ----------

const page = (result: { status: number; html: string }): TrackingResponse => ({ status: result.status, headers: PAGE_HEADERS, body: result.html });

function problem(lang: PageLanguage, status: ProblemStatus, allow = 'GET, POST'): TrackingResponse {
  return { status, headers: status === 405 ? { ...PAGE_HEADERS, Allow: allow } : PAGE_HEADERS, body: problemPage({ lang, status }).html };
}

function formOf(ctx: Context): URLSearchParams {
  const type = ctx.req.headers['content-type'] ?? '';
  if (type && !/application\/x-www-form-urlencoded|text\/plain/i.test(type)) throw new Refusal(400);
  return new URLSearchParams(ctx.req.body ?? '');
}

const csrfOf = (ctx: Context, token: string) => keyedTag(ctx.key, 'form', token);

function checkCsrf(ctx: Context, token: string, form: URLSearchParams): void {
  if (!verifyTag(ctx.key, 'form', token, form.get(FIELDS.csrf) ?? '')) throw new Refusal(403);
}

const actionOf = (ctx: Context, path: string) => `${ctx.deps.baseUrl.replace(/\/+$/, '')}${path}`;

/**
 * One attempt per CAPTCHA: the nonce is used up by any answer, right or wrong, so a script cannot
 * keep guessing the same image (the page comes back with a new one).
 */
async function captchaError(ctx: Context, form: URLSearchParams): Promise<string | undefined> {
  const token = form.get(FIELDS.captchaToken) ?? '';
  const answer = (form.get(FIELDS.captchaAnswer) ?? '').slice(0, LIMITS.captchaAnswer);
  const verdict = verifyCaptcha(ctx.key, token, answer, ctx.now);
  if (verdict === 'malformed') return 'captcha_wrong';
  if (verdict === 'expired') return 'captcha_expired';
  const nonce = captchaNonce(token);
  if (!nonce || !(await ctx.deps.claimNonce('captcha', nonce, new Date(ctx.now + 15 * 60_000)))) return 'captcha_expired';
  return verdict === 'ok' ? undefined : 'captcha_wrong';
}

function cleanEmail(value: string | null): string | undefined {
  const email = (value ?? '').trim().toLowerCase();
  return email.length <= LIMITS.email && EMAIL.test(email) ? email : undefined;
}

async function unsubscribe(ctx: Context, token: string, method: string): Promise<TrackingResponse> {
  // An unsubscribe link is honoured however old it is.
  const r = recipientOf(ctx, token, { expires: false });
  const at = new Date(ctx.now).toISOString();
  const action = actionOf(ctx, `/u/${token}`);
  if (method === 'GET') {
    const [categories, subscribed] = await Promise.all([ctx.deps.directory.categories(r.w), ctx.deps.directory.subscribedCategories(r.w, r.e)]);
    return page(unsubscribePage({ lang: ctx.lang, action, email: maskEmail(r.e), categories: categories.map((c) => ({ ...c, subscribed: subscribed.has(c.id) })), csrf: csrfOf(ctx, token) }));
  }
  const body = ctx.req.body ?? '';
  // RFC 8058: a mail client's one-click POST carries List-Unsubscribe=One-Click and no form token.
  if (/List-Unsubscribe=One-Click/i.test(body)) {
    await ctx.deps.directory.unsubscribe(r.w, r.e, 'all', at);
    await record(ctx, { ...baseEvent(ctx, 'unsubscribe', r), categories: ['all'], reason: 'one-click' });
    return { status: 200, headers: { ...NO_STORE, 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Unsubscribed' };
  }
  const form = formOf(ctx);
  checkCsrf(ctx, token, form);
  let scope: 'all' | string[];
  if (form.get(FIELDS.scope) === 'categories') {
    const known = new Set((await ctx.deps.directory.categories(r.w)).map((c) => c.id));
    scope = form.getAll(FIELDS.category).filter((id) => known.has(id));
    if (scope.length === 0) {
      const [categories, subscribed] = await Promise.all([ctx.deps.directory.categories(r.w), ctx.deps.directory.subscribedCategories(r.w, r.e)]);
      return page(unsubscribePage({ lang: ctx.lang, action, email: maskEmail(r.e), categories: categories.map((c) => ({ ...c, subscribed: subscribed.has(c.id) })), csrf: csrfOf(ctx, token), errors: { [FIELDS.category]: 'choose_category' } }));
    }
  } else scope = 'all';
  await ctx.deps.directory.unsubscribe(r.w, r.e, scope, at);
  await record(ctx, { ...baseEvent(ctx, 'unsubscribe', r), categories: scope === 'all' ? ['all'] : scope });
  const names = scope === 'all' ? undefined : (await ctx.deps.directory.categories(r.w)).filter((c) => scope.includes(c.id)).map((c) => c.name);
  return page(unsubscribeDonePage({ lang: ctx.lang, scope: names ? { categories: names } : 'all' }));
}

interface SubscriptionClaim {
  readonly k: 'sub';
  readonly w: string;
  readonly e: string;
  readonly n?: string;
  readonly g: readonly string[];
  readonly c?: string;
  readonly v?: string;
  readonly t: number;
}

async function subscribe(ctx: Context, token: string, method: string): Promise<TrackingResponse> {
  const r = recipientOf(ctx, token, { expires: false });
  const categories = await ctx.deps.directory.categories(r.w);
  const action = actionOf(ctx, `/s/${token}`);
  const render = (errors?: FieldErrors, values?: { email?: string; name?: string }) =>
    page(subscribePage({ lang: ctx.lang, action, categories, csrf: csrfOf(ctx, token), captcha: issueCaptcha(ctx.key, ctx.now), ...(errors ? { errors } : {}), ...(values ? { values } : {}) }));
  if (method === 'GET') return render();
  const form = formOf(ctx);
  checkCsrf(ctx, token, form);
  const email = cleanEmail(form.get(FIELDS.email));
  const name = (form.get(FIELDS.name) ?? '').trim();
  const known = new Set(categories.map((c) => c.id));
  const chosen = form.getAll(FIELDS.category).filter((id) => known.has(id));
  const errors: Record<string, string> = {};
  if (!email) errors[FIELDS.email] = form.get(FIELDS.email) ? 'invalid_email' : 'required';
  if (name.length > LIMITS.name) errors[FIELDS.name] = 'too_long';
  if (categories.length > 0 && chosen.length === 0) errors[FIELDS.category] = 'choose_category';
  if (Object.keys(errors).length === 0) {
    const captcha = await captchaError(ctx, form);
    if (captcha) errors[FIELDS.captchaAnswer] = captcha;
  }
  if (Object.keys(errors).length > 0 || !email) return render(errors, { ...(email ? { email } : {}), name });
  const facts = await ctx.deps.campaign(r.w, r.c, r.r);
  if (!facts) throw new Refusal(404);
  // The person who typed the address may be the recipient's friend: the new contact keeps the lineage.
  const claim: SubscriptionClaim = { k: 'sub', w: r.w, e: email, ...(name ? { n: name } : {}), g: chosen, c: r.c, ...(email !== r.e ? { v: r.e } : r.v ? { v: r.v } : {}), t: Math.floor(ctx.now / 1000) };
  const link = actionOf(ctx, `/s/confirm/${sealPayload(ctx.key, claim)}`);
  await ctx.deps.sendConfirmation(confirmationMail(ctx.lang, facts, email, link));
  return page(subscribeCheckEmailPage({ lang: ctx.lang }));
}

function confirmationMail(lang: PageLanguage, facts: { fromEmail: string; fromName?: string; name: string }, to: string, link: string) {
  const from = facts.fromName ? `"${facts.fromName.replace(/["\\\r\n]/g, '')}" <${facts.fromEmail}>` : facts.fromEmail;
  const zh = lang === 'zh-TW';
  const subject = zh ? '請確認您的訂閱' : 'Please confirm your subscription';
  const line = zh ? '請按下面的連結確認訂閱（7 天內有效）。若您沒有申請，請忽略這封信。' : 'Click the link below to confirm your subscription (valid for 7 days). If you did not ask for it, ignore this message.';
  const escaped = link.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return {
    from,
    to,
    subject,
    text: `${line}\n\n${link}\n`,
    html: `<!doctype html><html><body><p>${line}</p><p><a href="${escaped}">${zh ? '確認訂閱' : 'Confirm my subscription'}</a></p></body></html>`,
  };
}

async function confirmSubscription(ctx: Context, sealed: string): Promise<TrackingResponse> {
  let claim: SubscriptionClaim;
  try {
    claim = openPayload<SubscriptionClaim>(ctx.key, sealed);
  } catch {
    throw new Refusal(404);
  }
  if (claim.k !== 'sub' || typeof claim.w !== 'string' || typeof claim.e !== 'string' || !Array.isArray(claim.g) || typeof claim.t !== 'number') throw new Refusal(404);
  if (ctx.now - claim.t * 1000 > CONFIRM_DAYS * 86_400_000) throw new Refusal(410);
  const at = new Date(ctx.now).toISOString();
  const result = await ctx.deps.directory.subscribe(
    { workspaceId: claim.w, email: claim.e, ...(claim.n ? { name: claim.n } : {}), categories: claim.g, ...(claim.c ? { campaignId: claim.c } : {}), ...(claim.v ? { forwardedBy: claim.v } : {}) },
    at,
  );
  // Confirming twice is harmless: the contact is already subscribed; the event says so again.
  await record(ctx, {
    id: ctx.deps.newId(ctx.now),
    type: 'subscribe',
    event_time: at,
    workspace_id: claim.w,
    ...(claim.c ? { campaign_id: claim.c } : {}),
    email: claim.e,
    contact_id: result.contactId,
    channel: 'mail',
    categories: claim.g.length ? claim.g : ['all'],
    ...(claim.n ? { name: claim.n } : {}),
    ...(claim.v ? { forwarded_by: claim.v } : {}),
  });
  const names = (await ctx.deps.directory.categories(claim.w)).filter((c) => claim.g.includes(c.id)).map((c) => c.name);
  return page(subscribeConfirmedPage({ lang: ctx.lang, categories: names }));
}

async function forward(ctx: Context, token: string, method: string): Promise<TrackingResponse> {
  const r = recipientOf(ctx, token, { expires: true });
  const facts = await ctx.deps.campaign(r.w, r.c, r.r);
  if (!facts) throw new Refusal(404);
  const action = actionOf(ctx, `/f/${token}`);
  const render = (errors?: FieldErrors, values?: { name?: string; friends?: string[]; note?: string }) =>
    page(forwardPage({ lang: ctx.lang, action, campaignName: facts.name, maxFriends: MAX_FRIENDS, csrf: csrfOf(ctx, token), captcha: issueCaptcha(ctx.key, ctx.now), ...(errors ? { errors } : {}), ...(values ? { values } : {}) }));
  if (method === 'GET') return render();
  const form = formOf(ctx);
  checkCsrf(ctx, token, form);
  const errors: Record<string, string> = {};
  const typed: string[] = [];
  const friends: string[] = [];
  for (let i = 1; i <= MAX_FRIENDS; i++) {
    const field = `${FIELDS.friendPrefix}${i}`;
    const raw = (form.get(field) ?? '').trim();
    typed[i - 1] = raw.slice(0, LIMITS.email);
    if (!raw) continue;
    const email = cleanEmail(raw);
    if (!email) errors[field] = 'invalid_email';
    else if (email === r.e || friends.includes(email)) errors[field] = 'duplicate';
    else friends.push(email);
  }
  if (form.get(`${FIELDS.friendPrefix}${MAX_FRIENDS + 1}`)) errors[`${FIELDS.friendPrefix}1`] = 'too_many';
  if (friends.length === 0 && !Object.keys(errors).length) errors[`${FIELDS.friendPrefix}1`] = 'required';
  const name = (form.get(FIELDS.name) ?? '').trim();
  const note = (form.get(FIELDS.note) ?? '').trim();
  if (name.length > LIMITS.name) errors[FIELDS.name] = 'too_long';
  if (note.length > LIMITS.note) errors[FIELDS.note] = 'too_long';
  if (Object.keys(errors).length === 0) {
    const captcha = await captchaError(ctx, form);
    if (captcha) errors[FIELDS.captchaAnswer] = captcha;
  }
  if (Object.keys(errors).length > 0) return render(errors, { friends: Array.from({ length: MAX_FRIENDS }, (_, i) => typed[i] ?? ''), name: name.slice(0, LIMITS.name), note: note.slice(0, LIMITS.note) });
  await ctx.deps.forward({ workspaceId: r.w, campaignId: r.c, runId: r.r, forwardedBy: r.e, depth: (r.d ?? 0) + 1, friends });
  await record(ctx, { ...baseEvent(ctx, 'forward', r), friends, ...(name ? { name } : {}), ...(note ? { text: note } : {}) });
  return page(forwardDonePage({ lang: ctx.lang, count: friends.length }));
}

async function comment(ctx: Context, token: string, method: string): Promise<TrackingResponse> {
  const r = recipientOf(ctx, token, { expires: true });
  const facts = await ctx.deps.campaign(r.w, r.c, r.r);
  if (!facts) throw new Refusal(404);
  const action = actionOf(ctx, `/m/${token}`);
  const render = (errors?: FieldErrors, values?: { name?: string; message?: string }) =>
    page(commentPage({ lang: ctx.lang, action, campaignName: facts.name, csrf: csrfOf(ctx, token), captcha: issueCaptcha(ctx.key, ctx.now), ...(errors ? { errors } : {}), ...(values ? { values } : {}) }));
  if (method === 'GET') return render();
  const form = formOf(ctx);
  checkCsrf(ctx, token, form);
  const name = (form.get(FIELDS.name) ?? '').trim();
  const message = (form.get(FIELDS.message) ?? '').trim();
  const errors: Record<string, string> = {};
  if (!message) errors[FIELDS.message] = 'required';
  else if (message.length > LIMITS.message) errors[FIELDS.message] = 'too_long';
  if (name.length > LIMITS.name) errors[FIELDS.name] = 'too_long';
  if (Object.keys(errors).length === 0) {
    const captcha = await captchaError(ctx, form);
    if (captcha) errors[FIELDS.captchaAnswer] = captcha;
  }
  if (Object.keys(errors).length > 0) return render(errors, { name: name.slice(0, LIMITS.name), message: message.slice(0, LIMITS.message) });
  await record(ctx, { ...(await enriched(ctx, baseEvent(ctx, 'comment', r), 'page', r, 'POST')), text: message, ...(name ? { name } : {}), machine: false });
  return page(commentDonePage({ lang: ctx.lang }));
}

// ---------- code images ----------

const codeKinds = new Set(['qr', 'code128', 'ean13']);

async function codeImage(ctx: Context, kind: string, signature: string): Promise<TrackingResponse> {
  const value = ctx.req.query.v;
  if (!codeKinds.has(kind) || value === undefined || value.length > 1_024 || !verifyCode(ctx.key, kind, value, signature)) throw new Refusal(404);
  // Loaded on first use: the open and click paths never pay for the barcode libraries.
  const { codeImagePng, codeProblem } = await import('../../content/codes');
  if (codeProblem(kind as 'qr', value)) throw new Refusal(404);
  const png = await codeImagePng(kind as 'qr', value);
  return { status: 200, headers: { 'Content-Type': 'image/png', 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' }, body: png };
}

/** Paths carry tokens: logs keep only their shape. */
function redactPath(path: string): string {
  return path.replace(/[A-Za-z0-9_-]{24,}/g, (token) => `<${createHash('sha256').update(token).digest('hex').slice(0, 8)}>`);
}
