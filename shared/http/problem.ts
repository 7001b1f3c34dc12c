/**
 * RFC 9457 problem details. Every error the API answers with goes through here, so clients see
 * one shape: `{ type, title, status, detail, instance?, requestId?, errors?: [{field, message}] }`.
 */
import { z } from 'zod';
import { ClientError, type FieldError } from '../errors';

export const problemContentType = 'application/problem+json';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly requestId?: string;
  readonly errors?: readonly FieldError[];
}

/** `ValidationError` → `urn:pigeon:problem:validation`: stable, and needs no website to exist. */
export function problemType(errorName: string): string {
  const slug = errorName
    .replace(/Error$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
  return `urn:pigeon:problem:${slug || 'error'}`;
}

/** Zod issues as field errors; `unrecognized_keys` names each unknown key as its own field. */
export function fieldErrorsOf(error: z.ZodError, root = 'body'): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ field: base ? `${base}.${key}` : key, message: 'Unknown field' });
      }
    } else {
      out.push({ field: base || root, message: issue.message });
    }
  }
  return out;
}

export interface ProblemContext {
  readonly instance?: string;
  readonly requestId?: string;
}

/** A client error (or a zod error that escaped a use case) as a problem; undefined for anything else. */
export function clientProblemOf(error: unknown, context: ProblemContext = {}): Problem | undefined {
  if (error instanceof ClientError) {
    return {
      type: problemType(error.name),
      title: error.title,
      status: error.status,
      detail: error.message,
      ...context,
      ...(error.errors.length > 0 ? { errors: error.errors } : {}),
    };
  }
  if (error instanceof z.ZodError) {
    const errors = fieldErrorsOf(error);
    return {
      type: problemType('ValidationError'),
      title: 'Invalid request',
      status: 400,
      detail: `Invalid ${errors.map((e) => e.field).join(', ')}`,
      ...context,
      errors,
    };
  }
  return undefined;
}

/** The answer to anything unexpected: nothing about the cause, only the id to quote. */
export function internalProblem(context: ProblemContext = {}): Problem {
  return {
    type: problemType('InternalError'),
    title: 'Internal server error',
    status: 500,
    detail: 'Something went wrong on our side. Quote the request id if you report it.',
    ...context,
  };
}
