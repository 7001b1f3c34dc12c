/**
 * The console's HTTP client for the Pigeon API: JSON in and out, bearer token, and problem+json
 * (RFC 9457) errors turned into ApiError so screens can show `detail` and per-field messages.
 */
export type Role = 'admin' | 'manager' | 'operator' | 'viewer';

export interface SignedInUser {
  readonly id: string;
  readonly email: string;
  readonly name?: string;
  readonly role: Role;
  readonly workspaceId: string;
  /** Absent in sessions saved before the API returned it; the console then shows the id. */
  readonly workspaceName?: string;
  readonly departmentId?: string;
}

export interface SignInResult {
  readonly idToken: string;
  /** Seconds. */
  readonly expiresIn: number;
  readonly user: SignedInUser;
}

// The API's own contact type: type-only, erased from the bundle, so the console cannot drift from it.
import type { Contact } from '../../shared/contacts/contact';
export type { Contact, ContactStatus, Gender } from '../../shared/contacts/contact';

export interface ContactPage {
  readonly items: readonly Contact[];
  readonly nextCursor?: string;
}

/** Fields a create sends (absent = not set) or an update sends (null = clear). */
export type ContactInput = Partial<Record<Exclude<keyof Contact, 'id' | 'tags' | 'createdAt' | 'updatedAt' | 'version'>, string | null>> & {
  tags?: string[];
};

// Identity shapes, type-only like Contact above.
import type { ApiKey, Department, User } from '../../shared/identity/model';
export type { ApiKey, Department, User, UserStatus } from '../../shared/identity/model';

export interface Items<T> {
  readonly items: readonly T[];
}

/** A create sends the initial password; `expiresAt` is a date (valid through that day, UTC). */
export interface UserInput {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly password: string;
  readonly status?: User['status'];
  readonly departmentId?: string;
  readonly expiresAt?: string;
}

/** The fields an admin may change; `null` clears department or expiry. */
export interface UserChanges {
  name?: string;
  role?: Role;
  status?: User['status'];
  departmentId?: string | null;
  expiresAt?: string | null;
}

export interface ApiKeyInput {
  readonly name: string;
  readonly role: Role;
  /** Requests per second; a string the user typed is passed on for the API to judge. */
  readonly rateLimit: number | string;
}

/** How to sign requests with a new key, as the API describes it alongside the secret. */
export interface ApiKeyUsage {
  readonly algorithm: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly stringToSign: string;
  readonly rateLimit: { readonly requestsPerSecond: number; readonly burst: number };
  readonly note: string;
}

/** The answer to creating a key: the only time the secret is ever sent. */
export interface CreatedApiKey extends ApiKey {
  readonly secret: string;
  readonly usage: ApiKeyUsage;
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly FieldProblem[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
  }
  get status(): number {
    return this.problem.status;
  }
}

/** The request never got an HTTP answer (offline, DNS, CORS refusal). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

export interface ApiClientOptions {
  readonly apiUrl: string;
  readonly token?: () => string | undefined;
  /** Called when an authenticated call answers 401: the token expired or was revoked. */
  readonly onUnauthorized?: () => void;
}

async function problemOf(response: Response): Promise<Problem> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined; // API Gateway's own 401/403 bodies or an HTML error page
  }
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const errors = Array.isArray(record.errors)
    ? record.errors.filter(
        (item): item is FieldProblem =>
          typeof item === 'object' && item !== null && typeof (item as FieldProblem).field === 'string',
      )
    : undefined;
  return {
    status: response.status,
    ...(typeof record.type === 'string' ? { type: record.type } : {}),
    ...(typeof record.title === 'string' ? { title: record.title } : {}),
    // API Gateway's authorizer rejections carry `message` rather than `detail`.
    ...(typeof record.detail === 'string'
      ? { detail: record.detail }
      : typeof record.message === 'string'
        ? { detail: record.message }
        : {}),
    ...(errors ? { errors } : {}),
  };
}

export function createApiClient(options: ApiClientOptions) {
  async function request<T>(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    const token = options.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${options.apiUrl}${path}`, {
        method,
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
    } catch (error) {
      throw new NetworkError(error instanceof Error ? error.message : String(error));
    }
    if (!response.ok) {
      const problem = await problemOf(response);
      if (response.status === 401 && token) options.onUnauthorized?.();
      throw new ApiError(problem);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  return {
    signIn: (email: string, password: string) => request<SignInResult>('POST', '/auth/sign-in', { body: { email, password } }),
    listContacts: (params: { q?: string; cursor?: string; limit?: number }) => {
      const query = new URLSearchParams();
      if (params.q) query.set('q', params.q);
      if (params.cursor) query.set('cursor', params.cursor);
      if (params.limit) query.set('limit', String(params.limit));
      const search = query.toString();
      const suffix = search ? `?${search}` : '';
      return request<ContactPage>('GET', `/contacts${suffix}`);
    },
    createContact: (input: ContactInput) => request<Contact>('POST', '/contacts', { body: input }),
    updateContact: (id: string, changes: ContactInput, version?: number) =>
      request<Contact>('PATCH', `/contacts/${encodeURIComponent(id)}`, {
        body: changes,
        ...(version !== undefined ? { headers: { 'if-match': String(version) } } : {}),
      }),
    deleteContact: (id: string) => request<void>('DELETE', `/contacts/${encodeURIComponent(id)}`),

    listDepartments: () => request<Items<Department>>('GET', '/departments'),
    createDepartment: (name: string) => request<Department>('POST', '/departments', { body: { name } }),
    listUsers: () => request<Items<User>>('GET', '/users'),
    createUser: (input: UserInput) => request<User>('POST', '/users', { body: input }),
    updateUser: (id: string, changes: UserChanges) => request<User>('PATCH', `/users/${encodeURIComponent(id)}`, { body: changes }),
    listApiKeys: () => request<Items<ApiKey>>('GET', '/api-keys'),
    createApiKey: (input: ApiKeyInput) => request<CreatedApiKey>('POST', '/api-keys', { body: input }),
    revokeApiKey: (id: string) => request<void>('DELETE', `/api-keys/${encodeURIComponent(id)}`),

    /** Any call, for feature modules that keep their own typed wrappers (jobs-api.ts). */
    request,
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
