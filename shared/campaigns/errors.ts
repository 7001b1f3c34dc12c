/** Errors of the campaign module beyond shared/errors.ts. */
import { ClientError } from '../errors';

/** 503: a capability this deployment does not have configured (e.g. no renderer for previews). */
export class ServiceUnavailableError extends ClientError {
  override readonly name = 'ServiceUnavailableError';
  readonly status = 503;
  readonly title = 'Service unavailable';
}
