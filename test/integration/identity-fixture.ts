/**
 * A local identity environment for integration tests: dynalite with the manifest's tables, a
 * keys folder, and the local issuer's JWKS served over HTTP (as the sandbox's gateway does).
 * Sets the same environment variables the sandbox sets, with PIGEON_RUNTIME=local.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { createTables, startDynalite, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { freePort } from '../../infra/local/emulators/net';
import { loadLocalIssuer, type LocalIssuer } from '../../shared/auth/local-issuer';

export interface IdentityFixture {
  readonly issuer: LocalIssuer;
  readonly keysDir: string;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startIdentityFixture(): Promise<IdentityFixture> {
  const dynamo: RunningDynamo = await startDynalite();
  const tables = await createTables(dynamo.endpoint, 'identity-test');
  const keysDir = await mkdtemp(join(tmpdir(), 'pigeon-keys-'));
  const issuer = await loadLocalIssuer(keysDir);
  const port = await freePort();
  const server: Server = createServer((request, response) => {
    if (request.url === '/.well-known/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks()));
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...tables,
    PIGEON_RUNTIME: 'local',
    PIGEON_STAGE: 'test',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    LOCAL_KEYS_DIR: keysDir,
    JWKS_URL: `${base}/.well-known/jwks.json`,
    JWT_ISSUER: `${base}/local-issuer`,
    JWT_AUDIENCE: 'pigeon-console',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  return {
    issuer,
    keysDir,
    env,
    async stop() {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dynamo.stop();
      await rm(keysDir, { recursive: true, force: true });
    },
  };
}

export const lambdaContext = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'pigeon-test-authorizer',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:pigeon-test-authorizer',
  memoryLimitInMB: '512',
  awsRequestId: 'test-request',
  logGroupName: '/aws/lambda/pigeon-test-authorizer',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 10_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
} as Context;
