/**
 * Logger, metrics and tracer, built once per container at module scope (never per call), so
 * every handler and use case shares one instance and its cold-start state.
 *
 * Settings come from Powertools' own variables (POWERTOOLS_SERVICE_NAME,
 * POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL, POWERTOOLS_TRACE_ENABLED,
 * POWERTOOLS_METRICS_DISABLED), which CDK and the sandbox set; the defaults below only name the
 * service when a unit test imports this without them.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { logger, serviceName } from './logger';

export { logger };
export const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'Pigeon' });
export const tracer = new Tracer({ serviceName });
