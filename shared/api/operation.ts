/**
 * What a route's code sees and returns, free of API Gateway's event shape. The API handler
 * (functions/api) parses the proxy event into an OperationRequest, checks the route's role,
 * calls the Operation registered under the route's operationId, and shapes the response.
 */
import type { Role } from '../auth/roles';
import { isRole } from '../auth/roles';
import { UnauthorizedError } from '../errors';

export interface Principal {
  readonly kind: 'user' | 'apiKey';
  /** User id (Cognito `sub` / local issuer `sub`) or API key id. */
  readonly id: string;
  readonly workspaceId: string;
  readonly role: Role;
  readonly departmentId?: string;
  readonly email?: string;
  readonly name?: string;
}

export interface OperationRequest {
  /** Absent only on public routes. */
  readonly principal?: Principal;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** Parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly requestId: string;
  /** The API's own base URL as the caller reached it (for Location headers and links). */
  readonly baseUrl: string;
}

export interface OperationResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Operation = (request: OperationRequest) => Promise<OperationResponse>;

/**
 * The authorizer's context as API Gateway hands it to the integration: string values only.
 * Keys: principalId, kind, workspaceId, role, departmentId?, email?, name?, rateLimit?.
 */
export type AuthorizerContext = Readonly<Record<string, string | number | boolean | null | undefined>>;

export function authorizerContextOf(principal: Principal, extra: Record<string, string> = {}): Record<string, string> {
  const context: Record<string, string> = {
    kind: principal.kind,
    workspaceId: principal.workspaceId,
    role: principal.role,
    ...extra,
  };
  if (principal.departmentId) context.departmentId = principal.departmentId;
  if (principal.email) context.email = principal.email;
  if (principal.name) context.name = principal.name;
  return context;
}

/** Rebuilds the Principal from the authorizer context; rejects anything incomplete. */
export function principalFromAuthorizerContext(context: AuthorizerContext | null | undefined): Principal {
  const text = (key: string): string | undefined => {
    const value = context?.[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const kind = text('kind');
  const id = text('principalId');
  const workspaceId = text('workspaceId');
  const role = text('role');
  if ((kind !== 'user' && kind !== 'apiKey') || !id || !workspaceId || !isRole(role)) {
    throw new UnauthorizedError('The request carries no valid identity');
  }
  return {
    kind,
    id,
    workspaceId,
    role,
    ...(text('departmentId') ? { departmentId: text('departmentId') } : {}),
    ...(text('email') ? { email: text('email') } : {}),
    ...(text('name') ? { name: text('name') } : {}),
  };
}
