/**
 * Partner request signing (HMAC-SHA256), shared by the authorizer (verify), partners' and tests'
 * clients (sign) and the API handler's body check.
 *
 *   Authorization: PIGEON-HMAC-SHA256 Credential=<keyId>, Signature=<hex>
 *   X-Pigeon-Date: <ISO-8601 UTC>
 *   X-Pigeon-Nonce: <16-64 chars>
 *   X-Pigeon-Content-SHA256: <hex sha256 of the body, of "" when none>
 *
 * String to sign (lines joined by "\n"): PIGEON-HMAC-SHA256, date, nonce, METHOD, path (as API
 * Gateway's `event.path`), canonical query, content sha256. The authorizer never sees the body,
 * so the body hash is a signed header and the API handler compares it with the real body.
 */
import { createHash, createHmac } from 'node:crypto';
import { constantTimeEqual } from './constant-time';

export const SIGNING_ALGORITHM = 'PIGEON-HMAC-SHA256';
export const DATE_HEADER = 'x-pigeon-date';
export const NONCE_HEADER = 'x-pigeon-nonce';
export const CONTENT_SHA256_HEADER = 'x-pigeon-content-sha256';
/** Requests dated further than this from the verifier's clock are rejected. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const NONCE_PATTERN = /^[A-Za-z0-9._~-]{16,64}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const AUTHORIZATION = /^PIGEON-HMAC-SHA256 Credential=([A-Za-z0-9_-]{1,128}), ?Signature=([0-9a-f]{64})$/;

/** Query parameters as API Gateway gives them: single values, or every value of a repeated key. */
export type QueryParameters = Readonly<Record<string, string | readonly string[] | undefined>>;

export function sha256Hex(body: string | Uint8Array = ''): string {
  return createHash('sha256').update(body).digest('hex');
}

/** RFC 3986 unreserved characters stay, everything else is %XX (encodeURIComponent leaves !'()*). */
export function rfc3986Encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Keys sorted (then values, for repeated keys), each `k=v` RFC 3986-encoded, joined by `&`. */
export function canonicalQuery(query: QueryParameters | null | undefined): string {
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    const values = typeof value === 'string' ? [value] : value;
    for (const v of values) pairs.push([rfc3986Encode(key), rfc3986Encode(v)]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export interface SignedParts {
  readonly date: string;
  readonly nonce: string;
  readonly method: string;
  readonly path: string;
  readonly query?: QueryParameters | null;
  readonly contentSha256: string;
}

export function stringToSign(parts: SignedParts): string {
  return [
    SIGNING_ALGORITHM,
    parts.date,
    parts.nonce,
    parts.method.toUpperCase(),
    parts.path,
    canonicalQuery(parts.query),
    parts.contentSha256,
  ].join('\n');
}

export function signature(secret: string, parts: SignedParts): string {
  return createHmac('sha256', secret).update(stringToSign(parts), 'utf8').digest('hex');
}

export interface SignRequestInput {
  readonly keyId: string;
  readonly secret: string;
  readonly method: string;
  /** The path API Gateway will report as `event.path` (no stage prefix, not percent-decoded twice). */
  readonly path: string;
  readonly query?: QueryParameters;
  readonly body?: string | Uint8Array;
  readonly date?: Date;
  readonly nonce?: string;
}

/** The four headers a partner adds to a request. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const date = (input.date ?? new Date()).toISOString();
  const nonce = input.nonce ?? crypto.randomUUID().replaceAll('-', '');
  const contentSha256 = sha256Hex(input.body ?? '');
  const sig = signature(input.secret, { date, nonce, method: input.method, path: input.path, query: input.query, contentSha256 });
  return {
    Authorization: `${SIGNING_ALGORITHM} Credential=${input.keyId}, Signature=${sig}`,
    'X-Pigeon-Date': date,
    'X-Pigeon-Nonce': nonce,
    'X-Pigeon-Content-SHA256': contentSha256,
  };
}

export interface SignatureHeaders {
  readonly keyId: string;
  readonly signature: string;
  readonly date: string;
  readonly nonce: string;
  readonly contentSha256: string;
}

function header(headers: Readonly<Record<string, string | undefined>> | null | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** True when the request claims to be signed (its Authorization uses our scheme). */
export function isSignedRequest(headers: Readonly<Record<string, string | undefined>> | null | undefined): boolean {
  return header(headers, 'authorization')?.startsWith(`${SIGNING_ALGORITHM} `) ?? false;
}

/** The signature headers, or undefined when any is missing or malformed. */
export function parseSignatureHeaders(headers: Readonly<Record<string, string | undefined>> | null | undefined): SignatureHeaders | undefined {
  const match = AUTHORIZATION.exec(header(headers, 'authorization') ?? '');
  const date = header(headers, DATE_HEADER);
  const nonce = header(headers, NONCE_HEADER);
  const contentSha256 = header(headers, CONTENT_SHA256_HEADER)?.toLowerCase();
  if (!match || !date || !nonce || !contentSha256) return undefined;
  if (!ISO_UTC.test(date) || Number.isNaN(Date.parse(date))) return undefined;
  if (!NONCE_PATTERN.test(nonce) || !HEX_SHA256.test(contentSha256)) return undefined;
  return { keyId: match[1]!, signature: match[2]!, date, nonce, contentSha256 };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'bad-signature' | 'stale-date' };

/** Checks signature and date; the nonce's freshness is the caller's (it needs a store). */
export function verifySignature(input: {
  readonly secret: string;
  readonly signed: SignatureHeaders;
  readonly method: string;
  readonly path: string;
  readonly query?: QueryParameters | null;
  readonly now: Date;
}): SignatureCheck {
  const { signed } = input;
  const expected = signature(input.secret, {
    date: signed.date,
    nonce: signed.nonce,
    method: input.method,
    path: input.path,
    query: input.query,
    contentSha256: signed.contentSha256,
  });
  if (!constantTimeEqual(expected, signed.signature)) return { ok: false, reason: 'bad-signature' };
  if (Math.abs(input.now.getTime() - Date.parse(signed.date)) > MAX_CLOCK_SKEW_MS) return { ok: false, reason: 'stale-date' };
  return { ok: true };
}

/** For the API handler: does the body it received match the signed content hash? */
export function bodyMatchesContentHash(body: string | Uint8Array | null | undefined, declaredSha256: string | undefined): boolean {
  if (!declaredSha256) return false;
  return constantTimeEqual(sha256Hex(body ?? ''), declaredSha256.toLowerCase());
}
