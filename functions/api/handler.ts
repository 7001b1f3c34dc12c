/**
 * The REST API: one Lambda for every route in shared/api/routes.ts. Thin on purpose: Powertools
 * middleware, then the router (role check, body, problems, CORS) and the route's Operation.
 * Operations and their adapters are built once per container, at module scope.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { campaignDepsFromEnv, contactLookupOf, createCampaignOperations } from '../../shared/campaigns/operations';
import { required } from '../../shared/config';
import { contactDepsFromEnv, createContactOperations } from '../../shared/contacts/operations';
import { createRouter, type OperationMap } from '../../shared/http/router';
import { createExportOperations, exportDepsFromEnv } from '../../shared/exports/operations';
import { createIdentityOperations, identityDepsFromEnv } from '../../shared/identity/operations';
import { createImportOperations, importDepsFromEnv } from '../../shared/imports/job/operations';
import { logger, metrics, tracer } from '../../shared/observability';
import { createSegmentOperations, segmentDepsFromEnv } from '../../shared/segments/operations';
import { createSystemOperations, systemDepsFromEnv } from '../../shared/system/system';

// `satisfies OperationMap`: a route in routes.ts without its Operation does not compile.
// Segments and exports share the contact deps (one definitions cache per container).
const contactDeps = contactDepsFromEnv();
const segmentDeps = segmentDepsFromEnv(contactDeps);

const operations = {
  ...createIdentityOperations(identityDepsFromEnv()),
  ...createContactOperations(contactDeps),
  ...createSegmentOperations(segmentDeps),
  ...createExportOperations(exportDepsFromEnv(contactDeps, () => segmentDeps.segments)),
  ...createSystemOperations(systemDepsFromEnv()),
  ...createImportOperations(importDepsFromEnv),
  ...createCampaignOperations(() => campaignDepsFromEnv(), { contactLookup: contactLookupOf(contactDeps) }),
} satisfies OperationMap;

const route = createRouter(operations, { allowedOrigin: required('CONSOLE_ORIGIN'), logger });

async function api(event: APIGatewayProxyEvent, _context: Context): Promise<APIGatewayProxyResult> {
  const result = await route(event);
  // Every invocation publishes: 4xx and 5xx rates are what the alarms and dashboards watch.
  metrics.addMetric('Requests', MetricUnit.Count, 1);
  metrics.addMetric('ClientErrors', MetricUnit.Count, result.statusCode >= 400 && result.statusCode < 500 ? 1 : 0);
  metrics.addMetric('ServerErrors', MetricUnit.Count, result.statusCode >= 500 ? 1 : 0);
  return result;
}

export const handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult> = middy(api)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use(captureLambdaHandler(tracer));
