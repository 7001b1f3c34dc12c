/**
 * `npm start`: the whole platform on this machine. Data in `.data/` (kept between runs;
 * `npm start -- --reset` starts empty). Ports: API 3000, console 5173, mail inbox 8005, or
 * PIGEON_API_PORT / PIGEON_CONSOLE_PORT / PIGEON_MAIL_PORT. Ctrl-C stops everything.
 */
import { join } from 'node:path';
import { repoRoot } from './lambda';
import { localBucketName, startSandbox } from './sandbox';

const port = (name: string, fallback: number): number => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65_535) throw new Error(`${name} must be a port number, not "${value}"`);
  return parsed;
};

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--reset' && arg !== '--quiet');
if (unknown.length > 0) {
  console.error(`Unknown option(s): ${unknown.join(' ')}\nUsage: npm start [-- --reset] [--quiet]`);
  process.exit(2);
}

const sandbox = await startSandbox({
  dataDir: join(repoRoot, '.data'),
  reset: args.includes('--reset'),
  seed: true,
  console: 'build',
  quiet: args.includes('--quiet'),
  ports: {
    api: port('PIGEON_API_PORT', 3000),
    console: port('PIGEON_CONSOLE_PORT', 5173),
    mail: port('PIGEON_MAIL_PORT', 8005),
  },
});

console.log(`
  Pigeon is running locally (data in .data/${args.includes('--reset') ? ', started empty' : ''})

  Console     ${sandbox.consoleUrl}
  API         ${sandbox.apiUrl}          (try ${sandbox.apiUrl}/health)
  Mail inbox  ${sandbox.mailUrl}
  Tracking    ${sandbox.apiUrl}/t      (landing pages: <script src="${sandbox.apiUrl}/t/p.js" async></script>)
  Event lake  .data/s3/${localBucketName('lake')}/events/dt=…/   (gzip, one JSON event per line)
${sandbox.demo ? `\n  Sign in as  ${sandbox.demo.adminEmail} / ${sandbox.demo.adminPassword}\n` : ''}
  Ctrl-C stops everything.
`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping …`);
  sandbox.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
