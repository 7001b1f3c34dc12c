/**
 * The API's one router: matches (httpMethod, resource) against shared/api/routes.ts, enforces the
 * route's access (the ONLY place roles are checked), reads the body, calls the route's Operation
 * and shapes every answer, errors included, with CORS headers and problem+json.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { principalFromAuthorizerContext, type Operation, type OperationRequest, type OperationResponse, type Principal } from '../api/operation';
import { routes, type OperationId, type RouteSpec } from '../api/routes';
import { roleAtLeast } from '../auth/roles';
import { ForbiddenError, MethodNotAllowedError, NotFoundError, UnauthorizedError } from '../errors';
import { logger as defaultLogger } from '../observability';
import { clientProblemOf, internalProblem, problemContentType, type Problem } from './problem';
import { baseUrlOf, lowerCaseHeaders, parseJsonBody, queryOf, rawBodyOf, verifyBodyHash } from './request';

/** Every operationId of routes.ts must have its Operation: a missing one is a compile error. */
export type OperationMap = Readonly<Record<OperationId, Operation>>;

export interface RouterOptions {
  /** The console's origin (CONSOLE_ORIGIN), the only one CORS lets read responses. */
  readonly allowedOrigin: string;
  readonly logger?: Pick<typeof defaultLogger, 'error' | 'warn'>;
  readonly routes?: readonly RouteSpec[];
}

export type Router = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface RouteMatch {
  readonly route: RouteSpec;
  readonly pathParameters: Record<string, string>;
}

/** `/contacts/{id}` → a regular expression over a request path, capturing each parameter. */
function templateRegExp(template: string): { regexp: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const parameter = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
      if (!parameter?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(parameter[1]);
      return '([^/]+)';
    })
    .join('/');
  return { regexp: new RegExp(`^${source}/?$`), names };
}

export function createRouteMatcher(table: readonly RouteSpec[] = routes) {
  const templates = [...new Set(table.map((route) => route.path))].map((path) => ({ path, ...templateRegExp(path) }));

  /** The template a request addresses: API Gateway's `resource` when it names one, else the path. */
  function templateOf(resource: string | undefined, path: string | undefined): { template: string; parameters: Record<string, string> } | undefined {
    if (resource && templates.some((t) => t.path === resource)) return { template: resource, parameters: {} };
    // A `{proxy+}` resource (or a gateway that sets no resource) still routes by the path.
    for (const candidate of [path, resource]) {
      if (!candidate) continue;
      for (const t of templates) {
        const match = t.regexp.exec(candidate);
        if (!match) continue;
        const parameters: Record<string, string> = {};
        t.names.forEach((name, i) => {
          const value = match[i + 1] ?? '';
          try {
            parameters[name] = decodeURIComponent(value);
          } catch {
            parameters[name] = value;
          }
        });
        return { template: t.path, parameters };
      }
    }
    return undefined;
  }

  return function match(method: string, resource: string | undefined, path: string | undefined): RouteMatch {
    const found = templateOf(resource, path);
    if (!found) throw new NotFoundError(`No route for ${path ?? resource ?? '/'}`);
    const candidates = table.filter((route) => route.path === found.template);
    const route = candidates.find((r) => r.method === method.toUpperCase());
    if (!route) {
      const allow = candidates.map((r) => r.method);
      throw new MethodNotAllowedError(`${found.template} does not accept ${method.toUpperCase()}; it accepts ${allow.join(', ')}`, allow);
    }
    return { route, pathParameters: found.parameters };
  };
}

/**
 * The principal a route may act as. Public routes take no identity; the others need a complete
 * authorizer context (401) and at least the route's role (403).
 */
export function authorize(route: RouteSpec, authorizerContext: APIGatewayProxyEvent['requestContext']['authorizer']): Principal | undefined {
  if (route.access === 'public') return undefined;
  const principal = principalFromAuthorizerContext(authorizerContext);
  if (!roleAtLeast(principal.role, route.access)) {
    throw new ForbiddenError(`${route.operationId} needs the ${route.access} role or higher; this ${principal.kind === 'apiKey' ? 'API key' : 'user'} has ${principal.role}`);
  }
  return principal;
}

export function corsHeaders(allowedOrigin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': allowedOrigin,
    'Access-Control-Allow-Credentials': 'false',
    'Access-Control-Expose-Headers': 'Location, ETag, Allow',
    Vary: 'Origin',
  };
}

const preflightHeaders = 'Authorization, Content-Type, If-Match, X-Pigeon-Date, X-Pigeon-Nonce, X-Pigeon-Content-SHA256';

export function createRouter(operations: OperationMap, options: RouterOptions): Router {
  const match = createRouteMatcher(options.routes ?? routes);
  const log = options.logger ?? defaultLogger;
  const cors = corsHeaders(options.allowedOrigin);

  const problemResult = (problem: Problem, extraHeaders: Record<string, string> = {}): APIGatewayProxyResult => ({
    statusCode: problem.status,
    headers: { ...cors, ...extraHeaders, 'Content-Type': problemContentType },
    body: JSON.stringify(problem),
  });

  const resultOf = (response: OperationResponse): APIGatewayProxyResult => {
    const hasBody = response.body !== undefined && response.status !== 204 && response.status !== 304;
    return {
      statusCode: response.status,
      headers: { ...cors, ...(hasBody ? { 'Content-Type': 'application/json; charset=utf-8' } : {}), ...response.headers },
      body: hasBody ? JSON.stringify(response.body) : '',
    };
  };

  return async function route(event) {
    const requestId = event.requestContext?.requestId ?? 'unknown';
    const context = { instance: event.path ?? event.resource, requestId };
    try {
      // CORS preflight: answered here for any known path, before identity (browsers send none).
      if (event.httpMethod === 'OPTIONS') {
        let allow: readonly string[];
        try {
          match('OPTIONS', event.resource, event.path);
          allow = [];
        } catch (error) {
          if (!(error instanceof MethodNotAllowedError)) throw error;
          allow = error.allow;
        }
        return {
          statusCode: 204,
          headers: {
            ...cors,
            'Access-Control-Allow-Methods': [...allow, 'OPTIONS'].join(', '),
            'Access-Control-Allow-Headers': preflightHeaders,
            'Access-Control-Max-Age': '600',
          },
          body: '',
        };
      }

      const { route: spec, pathParameters } = match(event.httpMethod, event.resource, event.path);
      const principal = authorize(spec, event.requestContext?.authorizer);
      const headers = lowerCaseHeaders(event);
      const raw = rawBodyOf(event);
      verifyBodyHash(principal, headers, raw);
      const request: OperationRequest = {
        ...(principal ? { principal } : {}),
        pathParameters: { ...pathParameters, ...stringRecord(event.pathParameters) },
        query: queryOf(event),
        body: parseJsonBody(raw),
        headers,
        requestId,
        baseUrl: baseUrlOf(event, headers),
      };
      const operation = operations[spec.operationId as OperationId];
      if (!operation) throw new Error(`No operation registered for ${spec.operationId}`);
      return resultOf(await operation(request));
    } catch (error) {
      const problem = clientProblemOf(error, context);
      if (problem) {
        const allow: Record<string, string> = error instanceof MethodNotAllowedError ? { Allow: error.allow.join(', ') } : {};
        if (problem.status === 401 || problem.status === 403) log.warn('Request refused', { status: problem.status, detail: problem.detail });
        return problemResult(problem, allow);
      }
      log.error('Unhandled error', { requestId, error: error instanceof Error ? error : String(error) });
      return problemResult(internalProblem(context));
    }
  };
}

function stringRecord(value: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value ?? {})) if (v !== undefined) out[key] = v;
  return out;
}

/** Operation helpers: the principal a protected route always has. */
export function principalOf(request: OperationRequest): Principal {
  if (!request.principal) throw new UnauthorizedError('The request carries no valid identity');
  return request.principal;
}
