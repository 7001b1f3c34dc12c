/**
 * s3rver: S3 on the local file system. Objects land under `<directory>/<bucket>/<key>._S3rver_object`,
 * which is what the DuckDB query engine reads for the lake. s3rver emits an S3 event for every
 * object written or removed; listeners registered with onEvent receive it as an S3Event, the
 * hook through which an upload will start the import function.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { S3Event } from 'aws-lambda';
import { localCredentials } from './dynamodb';
import { freePort } from './net';

export interface RunningS3 {
  readonly endpoint: string;
  readonly directory: string;
  onEvent(listener: (event: S3Event) => void): void;
  stop(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  on(event: 'event', listener: (event: S3Event) => void): void;
  httpServer?: Server;
}

/** The file s3rver keeps an object's bytes in. */
export const s3rverObjectSuffix = '._S3rver_object';

export async function startS3rver(options: { directory: string; buckets: readonly string[]; port?: number }): Promise<RunningS3> {
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
  // s3rver knows one key pair (S3RVER); add the one every local client uses (config.ts).
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
  DUMMY_ACCOUNT.createKeyPair(localCredentials.accessKeyId, localCredentials.secretAccessKey);
  const port = options.port ?? (await freePort());
  // Browsers upload to local buckets through presigned URLs from the console's origin.
  const cors = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>`;
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory: options.directory,
    // Path-style only (S3_FORCE_PATH_STYLE): no virtual-host bucket names on localhost.
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [cors] })),
  });
  await server.run();
  const listeners: ((event: S3Event) => void)[] = [];
  server.on('event', (event) => listeners.forEach((listener) => listener(event)));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory: options.directory,
    onEvent: (listener) => listeners.push(listener),
    stop: () =>
      new Promise<void>((resolve) => {
        const http = server.httpServer;
        if (!http) return resolve();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
