/**
 * The one Logger, apart from observability.ts so a latency-critical function (the tracking
 * endpoints) can log without loading the Tracer: importing it loads the X-Ray SDK, whose async
 * hooks slow every await in the process even with tracing off.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'pigeon';

export const logger = new Logger({ serviceName });
