import { describe, expect, it } from 'vitest';
import {
  bodyMatchesContentHash,
  canonicalQuery,
  parseSignatureHeaders,
  sha256Hex,
  signRequest,
  stringToSign,
  verifySignature,
  type QueryParameters,
} from '../../shared/auth/request-signing';
import { constantTimeEqual } from '../../shared/auth/constant-time';

const secret = 'pgs_test-secret-0123456789abcdefghijklmnopqrstuv';
const now = new Date('2026-12-04T01:00:00.000Z');
const nonce = 'nonce-0123456789abcdef';

function signedRequest(options: { method?: string; path?: string; query?: QueryParameters; body?: string; date?: Date } = {}) {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/contacts';
  const query = options.query ?? { limit: '10' };
  const headers = signRequest({ keyId: 'key_abc', secret, method, path, query, body: options.body ?? '{"email":"a@b.c"}', date: options.date ?? now, nonce });
  return { method, path, query, headers };
}

function check(headers: Record<string, string>, request: { method: string; path: string; query?: QueryParameters }, at = now) {
  const signed = parseSignatureHeaders(headers);
  if (!signed) throw new Error('headers did not parse');
  return verifySignature({ secret, signed, method: request.method, path: request.path, query: request.query, now: at });
}

describe('canonical query', () => {
  it('sorts keys, RFC 3986-encodes keys and values, joins k=v with &', () => {
    expect(canonicalQuery({ q: 'Wang Xiao*ming', a: "it's", 'z key': '王' })).toBe('a=it%27s&q=Wang%20Xiao%2Aming&z%20key=%E7%8E%8B');
  });
  it('keeps every value of a repeated key, sorted', () => {
    expect(canonicalQuery({ tag: ['vip', 'b2b'], a: '1' })).toBe('a=1&tag=b2b&tag=vip');
  });
  it('is empty without parameters', () => {
    expect(canonicalQuery(null)).toBe('');
    expect(canonicalQuery({})).toBe('');
  });
});

describe('string to sign', () => {
  it('is exactly the contract lines joined by newlines', () => {
    const text = stringToSign({
      date: '2026-12-04T01:00:00.000Z',
      nonce,
      method: 'get',
      path: '/contacts',
      query: { q: 'a b', limit: '5' },
      contentSha256: sha256Hex(''),
    });
    expect(text).toBe(
      [
        'PIGEON-HMAC-SHA256',
        '2026-12-04T01:00:00.000Z',
        nonce,
        'GET',
        '/contacts',
        'limit=5&q=a%20b',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
  });
});

describe('sign and verify', () => {
  it('accepts an untouched request', () => {
    const request = signedRequest();
    expect(request.headers.Authorization).toMatch(/^PIGEON-HMAC-SHA256 Credential=key_abc, Signature=[0-9a-f]{64}$/);
    expect(check(request.headers, request)).toEqual({ ok: true });
  });

  it('accepts headers in any letter case', () => {
    const request = signedRequest();
    const lower = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(check(lower, request)).toEqual({ ok: true });
  });

  it('rejects a tampered path, method or query', () => {
    const request = signedRequest();
    expect(check(request.headers, { ...request, path: '/contacts/other' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check(request.headers, { ...request, method: 'DELETE' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check(request.headers, { ...request, query: { limit: '100' } })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check(request.headers, { ...request, query: { limit: '10', extra: '1' } })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a changed body hash, date or nonce header', () => {
    const request = signedRequest();
    const changed = (name: string, value: string) => check({ ...request.headers, [name]: value }, request);
    expect(changed('X-Pigeon-Content-SHA256', sha256Hex('{"email":"evil@b.c"}'))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(changed('X-Pigeon-Date', '2026-12-04T01:00:01.000Z')).toEqual({ ok: false, reason: 'bad-signature' });
    expect(changed('X-Pigeon-Nonce', 'nonce-0123456789abcdeX')).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a signature made with another secret', () => {
    const request = signedRequest();
    const signed = parseSignatureHeaders(request.headers)!;
    expect(verifySignature({ secret: `${secret}x`, signed, method: request.method, path: request.path, query: request.query, now })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('accepts dates within five minutes either way and rejects older or newer ones', () => {
    const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
    expect(check(signedRequest({ date: minutes(-4.9) }).headers, signedRequest(), now)).toEqual({ ok: true });
    expect(check(signedRequest({ date: minutes(4.9) }).headers, signedRequest(), now)).toEqual({ ok: true });
    expect(check(signedRequest({ date: minutes(-5.1) }).headers, signedRequest(), now)).toEqual({ ok: false, reason: 'stale-date' });
    expect(check(signedRequest({ date: minutes(5.1) }).headers, signedRequest(), now)).toEqual({ ok: false, reason: 'stale-date' });
  });
});

describe('header parsing', () => {
  const good = signedRequest().headers;
  it.each([
    ['a missing date', { ...good, 'X-Pigeon-Date': '' }],
    ['a non-UTC date', { ...good, 'X-Pigeon-Date': '2026-12-04T09:00:00+08:00' }],
    ['a short nonce', { ...good, 'X-Pigeon-Nonce': 'short' }],
    ['a nonce over 64 characters', { ...good, 'X-Pigeon-Nonce': 'n'.repeat(65) }],
    ['a body hash that is not hex sha256', { ...good, 'X-Pigeon-Content-SHA256': 'abc' }],
    ['another scheme', { ...good, Authorization: 'Bearer x.y.z' }],
    ['no signature', { ...good, Authorization: 'PIGEON-HMAC-SHA256 Credential=key_abc' }],
  ])('rejects %s', (_name, headers) => {
    expect(parseSignatureHeaders(headers as Record<string, string>)).toBeUndefined();
  });
});

describe('body check for the API handler', () => {
  it('matches the exact body and nothing else', () => {
    const body = '{"name":"陳美玲"}';
    expect(bodyMatchesContentHash(body, sha256Hex(body))).toBe(true);
    expect(bodyMatchesContentHash(Buffer.from(body), sha256Hex(body).toUpperCase())).toBe(true);
    expect(bodyMatchesContentHash(`${body} `, sha256Hex(body))).toBe(false);
    expect(bodyMatchesContentHash(undefined, sha256Hex(''))).toBe(true);
    expect(bodyMatchesContentHash(body, undefined)).toBe(false);
  });
});

describe('constant-time comparison', () => {
  it('is true only for equal strings, including different lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
