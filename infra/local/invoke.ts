/**
 * `npm run invoke -- <function> <event file>`: runs one handler in this process against the
 * running sandbox (found through `.data/sandbox.json`), with the sandbox's environment, and
 * prints what it returned. E.g. `npm run invoke -- api events/api/get-health.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { functions } from '../manifest';
import { contextFor, importHandler, isFunctionName, repoRoot } from './lambda';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const [name, eventFile] = process.argv.slice(2);
const names = Object.keys(functions).join(', ');
if (!name || !eventFile) fail(`Usage: npm run invoke -- <function> <event file>\nFunctions: ${names}`);
if (!isFunctionName(name)) fail(`No function "${name}" in infra/manifest.ts. Functions: ${names}`);

const dataDir = resolve(process.env.PIGEON_DATA_DIR ?? join(repoRoot, '.data'));
const infoFile = join(dataDir, 'sandbox.json');
if (!existsSync(infoFile)) fail(`No running sandbox (${infoFile} not found). Start one with \`npm start\` in another terminal.`);
const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { pid: number; apiUrl: string; env: Record<string, string> };
try {
  process.kill(info.pid, 0);
} catch {
  fail(`The sandbox that wrote ${infoFile} (pid ${info.pid}) is no longer running. Start it with \`npm start\`.`);
}

const eventPath = resolve(eventFile);
if (!existsSync(eventPath)) fail(`Event file ${eventPath} not found`);
const event: unknown = JSON.parse(readFileSync(eventPath, 'utf8'));

// Environment first: the handler reads it when imported.
Object.assign(process.env, info.env);
const handler = await importHandler(name);
try {
  const result: unknown = await handler(event, contextFor(name));
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
