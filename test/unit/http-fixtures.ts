/** Builds API Gateway REST proxy events from the committed sample (events/api/health.json). */
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { authorizerContextOf, type Principal } from '../../shared/api/operation';

const sample = JSON.parse(readFileSync(new URL('../../events/api/health.json', import.meta.url), 'utf8')) as APIGatewayProxyEvent;

export function loadSampleEvent(name: string): APIGatewayProxyEvent {
  return JSON.parse(readFileSync(new URL(`../../events/api/${name}`, import.meta.url), 'utf8')) as APIGatewayProxyEvent;
}

export interface EventOptions {
  readonly method: string;
  readonly resource: string;
  readonly path?: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** null: no authorizer context at all (a public route, or a request that skipped the authorizer). */
  readonly principal?: Principal | null;
  readonly isBase64Encoded?: boolean;
}

let counter = 0;

export function apiEvent(options: EventOptions): APIGatewayProxyEvent {
  const path = options.path ?? options.resource.replace(/\{(\w+)\}/g, (_, name: string) => options.pathParameters?.[name] ?? name);
  const body = options.body === undefined ? null : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...(sample.headers as Record<string, string>), ...(body !== null ? { 'Content-Type': 'application/json' } : {}), ...options.headers };
  const principal = options.principal;
  const authorizer = principal ? { principalId: principal.id, ...authorizerContextOf(principal), integrationLatency: 3 } : undefined;
  counter += 1;
  return {
    ...sample,
    resource: options.resource,
    path,
    httpMethod: options.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: options.query ? Object.fromEntries(Object.entries(options.query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: options.pathParameters ?? null,
    body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      ...sample.requestContext,
      resourcePath: options.resource,
      httpMethod: options.method,
      path: `/prod${path}`,
      requestId: `test-request-${counter}`,
      ...(authorizer ? { authorizer } : {}),
    },
  };
}

export const lambdaContext = (): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'pigeon-test-api',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:pigeon-test-api',
  memoryLimitInMB: '1024',
  awsRequestId: `aws-request-${(counter += 1)}`,
  logGroupName: '/aws/lambda/pigeon-test-api',
  logStreamName: '2026/11/23/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 29_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

export const userPrincipal = (role: Principal['role'], workspaceId = 'ws_test'): Principal => ({
  kind: 'user',
  id: `user-${role}`,
  workspaceId,
  role,
  email: `${role}@pigeon.test`,
});
