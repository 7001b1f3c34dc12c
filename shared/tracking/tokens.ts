/**
 * Tracking tokens: what an open pixel, a tracked link or an unsubscribe link carries.
 *
 * One recipient token per message, sealed with AES-256-GCM rather than only signed, so a
 * forwarded e-mail's links do not reveal the recipient's address and a token cannot be altered
 * without failing. Format: base64url(version byte ‖ 12-byte IV ‖ ciphertext ‖ 16-byte tag).
 *
 * A click also names its target, and the target is bound to the token by an HMAC over (token,
 * link index, URL): a redirect may only go where the message's own link pointed (no open
 * redirect), and a message with 70 links costs one seal and 70 cheap MACs, not 70 seals.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface RecipientPayload {
  readonly w: string;
  readonly c: string;
  readonly r: string;
  /** Recipient address (the ledger key). */
  readonly e: string;
  /** Issued at, epoch seconds (expiry is the verifier's policy). */
  readonly t: number;
  /** A forwarded recipient: who forwarded the campaign to them (lineage), and hops from the list. */
  readonly v?: string;
  readonly d?: number;
}

/** A code image's signature: only the codes a message asked for are drawn (no free barcode service). */
export function codeSignature(key: Uint8Array, kind: string, value: string): string {
  return createHmac('sha256', key).update(`code\n${kind}\n${value}`).digest().subarray(0, 12).toString('base64url');
}

export function verifyCode(key: Uint8Array, kind: string, value: string, signature: string): boolean {
  return sameText(codeSignature(key, kind, value), signature);
}

/**
 * A constant-time comparison of a given base64url MAC with the expected one, as text: decoding
 * first would accept other spellings of the same bytes (Node's decoder skips characters outside
 * the alphabet and ignores the last character's spare bits), so a tampered link would still pass.
 */
function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(typeof given === 'string' ? given : '', 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A short keyed tag over a purpose and a value (form CSRF fields, confirmation links). */
export function keyedTag(key: Uint8Array, purpose: string, value: string): string {
  return createHmac('sha256', key).update(`${purpose}\n${value}`).digest().subarray(0, 16).toString('base64url');
}

export function verifyTag(key: Uint8Array, purpose: string, value: string, tag: string): boolean {
  return sameText(keyedTag(key, purpose, value), tag);
}

/** Seals any small JSON payload (subscription confirmations) the same way as recipient tokens. */
export function sealPayload(key: Uint8Array, payload: object): string {
  return sealRecipient(key, payload as RecipientPayload);
}

export function openPayload<T>(key: Uint8Array, token: string): T {
  return openRecipient(key, token) as unknown as T;
}

const VERSION = 1;

export class TrackingTokenError extends Error {
  override readonly name = 'TrackingTokenError';
}

export function sealRecipient(key: Uint8Array, payload: RecipientPayload): string {
  if (key.length !== 32) throw new Error('The tracking key must be 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** Opens a recipient token; any tampering, truncation or wrong key throws TrackingTokenError. */
export function openRecipient(key: Uint8Array, token: string): RecipientPayload {
  if (!/^[A-Za-z0-9_-]{40,2048}$/.test(token)) throw new TrackingTokenError('Malformed token');
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length < 1 + 12 + 16 + 2 || bytes[0] !== VERSION) throw new TrackingTokenError('Unknown token version');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 13));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(13, bytes.length - 16)), decipher.final()]).toString('utf8')) as RecipientPayload;
  } catch {
    throw new TrackingTokenError('Token does not verify');
  }
}

/** The click signature: 16 bytes of HMAC-SHA-256 over token, link index and target URL. */
export function clickSignature(key: Uint8Array, token: string, linkIndex: number, url: string): string {
  return createHmac('sha256', key).update(`click\n${token}\n${linkIndex}\n${url}`).digest().subarray(0, 16).toString('base64url');
}

export function verifyClick(key: Uint8Array, token: string, linkIndex: number, url: string, signature: string): boolean {
  return sameText(clickSignature(key, token, linkIndex, url), signature);
}
