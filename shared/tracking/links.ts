/**
 * The tracked URLs a message carries for one recipient (one sealed recipient token each):
 *
 *   <base>/o/<token>                      open pixel
 *   <base>/c/<token>/<i>/<sig>?u=<url>    click → <url>, only if <sig> binds it to the token and i
 *   <base>/u/<token>                      unsubscribe page (GET) and RFC 8058 one-click POST
 *   <base>/f/<token>                      forward-to-friend page    ({{ forward_url }})
 *   <base>/m/<token>                      comment page              ({{ comment_url }})
 *   <base>/s/<token>                      subscribe page            ({{ subscribe_url }})
 *   <base>/q/<kind>/<sig>?v=<value>       a QR / barcode image the message shows (signed value)
 *
 * The tracking endpoints (shared/tracking/endpoints) open them.
 */
import type { CodeKind, RenderExtras } from '../content/render-types';
import { clickSignature, codeSignature, sealRecipient } from './tokens';

export interface TrackedRecipient {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly runId: string;
  readonly email: string;
  /** Forwarded recipients: the forwarder's address and hops from the original list. */
  readonly forwardedBy?: string;
  readonly forwardDepth?: number;
}

export interface TrackingLinks {
  readonly token: string;
  readonly openPixelUrl: string;
  readonly unsubscribeUrl: string;
  readonly forwardUrl: string;
  readonly commentUrl: string;
  readonly subscribeUrl: string;
  rewriteLink(url: string, linkIndex: number): string;
  codeImageUrl(kind: CodeKind, value: string): string;
}

export function trackingLinks(key: Uint8Array, baseUrl: string, recipient: TrackedRecipient, now: Date): TrackingLinks {
  const base = baseUrl.replace(/\/+$/, '');
  const token = sealRecipient(key, {
    w: recipient.workspaceId,
    c: recipient.campaignId,
    r: recipient.runId,
    e: recipient.email,
    t: Math.floor(now.getTime() / 1000),
    ...(recipient.forwardedBy ? { v: recipient.forwardedBy, d: recipient.forwardDepth ?? 1 } : {}),
  });
  const own = `${base}/`;
  return {
    token,
    openPixelUrl: `${base}/o/${token}`,
    unsubscribeUrl: `${base}/u/${token}`,
    forwardUrl: `${base}/f/${token}`,
    commentUrl: `${base}/m/${token}`,
    subscribeUrl: `${base}/s/${token}`,
    // The recipient's own pages (forward, comment, subscribe) are tracked where they are served.
    rewriteLink: (url, i) => (url.startsWith(own) ? url : `${base}/c/${token}/${i}/${clickSignature(key, token, i, url)}?u=${encodeURIComponent(url)}`),
    codeImageUrl: (kind, value) => `${base}/q/${kind}/${codeSignature(key, kind, value)}?v=${encodeURIComponent(value)}`,
  };
}

/** The render extras for one recipient: tracked links, pixel, unsubscribe header, page links. */
export function trackingExtras(links: TrackingLinks, headers: Readonly<Record<string, string>>, date: Date): RenderExtras {
  return {
    rewriteLink: (url, i) => links.rewriteLink(url, i),
    unsubscribeUrl: links.unsubscribeUrl,
    openPixelUrl: links.openPixelUrl,
    pageUrls: { forward: links.forwardUrl, comment: links.commentUrl, subscribe: links.subscribeUrl },
    textCodeImageUrl: (kind, value) => links.codeImageUrl(kind, value),
    headers,
    date,
  };
}
