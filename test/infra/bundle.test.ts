/**
 * One real esbuild bundle (the authorizer): proves the construct's bundling settings produce an
 * ESM module with the require shim and a source map, which the assertion tests skip for speed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../infra/aws/feature-flags';
import { buildPigeon } from '../../infra/aws/pigeon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

// The whole app is synthesised, assets included (the GeoIP layer alone is 134 MB): clean up after.
const outdir = mkdtempSync(join(tmpdir(), 'pigeon-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('function bundling', () => {
  it('bundles the authorizer as minified ESM with a createRequire banner and a source map', () => {
    const app = createApp({ outdir, context: { 'aws:cdk:bundling-stacks': ['Pigeon-bundle-Api'], stage: 'bundle' } });
    const { api } = buildPigeon(app, { nag: false });
    const assembly = app.synth();
    const template = assembly.getStackByName(api.stackName).template as {
      Resources: Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>;
    };
    const [, fn] = Object.entries(template.Resources).find(([id, resource]) => resource.Type === 'AWS::Lambda::Function' && id.startsWith('AuthorizerFunction'))!;
    // The asset folder is named after the zip's hash.
    const assetDir = join(outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(code.startsWith('import { createRequire as __pigeonCreateRequire }')).toBe(true);
    expect(code).toMatch(/export\s*\{/);
    // Minified: long lines (only kept legal comments break them).
    expect(code.length / code.split('\n').length).toBeGreaterThan(2_000);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
  });
});
