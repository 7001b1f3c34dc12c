/**
 * The public forms' CAPTCHA: stateless (the answer travels sealed in a token the server can
 * open, never in clear), 10 minutes valid, forgiving about case and spaces, and strict about
 * anything that did not come from issueCaptcha with this key.
 */
import { randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CAPTCHA_ALPHABET,
  CAPTCHA_HEIGHT,
  CAPTCHA_TTL_MS,
  CAPTCHA_WIDTH,
  captchaNonce,
  crc32,
  issueCaptcha,
  issueCaptchaWithAnswer,
  verifyCaptcha,
} from '../../shared/tracking/pages/captcha';
import { openRecipient, sealRecipient, TrackingTokenError } from '../../shared/tracking/tokens';

const key = randomBytes(32);
const now = Date.parse('2026-12-01T08:00:00Z');

/** The PNG's chunks, each CRC checked. */
function pngChunks(png: Buffer): { type: string; data: Buffer }[] {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunks: { type: string; data: Buffer }[] = [];
  for (let o = 8; o < png.length; ) {
    const length = png.readUInt32BE(o);
    const type = png.toString('ascii', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + length);
    expect(png.readUInt32BE(o + 8 + length)).toBe(crc32(png.subarray(o + 4, o + 8 + length)));
    chunks.push({ type, data });
    o += 12 + length;
  }
  return chunks;
}

function pngOf(dataUri: string): Buffer {
  expect(dataUri).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  return Buffer.from(dataUri.slice(dataUri.indexOf(',') + 1), 'base64');
}

describe('captcha', () => {
  it('uses 5 characters from an alphabet without look-alikes', () => {
    for (const c of '0OD1Il') expect(CAPTCHA_ALPHABET).not.toContain(c);
    expect(() => issueCaptchaWithAnswer(key, now, 'AB0CD')).toThrow();
    expect(() => issueCaptchaWithAnswer(key, now, 'ACEF')).toThrow();
    // Every character of the alphabet can be drawn.
    const all = CAPTCHA_ALPHABET.padEnd(Math.ceil(CAPTCHA_ALPHABET.length / 5) * 5, 'A');
    for (let i = 0; i < all.length; i += 5) expect(() => issueCaptchaWithAnswer(key, now, all.slice(i, i + 5))).not.toThrow();
  });

  it('accepts the right answer, ignoring case and spaces, within 10 minutes', () => {
    const { token } = issueCaptchaWithAnswer(key, now, 'KM7XP');
    expect(verifyCaptcha(key, token, 'KM7XP', now)).toBe('ok');
    expect(verifyCaptcha(key, token, ' km 7x p ', now + 60_000)).toBe('ok');
    expect(verifyCaptcha(key, token, 'kM7xP', now + CAPTCHA_TTL_MS)).toBe('ok');
  });

  it('refuses a wrong answer', () => {
    const { token } = issueCaptchaWithAnswer(key, now, 'KM7XP');
    expect(verifyCaptcha(key, token, 'KM7XR', now)).toBe('wrong');
    expect(verifyCaptcha(key, token, 'KM7X', now)).toBe('wrong');
    expect(verifyCaptcha(key, token, 'KM7XPP', now)).toBe('wrong');
    expect(verifyCaptcha(key, token, '', now)).toBe('wrong');
    expect(verifyCaptcha(key, token, undefined as unknown as string, now)).toBe('wrong');
  });

  it('expires after 10 minutes (even with the right answer) and refuses a future issue time', () => {
    const { token } = issueCaptchaWithAnswer(key, now, 'KM7XP');
    expect(verifyCaptcha(key, token, 'KM7XP', now + CAPTCHA_TTL_MS + 1)).toBe('expired');
    expect(verifyCaptcha(key, token, 'KM7XP', now - 5 * 60_000)).toBe('expired');
  });

  it('calls a tampered, truncated, foreign or non-captcha token malformed', () => {
    const { token } = issueCaptchaWithAnswer(key, now, 'KM7XP');
    for (let i = 1; i < token.length - 1; i += 7) {
      const flipped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(verifyCaptcha(key, flipped, 'KM7XP', now)).toBe('malformed');
    }
    expect(verifyCaptcha(key, token.slice(0, -2), 'KM7XP', now)).toBe('malformed');
    expect(verifyCaptcha(key, token.slice(0, 20), 'KM7XP', now)).toBe('malformed');
    expect(verifyCaptcha(key, `${token}AA`, 'KM7XP', now)).toBe('malformed');
    expect(verifyCaptcha(key, '', 'KM7XP', now)).toBe('malformed');
    expect(verifyCaptcha(key, '../../etc/passwd', 'KM7XP', now)).toBe('malformed');
    expect(verifyCaptcha(key, null as unknown as string, 'KM7XP', now)).toBe('malformed');
    expect(verifyCaptcha(randomBytes(32), token, 'KM7XP', now)).toBe('malformed');
    // Tokens of one kind never pass as the other, under the same key.
    const recipient = sealRecipient(key, { w: 'w', c: 'c', r: 'r', e: 'a@b.c', t: 1 });
    expect(verifyCaptcha(key, recipient, 'KM7XP', now)).toBe('malformed');
    expect(() => openRecipient(key, token)).toThrow(TrackingTokenError);
  });

  it('never shows the answer in the image data or the token', () => {
    for (const answer of ['KM7XP', 'ACEFH', '36797']) {
      const captcha = issueCaptchaWithAnswer(key, now, answer);
      expect(captcha.imageDataUri).not.toContain(answer);
      expect(pngOf(captcha.imageDataUri).toString('latin1')).not.toContain(answer);
      expect(captcha.token).not.toContain(answer);
      expect(Buffer.from(captcha.token, 'base64url').toString('latin1')).not.toContain(answer);
      expect(Buffer.from(captcha.token, 'base64url').toString('latin1').toUpperCase()).not.toContain(answer);
    }
  });

  it('draws a valid greyscale PNG with ink, different every time', () => {
    const a = issueCaptchaWithAnswer(key, now, 'KM7XP');
    const b = issueCaptchaWithAnswer(key, now, 'KM7XP');
    expect(a.imageDataUri).not.toBe(b.imageDataUri);
    expect(a.token).not.toBe(b.token);
    const chunks = pngChunks(pngOf(a.imageDataUri));
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const header = chunks[0]?.data as Buffer;
    expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([CAPTCHA_WIDTH, CAPTCHA_HEIGHT, 8, 0]);
    const raw = inflateSync(chunks[1]?.data as Buffer);
    expect(raw.length).toBe((CAPTCHA_WIDTH + 1) * CAPTCHA_HEIGHT);
    const pixels = [...raw].filter((_, i) => i % (CAPTCHA_WIDTH + 1) !== 0);
    const dark = pixels.filter((v) => v < 100).length;
    expect(dark).toBeGreaterThan(pixels.length * 0.05);
    expect(dark).toBeLessThan(pixels.length * 0.5);
    expect(a.imageDataUri.length).toBeLessThan(20_000);
  });

  it('issues random answers whose tokens verify and carry a nonce for replay checks', () => {
    const tokens = Array.from({ length: 5 }, () => issueCaptcha(key, now).token);
    const nonces = tokens.map((t) => captchaNonce(t));
    expect(new Set(nonces).size).toBe(5);
    for (const [i, token] of tokens.entries()) {
      expect(nonces[i]).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(captchaNonce(token)).toBe(nonces[i]);
      // '00000' is never an answer (0 is not in the alphabet), so it is wrong, not malformed.
      expect(verifyCaptcha(key, token, '00000', now)).toBe('wrong');
    }
    expect(captchaNonce('garbage')).toBeUndefined();
    expect(captchaNonce((tokens[0] as string).slice(0, -3))).toBeUndefined();
  });

  it('wants a 32-byte key', () => {
    expect(() => issueCaptcha(randomBytes(16), now)).toThrow(/32 bytes/);
  });
});
