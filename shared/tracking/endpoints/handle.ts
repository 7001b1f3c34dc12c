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
 * Layout: context.ts (shared checks, events), tracked.ts (pixel, click, page views, codes),
 * forms.ts (the recipient's forms). Every acknowledged action is one event in the lake before the response leaves: when the lake's
 * stream cannot take it the answer is 503 (retry), never a silent success. Bad, tampered,
 * truncated or expired tokens get a plain 4xx page naming nothing; no input reaches a 500.
 */
import { createHash } from 'node:crypto';
import { pickLanguage } from '../pages/language';
import { problemPage } from '../pages/pages';
import { pageTrackingScript } from '../pages/page-script';
import { TrackingTokenError } from '../tokens';
import { MAX_BODY, PAGE_HEADERS, problem, Refusal, type Context } from './context';
import { comment, confirmSubscription, forward, subscribe, unsubscribe } from './forms';
import type { TrackingDeps, TrackingRequest, TrackingResponse } from './ports';
import { click, codeImage, open, pageView } from './tracked';

export { LakeUnavailableError } from './context';

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

/** Paths carry tokens: logs keep only their shape. */
function redactPath(path: string): string {
  return path.replace(/[A-Za-z0-9_-]{24,}/g, (token) => `<${createHash('sha256').update(token).digest('hex').slice(0, 8)}>`);
}

