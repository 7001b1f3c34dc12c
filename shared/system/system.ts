/** System routes: liveness with the running version, and the API's own OpenAPI document. */
import { version } from '../../package.json';
import type { Operation } from '../api/operation';
import type { OperationId } from '../api/routes';
import { required } from '../config';
import { buildOpenApiDocument } from '../openapi/document';

export interface Health {
  readonly status: 'ok';
  readonly version: string;
  readonly stage: string;
}

export interface SystemDeps {
  readonly stage: string;
}

export function getHealth(deps: SystemDeps): Health {
  return { status: 'ok', version, stage: deps.stage };
}

let document: ReturnType<typeof buildOpenApiDocument> | undefined;

/** The document as committed (openapi.json), plus the server the caller reached. */
export function getOpenApi(baseUrl: string): Record<string, unknown> {
  document ??= buildOpenApiDocument();
  return { ...document, servers: [{ url: baseUrl }] };
}

export type SystemOperationId = Extract<OperationId, 'getHealth' | 'getOpenApi'>;

export function createSystemOperations(deps: SystemDeps): Record<SystemOperationId, Operation> {
  return {
    getHealth: async () => ({ status: 200, body: getHealth(deps), headers: { 'Cache-Control': 'no-store' } }),
    getOpenApi: async (request) => ({ status: 200, body: getOpenApi(request.baseUrl), headers: { 'Cache-Control': 'max-age=300' } }),
  };
}

/** PIGEON_STAGE names the deployment; health reports it so a caller knows which one answered. */
export function systemDepsFromEnv(): SystemDeps {
  return { stage: required('PIGEON_STAGE') };
}
