/**
 * The tracked actions: the open pixel, the click redirect (only to the URL the signature binds,
 * with `pgn_t` for multi-layer tracking), page views reported by /p.js, and code images.
 */
import { appendTrackingParam } from '../pages/page-script';
import { TrackingTokenError, verifyClick, verifyCode, type RecipientPayload } from '../tokens';
import { baseEvent, enriched, NO_STORE, PIXEL, recipientOf, record, Refusal, type Context } from './context';
import type { TrackingResponse } from './ports';

export async function open(ctx: Context, token: string, method: string): Promise<TrackingResponse> {
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

export async function click(ctx: Context, token: string, index: string, signature: string, method: string): Promise<TrackingResponse> {
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

export async function pageView(ctx: Context, token: string): Promise<TrackingResponse> {
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

const codeKinds = new Set(['qr', 'code128', 'ean13']);

export async function codeImage(ctx: Context, kind: string, signature: string): Promise<TrackingResponse> {
  const value = ctx.req.query.v;
  if (!codeKinds.has(kind) || value === undefined || value.length > 1_024 || !verifyCode(ctx.key, kind, value, signature)) throw new Refusal(404);
  // Loaded on first use: the open and click paths never pay for the barcode libraries.
  const { codeImagePng, codeProblem } = await import('../../content/codes');
  if (codeProblem(kind as 'qr', value)) throw new Refusal(404);
  const png = await codeImagePng(kind as 'qr', value);
  return { status: 200, headers: { 'Content-Type': 'image/png', 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' }, body: png };
}

