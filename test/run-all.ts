/**
 * `npm test`: typecheck, lint, then every test tier (unit, integration against the sandbox,
 * CDK assertions and cdk-nag, browser e2e). Ends with one summary line `N passed, N failed`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function step(name: string, command: string, args: string[]): boolean {
  console.log(`\n▶ ${name}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  const ok = result.status === 0;
  console.log(`${ok ? '✔' : '✘'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

const npx = 'npx';
const checks = [
  step('typecheck', npx, ['tsc', '-p', 'tsconfig.json', '--noEmit']),
  step('lint', npx, ['eslint', '.', '--max-warnings=0']),
];

const reportFile = join(mkdtempSync(join(tmpdir(), 'pigeon-test-')), 'report.json');
const testsOk = step('tests', npx, [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${reportFile}`,
  ...process.argv.slice(2),
]);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  skipped = report.numPendingTests + report.numTodoTests;
} catch {
  failed += 1; // no report: the runner itself failed
}
const checksFailed = checks.filter((ok) => !ok).length;
console.log(`\n${passed} passed, ${failed + checksFailed} failed, ${skipped} skipped`);
process.exit(checks.every(Boolean) && testsOk && failed === 0 ? 0 : 1);
