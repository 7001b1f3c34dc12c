/**
 * Errors a use case throws for a client's mistake. The HTTP layer turns each into an
 * RFC 9457 problem (application/problem+json) with the status below; anything else is a 500.
 */
export interface FieldError {
  /** Dotted path of the offending field, e.g. `email` or `tags.2`. */
  readonly field: string;
  readonly message: string;
}

export abstract class ClientError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  readonly errors: readonly FieldError[];
  constructor(detail: string, errors: readonly FieldError[] = []) {
    super(detail);
    this.errors = errors;
  }
}

export class ValidationError extends ClientError {
  override readonly name = 'ValidationError';
  readonly status = 400;
  readonly title = 'Invalid request';
}

export class UnauthorizedError extends ClientError {
  override readonly name = 'UnauthorizedError';
  readonly status = 401;
  readonly title = 'Unauthorized';
}

export class ForbiddenError extends ClientError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
  readonly title = 'Forbidden';
}

export class NotFoundError extends ClientError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly title = 'Not found';
}

export class ConflictError extends ClientError {
  override readonly name = 'ConflictError';
  readonly status = 409;
  readonly title = 'Conflict';
}

export class PayloadTooLargeError extends ClientError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly title = 'Payload too large';
}

export class TooManyRequestsError extends ClientError {
  override readonly name = 'TooManyRequestsError';
  readonly status = 429;
  readonly title = 'Too many requests';
}

export class MethodNotAllowedError extends ClientError {
  override readonly name = 'MethodNotAllowedError';
  readonly status = 405;
  readonly title = 'Method not allowed';
  /** The methods the resource does accept (the response's Allow header). */
  readonly allow: readonly string[];
  constructor(detail: string, allow: readonly string[]) {
    super(detail);
    this.allow = allow;
  }
}

export class PreconditionFailedError extends ClientError {
  override readonly name = 'PreconditionFailedError';
  readonly status = 412;
  readonly title = 'Precondition failed';
}
