/**
 * The tracked URLs a message carries for one recipient (one sealed recipient token each):
 *
 *   <base>/o/<token>                      open pixel
 *   <base>/c/<token>/<i>/<sig>?u=<url>    click → <url>, only if <sig> binds it to the token and i
 *   <base>/u/<token>                      unsubscribe page (GET) and RFC 8058 one-click POST
 *
 * The tracking endpoints (the tracking issue) open these; here they are only issued.
 */
import type { RenderExtras } from '../content/render-types';
import { clickSignature, sealRecipient } from './tokens';

export interface TrackedRecipient {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly runId: string;
  readonly email: string;
}

export interface TrackingLinks {
  readonly openPixelUrl: string;
  readonly unsubscribeUrl: string;
  rewriteLink(url: string, linkIndex: number): string;
}

export function trackingLinks(key: Uint8Array, baseUrl: string, recipient: TrackedRecipient, now: Date): TrackingLinks {
  const base = baseUrl.replace(/\/+$/, '');
  const token = sealRecipient(key, { w: recipient.workspaceId, c: recipient.campaignId, r: recipient.runId, e: recipient.email, t: Math.floor(now.getTime() / 1000) });
  return {
    openPixelUrl: `${base}/o/${token}`,
    unsubscribeUrl: `${base}/u/${token}`,
    rewriteLink: (url, i) => `${base}/c/${token}/${i}/${clickSignature(key, token, i, url)}?u=${encodeURIComponent(url)}`,
  };
}

/** The render extras for one recipient: tracked links, pixel, unsubscribe header. */
export function trackingExtras(links: TrackingLinks, headers: Readonly<Record<string, string>>, date: Date): RenderExtras {
  return { rewriteLink: (url, i) => links.rewriteLink(url, i), unsubscribeUrl: links.unsubscribeUrl, openPixelUrl: links.openPixelUrl, headers, date };
}
