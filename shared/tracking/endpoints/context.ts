/**
 * What every tracking endpoint shares: the request context, refusals (plain 4xx pages), the
 * recipient token's checks, and the event written to the lake — enriched with place, device and
 * machine verdict for the recipient's own actions.
 */
import { compactEvent, type LakeEvent, type LakeEventType } from '../../lake/event';
import { classifyMachine, parseUserAgent, type DeviceInfo } from '../enrich';
import type { PageLanguage } from '../pages/language';
import { problemPage, type ProblemStatus } from '../pages/pages';
import { openRecipient, type RecipientPayload } from '../tokens';
import type { TrackingDeps, TrackingRequest, TrackingResponse } from './ports';

/** The smallest transparent GIF (42 bytes). */
export const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
export const NO_STORE = { 'Cache-Control': 'no-store, no-cache, must-revalidate, private, max-age=0', Pragma: 'no-cache', Expires: '0' };
export const PAGE_HEADERS = {
  ...NO_STORE,
  'Content-Type': 'text/html; charset=utf-8',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // Pages are self-contained: inline styles, data: images (the CAPTCHA), forms posting to themselves.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};
export const MAX_BODY = 16 * 1024;


/** A refusal that becomes a plain page (or an empty answer for the pixel and beacons). */
export class Refusal extends Error {
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

export interface Context {
  readonly deps: TrackingDeps;
  readonly req: TrackingRequest;
  readonly key: Uint8Array;
  readonly now: number;
  readonly lang: PageLanguage;
  readonly userAgent?: string;
}

export function recipientOf(ctx: Context, token: string, options: { expires: boolean }): RecipientPayload {
  const payload = openRecipient(ctx.key, token);
  if (typeof payload.w !== 'string' || typeof payload.c !== 'string' || typeof payload.r !== 'string' || typeof payload.e !== 'string' || typeof payload.t !== 'number') {
    throw new Refusal(404);
  }
  const days = ctx.deps.tokenDays ?? 400;
  if (options.expires && ctx.now - payload.t * 1000 > days * 86_400_000) throw new Refusal(410);
  return payload;
}

export function baseEvent(ctx: Context, type: LakeEventType, r: RecipientPayload): LakeEvent {
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
export async function enriched(ctx: Context, event: LakeEvent, kind: 'open' | 'click' | 'page', r: RecipientPayload, method: string): Promise<LakeEvent> {
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

export async function record(ctx: Context, event: LakeEvent): Promise<void> {
  try {
    await ctx.deps.events.put([compactEvent(event)]);
  } catch (error) {
    throw new LakeUnavailableError(error instanceof Error ? error.message : String(error));
  }
}

export const page = (result: { status: number; html: string }): TrackingResponse => ({ status: result.status, headers: PAGE_HEADERS, body: result.html });

export function problem(lang: PageLanguage, status: ProblemStatus, allow = 'GET, POST'): TrackingResponse {
  return { status, headers: status === 405 ? { ...PAGE_HEADERS, Allow: allow } : PAGE_HEADERS, body: problemPage({ lang, status }).html };
}


