/**
 * Reading an API Gateway REST proxy event: headers, query, the raw body (size limit, the partner
 * body-hash check) and the parsed JSON body.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Principal } from '../api/operation';
import { PayloadTooLargeError, UnauthorizedError, ValidationError } from '../errors';

/** Largest body the API accepts; imports of big files go to S3 through presigned URLs instead. */
export const maxBodyBytes = 1024 * 1024;

export const contentHashHeader = 'x-pigeon-content-sha256';

/** Header names in lower case; for repeated headers the last value wins, as API Gateway does. */
export function lowerCaseHeaders(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    const last = values?.[values.length - 1];
    if (last !== undefined) headers[name.toLowerCase()] = last;
  }
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return headers;
}

export function queryOf(event: Pick<APIGatewayProxyEvent, 'queryStringParameters'>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query[name] = value;
  }
  return query;
}

/** The body's bytes, decoded when API Gateway base64-encoded it; rejects bodies over the limit. */
export function rawBodyOf(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): Buffer {
  if (event.body === null || event.body === undefined) return Buffer.alloc(0);
  // Cheap bound before decoding: base64 is 4/3 the size, plain text at least 1 byte per char.
  const upperBound = event.isBase64Encoded ? Math.ceil((event.body.length * 3) / 4) : Buffer.byteLength(event.body);
  if (upperBound > maxBodyBytes + 2) {
    throw new PayloadTooLargeError(`The request body is larger than ${maxBodyBytes} bytes`);
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.length > maxBodyBytes) throw new PayloadTooLargeError(`The request body is larger than ${maxBodyBytes} bytes`);
  return raw;
}

/**
 * Partner requests sign a declared body hash (the authorizer never sees the body); here the
 * body itself is held against that declaration, so a signed request cannot carry another body.
 */
export function verifyBodyHash(principal: Principal | undefined, headers: Readonly<Record<string, string>>, raw: Buffer): void {
  if (principal?.kind !== 'apiKey') return;
  const declared = headers[contentHashHeader]?.trim().toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(declared)) {
    throw new UnauthorizedError('Signed requests need an X-Pigeon-Content-SHA256 header: the hex SHA-256 of the body');
  }
  const actual = createHash('sha256').update(raw).digest();
  if (!timingSafeEqual(actual, Buffer.from(declared, 'hex'))) {
    throw new UnauthorizedError('The body does not match its X-Pigeon-Content-SHA256 header');
  }
}

/** JSON body or undefined when there is none; bad JSON is the client's mistake (400), never a 500. */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unparseable';
    throw new ValidationError('The request body is not valid JSON', [{ field: 'body', message: `Not valid JSON: ${reason}` }]);
  }
}

/**
 * The API's base URL as the caller reached it, for Location headers: the execute-api host carries
 * the stage in its path; a custom domain or the local gateway does not.
 */
export function baseUrlOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>, headers: Readonly<Record<string, string>>): string {
  const host = headers['host'] ?? event.requestContext.domainName ?? 'localhost';
  const proto = headers['x-forwarded-proto'] ?? (host.startsWith('127.0.0.1') || host.startsWith('localhost') ? 'http' : 'https');
  const stage = event.requestContext.stage;
  const stagePrefix = host.includes('.execute-api.') && stage && stage !== '$default' ? `/${stage}` : '';
  return `${proto}://${host}${stagePrefix}`;
}
