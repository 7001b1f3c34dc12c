/** Turning an API problem into messages by form input, for the catalogue pages' forms. */
import { ApiError, NetworkError } from './api';
import { type I18n } from './i18n/I18nProvider';

export interface FormProblem {
  /** Summary above the form (the API's own words when it gave some). */
  readonly message?: string;
  /** Problem field (`name`, `validation.options`, `custom.size`, `sharedWith.0.id` …) → message. */
  readonly fields: Readonly<Record<string, string>>;
}

/** The API's terse "Required" reads better in the user's language; other messages are the API's. */
export function fieldMessage(t: I18n['t'], message: string): string {
  return message === 'Required' ? t('catalog.required') : message;
}

export function problemOf(t: I18n['t'], error: unknown, known?: (field: string) => boolean): FormProblem {
  if (error instanceof NetworkError) return { message: t('common.network'), fields: {} };
  if (!(error instanceof ApiError)) return { message: t('common.unexpected', { status: '?' }), fields: {} };
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const problem of error.problem.errors ?? []) {
    const field = problem.field.replace(/^body\./, '');
    const message = fieldMessage(t, problem.message);
    if (!known || known(field)) fields[field] = fields[field] ? `${fields[field]} ${message}` : message;
    else rest.push(`${field}: ${message}`);
  }
  const marked = Object.keys(fields).length > 0;
  const detail = error.problem.detail ?? t('common.unexpected', { status: error.status });
  // A 400 whose problems all sit by their inputs needs only a pointer; anything else says what happened.
  const message = error.status === 400 && marked && rest.length === 0 ? t('common.fixErrors') : [detail, ...rest].join(' ');
  return { message, fields };
}

/** The message for `field` or for any of its parts (`validation.options.2` belongs to `validation.options`). */
export function messageFor(fields: Readonly<Record<string, string>>, field: string): string | undefined {
  const own = Object.entries(fields)
    .filter(([key]) => key === field || key.startsWith(`${field}.`))
    .map(([, message]) => message);
  return own.length > 0 ? own.join(' ') : undefined;
}
