/**
 * Loading and calling Lambda handlers in this process, the way the Lambda runtime would: a
 * `handler` export from the manifest entry, called with a full event and a Context.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { functions, type FunctionDeclaration, type FunctionName } from '../manifest';

// Handlers differ in event and result types; the callers narrow them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LambdaHandler = (event: any, context: Context) => Promise<any>;

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(functions, name);
}

/**
 * Imports the handler named by the manifest. Must run after process.env is set: handlers read
 * their configuration once, at module scope, and fail fast when a variable is missing.
 */
export async function importHandler(name: FunctionName): Promise<LambdaHandler> {
  const declaration: FunctionDeclaration = functions[name];
  const module = (await import(pathToFileURL(resolve(repoRoot, declaration.entry)).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${declaration.entry} exports no handler function`);
  return module.handler as LambdaHandler;
}

/** A Context as Lambda passes it; the deadline follows the manifest's timeout. */
export function lambdaContext(name: string, timeoutSeconds = 30, memoryMb = 1024): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `pigeon-local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:pigeon-local-${name}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/pigeon-local-${name}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function contextFor(name: FunctionName): Context {
  const declaration: FunctionDeclaration = functions[name];
  return lambdaContext(name, declaration.timeoutSeconds, declaration.memoryMb);
}
