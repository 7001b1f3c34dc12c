/**
 * REQUEST authorizer (caching off): console ID tokens and signed partner requests.
 * Invalid → throw 'Unauthorized' (401); authenticated but not allowed to act → explicit Deny (403);
 * valid → Allow with the principal in the context and, for API keys, the usage-plan key.
 * Logs say who and why, never a token, signature or secret.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authorizerContextOf } from '../../shared/api/operation';
import { createAuthorizer, NotAuthenticated, type AuthorizationRequest, type Decision } from '../../shared/auth/authorizer';
import { jwtVerifierFromEnv } from '../../shared/auth/jwt';
import { identityStoreFromEnv, nonceStoreFromEnv, secretCipherFromEnv } from '../../shared/identity/deps-from-env';
import { logger } from '../../shared/observability';
import { systemClock } from '../../shared/ports/clock';
import { optional } from '../../shared/config';

// Console users share one usage plan key in AWS (methods callable by partners require a key);
// partners each have their own. Locally no usage plans apply, so it is absent.
const consoleUsageKey = optional('CONSOLE_USAGE_KEY');

let authorize: ((request: AuthorizationRequest) => Promise<Decision>) | undefined;
// Built on the first event and kept for the container's life (JWKS cache, SDK clients).
const authorizer = () =>
  (authorize ??= createAuthorizer({
    store: identityStoreFromEnv(),
    nonces: nonceStoreFromEnv(),
    cipher: secretCipherFromEnv(),
    verifyJwt: jwtVerifierFromEnv(),
    clock: systemClock,
  }));

function policy(effect: 'Allow' | 'Deny', principalId: string, resource: string) {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  };
}

function queryOf(event: APIGatewayRequestAuthorizerEvent): Record<string, string | string[]> | null {
  // Prefer every value of a repeated key; API Gateway's single-value map keeps only the last.
  const multi = event.multiValueQueryStringParameters;
  if (multi && Object.keys(multi).length > 0) return multi as Record<string, string[]>;
  return (event.queryStringParameters as Record<string, string> | null) ?? null;
}

async function lambdaHandler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  let decision: Decision;
  try {
    decision = await authorizer()({
      headers: (event.headers as Record<string, string | undefined> | null) ?? {},
      method: event.httpMethod,
      path: event.path,
      query: queryOf(event),
    });
  } catch (error) {
    if (error instanceof NotAuthenticated) {
      logger.info('Unauthorized', { reason: error.message, path: event.path, method: event.httpMethod });
      // API Gateway answers 401 only for exactly this message.
      throw new Error('Unauthorized', { cause: error });
    }
    throw error;
  }
  const { principal } = decision;
  if (decision.effect === 'Deny') {
    logger.info('Denied', { principalId: principal.id, kind: principal.kind, reason: decision.reason });
    return { ...policy('Deny', principal.id, event.methodArn), context: { reason: decision.reason } };
  }
  const usageIdentifierKey = principal.kind === 'user' ? consoleUsageKey : decision.usageIdentifierKey;
  logger.debug('Allowed', { principalId: principal.id, kind: principal.kind, role: principal.role });
  return {
    ...policy('Allow', principal.id, event.methodArn),
    context: authorizerContextOf(principal, decision.rateLimit !== undefined ? { rateLimit: String(decision.rateLimit) } : {}),
    ...(usageIdentifierKey ? { usageIdentifierKey } : {}),
  };
}

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
