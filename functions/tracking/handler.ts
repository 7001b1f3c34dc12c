/**
 * The public tracking endpoints, as a Lambda function URL (payload format 2.0) behind CloudFront.
 * Kept lean for latency: no tracer middleware (its async hooks cost more than the work here),
 * one use-case call, and the response straight back. Paths arrive as `/t/...` (CloudFront's path
 * pattern) or bare; both work.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger } from '../../shared/logger';
import { handleTracking } from '../../shared/tracking/endpoints/handle';
import { trackingDepsFromEnv } from '../../shared/tracking/endpoints/deps-from-env';
import type { TrackingRequest } from '../../shared/tracking/endpoints/ports';

const deps = trackingDepsFromEnv((message, detail) => logger.error(message, detail));

/** The viewer's address: CloudFront-Viewer-Address ("ip:port") behind CloudFront, else the caller's. */
function viewerIp(event: APIGatewayProxyEventV2, headers: Record<string, string>): string | undefined {
  const viewer = headers['cloudfront-viewer-address'];
  if (viewer) return viewer.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return event.requestContext?.http?.sourceIp;
}

export function requestOf(event: APIGatewayProxyEventV2): TrackingRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (typeof value === 'string') headers[name.toLowerCase()] = value;
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (typeof value === 'string') query[name] = value;
  const path = (event.rawPath ?? '/').replace(/^\/t(?=\/|$)/, '') || '/';
  const body = event.body === undefined || event.body === null ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const ip = viewerIp(event, headers);
  return { method: event.requestContext?.http?.method ?? 'GET', path, query, headers, ...(body !== undefined ? { body } : {}), ...(ip ? { ip } : {}) };
}

export async function handler(event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  const response = await handleTracking(await deps, requestOf(event));
  const binary = typeof response.body !== 'string';
  return {
    statusCode: response.status,
    headers: { ...response.headers },
    body: binary ? Buffer.from(response.body).toString('base64') : (response.body as string),
    isBase64Encoded: binary,
  };
}
