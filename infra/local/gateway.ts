/**
 * The local API Gateway: turns HTTP requests into REST API proxy events for the same api and
 * authorizer handlers that run in Lambda, and plays the parts API Gateway plays itself:
 *  - routes from shared/api/routes.ts (unknown resource or method → 404 problem);
 *  - the REQUEST authorizer on every non-public route: `throw Error('Unauthorized')` → 401,
 *    a Deny (or no Allow for the method) → 403, both application/problem+json as the CDK
 *    gateway responses answer; its context (+ principalId) becomes requestContext.authorizer;
 *  - usage plans, approximated: a token bucket per usageIdentifierKey filled at the context's
 *    `rateLimit` requests per second (burst = one second's worth) → 429 problem;
 *  - CORS preflight (OPTIONS) for the console's origin;
 *  - `GET /.well-known/jwks.json`, the local issuer's keys (Cognito serves these in AWS).
 * And a static server for the built console with `/config.json`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { routes, type RouteSpec } from '../../shared/api/routes';
import { lambdaContext, type LambdaHandler } from './lambda';

const ACCOUNT = '000000000000';
const API_ID = 'local';

export interface GatewayOptions {
  readonly port?: number;
  readonly stage: string;
  readonly api: LambdaHandler;
  readonly authorizer: LambdaHandler;
  readonly jwks: () => Promise<unknown>;
  /** Origin allowed by CORS (CONSOLE_ORIGIN). */
  readonly corsOrigin: string;
  readonly log?: (line: string) => void;
  readonly routes?: readonly RouteSpec[];
  /**
   * The public tracking endpoints under `/t/` (in AWS: CloudFront → a Lambda function URL), called
   * with function URL events (payload format 2.0).
   */
  readonly tracking?: LambdaHandler;
}

export interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
}

interface CompiledRoute {
  readonly spec: RouteSpec;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

function compile(spec: RouteSpec): CompiledRoute {
  const params: string[] = [];
  const source = spec.path
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)(\+)?\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1] as string);
      return m[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { spec, pattern: new RegExp(`^${source}/?$`), params };
}

/** API Gateway's token bucket, per usage identifier. */
class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  take(key: string, ratePerSecond: number): boolean {
    const now = Date.now();
    const capacity = Math.max(1, ratePerSecond);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return allowed;
  }
}

const TEXT_TYPES = /^(text\/|application\/(json|.*\+json|x-www-form-urlencoded|xml|.*\+xml|javascript))/i;

function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    Vary: 'Origin',
  };
}

function preflightHeaders(origin: string): Record<string, string> {
  return {
    ...corsHeaders(origin),
    'Access-Control-Allow-Methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
    'Access-Control-Allow-Headers':
      'Authorization,Content-Type,If-Match,X-Pigeon-Date,X-Pigeon-Nonce,X-Pigeon-Content-SHA256,X-Amz-Date,X-Api-Key',
    'Access-Control-Expose-Headers': 'Location,ETag',
    'Access-Control-Max-Age': '600',
  };
}

/** Policy evaluation as API Gateway does it: an explicit Deny wins, else an Allow must match. */
function allows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  const matches = (resource: string | string[] | undefined) =>
    [resource ?? []].flat().some((pattern) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(methodArn));
  let allowed = false;
  for (const statement of result.policyDocument?.Statement ?? []) {
    const s = statement as { Effect: string; Action?: string | string[]; Resource?: string | string[] };
    const actionOk = [s.Action ?? []].flat().some((a) => a === 'execute-api:Invoke' || a === 'execute-api:*' || a === '*');
    if (!actionOk || !matches(s.Resource)) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolvePort(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolveClose) => {
      server.closeAllConnections();
      server.close(() => resolveClose());
    });
}

/** A function URL request (payload 2.0) for the tracking function, as CloudFront would pass it on. */
async function tracking(req: IncomingMessage, res: ServerResponse, url: URL, method: string, handler: LambdaHandler): Promise<number> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    headers[name] = headers[name] ? `${headers[name]},${req.rawHeaders[i + 1] as string}` : (req.rawHeaders[i + 1] as string);
  }
  const body = await readBody(req);
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = query[key] ? `${query[key]},${value}` : value;
  const now = new Date();
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'tracking',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'tracking',
      http: { method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: body.length > 0,
    ...(body.length > 0 ? { body: body.toString('base64') } : {}),
  };
  let result: APIGatewayProxyStructuredResultV2;
  try {
    result = (await handler(event, lambdaContext('tracking', 10, 512))) as APIGatewayProxyStructuredResultV2;
  } catch {
    // A function URL answers a failed invocation with 502.
    res.writeHead(502, { 'Content-Type': 'text/plain' }).end('Bad gateway');
    return 502;
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) out[name] = String(value);
  res.writeHead(result.statusCode ?? 200, out);
  res.end(method === 'HEAD' || result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
  return result.statusCode ?? 200;
}

export async function startGateway(options: GatewayOptions): Promise<RunningServer> {
  const compiled = (options.routes ?? routes).map(compile);
  const limiter = new RateLimiter();
  const log = options.log ?? (() => undefined);

  const problem = (res: ServerResponse, status: number, title: string, detail: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/problem+json', ...corsHeaders(options.corsOrigin), ...extra });
    res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawPath = url.pathname;

    if (method === 'OPTIONS') {
      res.writeHead(204, preflightHeaders(options.corsOrigin)).end();
      return 204;
    }
    if (method === 'GET' && rawPath === '/.well-known/jwks.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300', ...corsHeaders(options.corsOrigin) });
      res.end(JSON.stringify(await options.jwks()));
      return 200;
    }

    if (options.tracking && (rawPath === '/t' || rawPath.startsWith('/t/'))) return tracking(req, res, url, method, options.tracking);

    let route: CompiledRoute | undefined;
    let match: RegExpExecArray | null = null;
    for (const candidate of compiled) {
      if (candidate.spec.method !== method) continue;
      match = candidate.pattern.exec(rawPath);
      if (match) {
        route = candidate;
        break;
      }
    }
    if (!route || !match) {
      problem(res, 404, 'Not found', `No route for ${method} ${rawPath}`);
      return 404;
    }
    const pathParameters = Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(match[i + 1] as string)]));

    // Headers keep the case the client sent them in, as API Gateway passes them on.
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      const value = req.rawHeaders[i + 1] as string;
      headers[name] = value;
      (multiValueHeaders[name] ??= []).push(value);
    }
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    headers['X-Forwarded-For'] ??= sourceIp;
    headers['X-Forwarded-Proto'] ??= 'http';
    headers['X-Forwarded-Port'] ??= String(req.socket.localPort ?? '');
    for (const name of ['X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Port']) multiValueHeaders[name] ??= [headers[name] as string];

    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) {
      query[key] = value;
      (multiQuery[key] ??= []).push(value);
    }
    const hasQuery = Object.keys(query).length > 0;
    const hasParams = Object.keys(pathParameters).length > 0;

    const body = await readBody(req);
    const contentType = req.headers['content-type'] ?? '';
    const isText = body.length === 0 || contentType === '' || TEXT_TYPES.test(contentType);

    const requestId = randomUUID();
    const now = new Date();
    const host = req.headers.host ?? '127.0.0.1';
    const methodArn = `arn:aws:execute-api:us-east-1:${ACCOUNT}:${API_ID}/${options.stage}/${method}${rawPath}`;
    const requestContext: APIGatewayProxyEvent['requestContext'] = {
      accountId: ACCOUNT,
      apiId: API_ID,
      authorizer: undefined,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      extendedRequestId: requestId,
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent: req.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: rawPath,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: route.spec.operationId,
      resourcePath: route.spec.path,
      stage: options.stage,
    };

    if (route.spec.access !== 'public') {
      const authorizerEvent: APIGatewayRequestAuthorizerEvent = {
        type: 'REQUEST',
        methodArn,
        resource: route.spec.path,
        path: rawPath,
        httpMethod: method,
        headers,
        multiValueHeaders,
        pathParameters: hasParams ? pathParameters : null,
        queryStringParameters: hasQuery ? query : null,
        multiValueQueryStringParameters: hasQuery ? multiQuery : null,
        stageVariables: null,
        requestContext: { ...requestContext, authorizer: undefined } as APIGatewayRequestAuthorizerEvent['requestContext'],
      };
      let result: APIGatewayAuthorizerResult & { usageIdentifierKey?: string };
      try {
        result = (await options.authorizer(authorizerEvent, lambdaContext('authorizer', 10, 512))) as typeof result;
      } catch (error) {
        if (error instanceof Error && error.message === 'Unauthorized') {
          problem(res, 401, 'Unauthorized', 'Missing or invalid credentials');
          return 401;
        }
        log(`authorizer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        problem(res, 500, 'Authorizer failure', 'The authorizer could not decide');
        return 500;
      }
      if (!result || !allows(result, methodArn)) {
        problem(res, 403, 'Forbidden', 'User is not authorized to access this resource');
        return 403;
      }
      const context: Record<string, unknown> = { ...(result.context ?? {}), principalId: result.principalId };
      const rate = Number(context.rateLimit);
      if (Number.isFinite(rate) && rate > 0 && !limiter.take(result.usageIdentifierKey ?? result.principalId, rate)) {
        problem(res, 429, 'Too many requests', 'Rate limit exceeded', { 'Retry-After': '1' });
        return 429;
      }
      (requestContext as { authorizer: unknown }).authorizer = { ...context, integrationLatency: Date.now() - started };
    }

    const event: APIGatewayProxyEvent = {
      resource: route.spec.path,
      path: rawPath,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: hasQuery ? query : null,
      multiValueQueryStringParameters: hasQuery ? multiQuery : null,
      pathParameters: hasParams ? pathParameters : null,
      stageVariables: null,
      requestContext,
      body: body.length === 0 ? null : isText ? body.toString('utf8') : body.toString('base64'),
      isBase64Encoded: body.length > 0 && !isText,
    };

    let result: APIGatewayProxyResult;
    try {
      result = (await options.api(event, lambdaContext('api', 29, 1024))) as APIGatewayProxyResult;
    } catch (error) {
      // Lambda errors reach the caller as API Gateway's 502.
      log(`api handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      problem(res, 502, 'Bad gateway', 'The API function failed');
      return 502;
    }
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) out[name] = String(value);
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) out[name] = values.map(String);
    res.writeHead(result.statusCode, out);
    res.end(result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
    return result.statusCode;
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    handle(req, res)
      .then((status) => log(`${req.method} ${req.url} ${status} ${Date.now() - started} ms`))
      .catch((error: unknown) => {
        log(`gateway error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!res.headersSent) problem(res, 500, 'Internal error', 'The local gateway failed');
        else res.end();
      });
  });
  const port = await listen(server, options.port ?? 0);
  return { url: `http://127.0.0.1:${port}`, stop: closer(server) };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves the built console (SPA: unknown paths get index.html) and its `/config.json`. */
export async function startConsoleServer(options: { port?: number; distDir: string; config: () => unknown }): Promise<RunningServer> {
  const root = resolve(options.distDir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path === '/config.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(options.config()));
      return;
    }
    const file = normalize(join(root, path));
    const inside = file.startsWith(root);
    const target = inside && existsSync(file) && statSync(file).isFile() ? file : join(root, 'index.html');
    if (!existsSync(target)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('The console is not built (npm run console:build)');
      return;
    }
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(target)] ?? 'application/octet-stream',
      // Hashed assets may be cached; index.html must not be, or a rebuild goes unseen.
      'Cache-Control': target.includes(`${root}/assets/`) ? 'max-age=31536000, immutable' : 'no-cache',
    });
    res.end(readFileSync(target));
  });
  const port = await listen(server, options.port ?? 0);
  return { url: `http://127.0.0.1:${port}`, stop: closer(server) };
}
