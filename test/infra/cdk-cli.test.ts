/**
 * `npx cdk synth` as a deployer runs it: the installed CLI must read the cloud assembly this
 * aws-cdk-lib writes (a newer library than the CLI fails here, not at deploy time), offline,
 * with real esbuild bundles, for every stack.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const outDir = mkdtempSync(join(tmpdir(), 'pigeon-cdk-out-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('npx cdk synth', () => {
  it('synthesises every stack of a stage offline with the installed CLI', async () => {
    const { stderr } = await run('npx', ['cdk', 'synth', '--all', '--quiet', '-c', 'stage=ci', '-o', outDir], {
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      maxBuffer: 32 * 1024 * 1024,
    });
    expect(stderr).not.toMatch(/\[Error at|AwsSolutions-/);
    const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string }> };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([name]) => name)
      .sort();
    expect(stacks).toEqual(
      ['Analytics', 'Api', 'Auth', 'Console', 'ConsoleContent', 'Delivery', 'Exports', 'Imports', 'Messaging', 'Reports', 'Scheduling', 'Stateful', 'Tracking'].map((part) => `Pigeon-ci-${part}`).sort(),
    );
  });
});
