/**
 * Tracking links: a recipient's links carry one sealed token that opens only with the key and
 * never shows the address; a click's target is bound to the token, so changing the URL, the link
 * index or the token is refused (no open redirect).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { trackingLinks } from '../../shared/tracking/links';
import { openRecipient, sealRecipient, TrackingTokenError, verifyClick } from '../../shared/tracking/tokens';

const key = randomBytes(32);
const recipient = { workspaceId: 'ws1', campaignId: 'c1', runId: 'r1', email: 'lin@example.com' };

/** /c/<token>/<i>/<sig>?u=<url> → its parts. */
function clickParts(url: string) {
  const parsed = new URL(url);
  const [token, i, sig] = parsed.pathname.split('/').slice(-3);
  return { token: token as string, index: Number(i), sig: sig as string, target: parsed.searchParams.get('u') as string };
}

describe('tracking links', () => {
  it('issues pixel, click and unsubscribe links under the base URL that open to the recipient', () => {
    const links = trackingLinks(key, 'https://api.example.com/t/', recipient, new Date('2026-11-29T00:00:00Z'));
    expect(links.openPixelUrl).toMatch(/^https:\/\/api\.example\.com\/t\/o\/[\w-]+$/);
    expect(links.unsubscribeUrl).toMatch(/^https:\/\/api\.example\.com\/t\/u\/[\w-]+$/);
    const click = clickParts(links.rewriteLink('https://shop.example.com/sale?x=1&y=2', 3));
    expect(click.target).toBe('https://shop.example.com/sale?x=1&y=2');
    expect(click.index).toBe(3);
    expect(verifyClick(key, click.token, 3, click.target, click.sig)).toBe(true);
    expect(openRecipient(key, click.token)).toEqual({ w: 'ws1', c: 'c1', r: 'r1', e: 'lin@example.com', t: Date.parse('2026-11-29T00:00:00Z') / 1000 });
  });

  it('never shows the address in a link', () => {
    const links = trackingLinks(key, 'https://t.example', recipient, new Date());
    for (const url of [links.openPixelUrl, links.unsubscribeUrl, links.rewriteLink('https://x.example/', 0)]) {
      expect(url).not.toContain('lin');
      const token = /\/[ocu]\/([\w-]+)/.exec(new URL(url).pathname)?.[1] ?? '';
      expect(token.length).toBeGreaterThan(40);
      expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('lin@example.com');
    }
  });

  it('refuses a click whose target, index or token was changed (no open redirect)', () => {
    const click = clickParts(trackingLinks(key, 'https://t.example', recipient, new Date()).rewriteLink('https://shop.example.com/', 1));
    expect(verifyClick(key, click.token, 1, 'https://evil.example.com/', click.sig)).toBe(false);
    expect(verifyClick(key, click.token, 2, click.target, click.sig)).toBe(false);
    const other = sealRecipient(key, { w: 'ws1', c: 'c1', r: 'r1', e: 'someone@example.com', t: 1 });
    expect(verifyClick(key, other, 1, click.target, click.sig)).toBe(false);
    expect(verifyClick(randomBytes(32), click.token, 1, click.target, click.sig)).toBe(false);
    expect(verifyClick(key, click.token, 1, click.target, 'short')).toBe(false);
  });

  it('refuses a tampered, truncated or foreign-key token', () => {
    const token = sealRecipient(key, { w: 'w', c: 'c', r: 'r', e: 'a@b.c', t: 1 });
    const flipped = token.slice(0, 30) + (token[30] === 'A' ? 'B' : 'A') + token.slice(31);
    expect(() => openRecipient(key, flipped)).toThrow(TrackingTokenError);
    expect(() => openRecipient(key, token.slice(0, -4))).toThrow(TrackingTokenError);
    expect(() => openRecipient(randomBytes(32), token)).toThrow(TrackingTokenError);
    expect(() => openRecipient(key, '../../etc/passwd')).toThrow(TrackingTokenError);
  });
});
