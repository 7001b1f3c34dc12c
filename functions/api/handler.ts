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
import { campaignRenderer } from '../../shared/campaigns/preview';
import * as content from '../../shared/content';
import { s3BlobStore } from '../../shared/adapters/aws/blob-store.s3';
import { importFilesFromEnv } from '../../shared/adapters/aws/import-files.s3';
import { optional, required } from '../../shared/config';
import { contactDepsFromEnv, createContactOperations } from '../../shared/contacts/operations';
import { createRouter, type OperationMap } from '../../shared/http/router';
import { createExportOperations, exportDepsFromEnv } from '../../shared/exports/operations';
import { createIdentityOperations, identityDepsFromEnv } from '../../shared/identity/operations';
import { createImportOperations, importDepsFromEnv } from '../../shared/imports/job/operations';
import { logger, metrics, tracer } from '../../shared/observability';
import { createEngagementOperations } from '../../shared/engagement/operations';
import { reportOperationDepsFromEnv } from '../../shared/reports/deps-from-env';
import { createReportOperations } from '../../shared/reports/operations';
import { createSuppressionOperations } from '../../shared/suppression/operations';
import { createSegmentOperations, segmentDepsFromEnv } from '../../shared/segments/operations';
import { createSystemOperations, systemDepsFromEnv } from '../../shared/system/system';

/** Previews render with the content module exactly as the mail worker does; senders checked against MAIL_VERIFIED_DOMAINS. */
function campaignRendererFromEnv() {
  const verifiedDomains = optional('MAIL_VERIFIED_DOMAINS')?.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean);
  return campaignRenderer(
    {
      compileMessage: content.compileMessage,
      renderMessage: content.renderMessage,
      presendCheck: (c, ctx) => content.presendCheck(c, ctx, verifiedDomains ? { verifiedDomains } : {}),
    },
    { baseUrl: required('ASSETS_BASE_URL'), store: s3BlobStore('assets') },
  );
}

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
  ...createCampaignOperations(() => campaignDepsFromEnv({ renderer: campaignRendererFromEnv }), {
    contactLookup: contactLookupOf(contactDeps),
    contentFiles: () => ({ uploads: importFilesFromEnv(), assets: s3BlobStore('assets'), assetsBaseUrl: required('ASSETS_BASE_URL'), importers: content }),
  }),
  ...createSuppressionOperations(),
  ...createEngagementOperations({ contacts: contactDeps }),
  ...createReportOperations(reportOperationDepsFromEnv()),
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
