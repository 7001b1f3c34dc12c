/**
 * The recipient's forms: unsubscribe (all mail or per category; RFC 8058 one-click), subscribe
 * with double opt-in, forward to friends, comments. Each form carries a keyed CSRF field; the
 * last three a one-attempt CAPTCHA.
 */
import { captchaNonce, issueCaptcha, verifyCaptcha } from '../pages/captcha';
import type { PageLanguage } from '../pages/language';
import {
  commentDonePage,
  commentPage,
  FIELDS,
  forwardDonePage,
  forwardPage,
  LIMITS,
  maskEmail,
  subscribeCheckEmailPage,
  subscribeConfirmedPage,
  subscribePage,
  unsubscribeDonePage,
  unsubscribePage,
  type FieldErrors,
} from '../pages/pages';
import { keyedTag, openPayload, sealPayload, verifyTag } from '../tokens';
import { baseEvent, enriched, NO_STORE, page, recipientOf, record, Refusal, type Context } from './context';
import type { TrackingResponse } from './ports';

const MAX_FRIENDS = 5;
const CONFIRM_DAYS = 7;
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

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

export async function unsubscribe(ctx: Context, token: string, method: string): Promise<TrackingResponse> {
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

export async function subscribe(ctx: Context, token: string, method: string): Promise<TrackingResponse> {
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

export async function confirmSubscription(ctx: Context, sealed: string): Promise<TrackingResponse> {
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

export async function forward(ctx: Context, token: string, method: string): Promise<TrackingResponse> {
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

export async function comment(ctx: Context, token: string, method: string): Promise<TrackingResponse> {
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

