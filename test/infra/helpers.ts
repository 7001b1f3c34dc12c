/**
 * Builds the Pigeon app the way `cdk synth` does (same feature flags, same buildPigeon), minus
 * esbuild bundling, which the CDK skips when `aws:cdk:bundling-stacks` is empty, and minus asset
 * copies (`aws:cdk:disable-asset-staging`, as `cdk synth --no-staging`): assets are referenced
 * where they lie, so no build copies the 134 MB GeoIP layer into its output folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../infra/aws/feature-flags';
import { buildPigeon, type BuildOptions, type PigeonStacks } from '../../infra/aws/pigeon';

export interface Built {
  readonly app: App;
  readonly stacks: PigeonStacks;
}

export function build(context: Record<string, unknown> = {}, options: BuildOptions = {}): Built {
  const app = createApp({
    outdir: mkdtempSync(join(tmpdir(), 'pigeon-cdk-')),
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true, ...context },
  });
  return { app, stacks: buildPigeon(app, { nag: false, ...options }) };
}

export type Templates = Record<Exclude<keyof PigeonStacks, 'stage'>, Template>;

export function templates(stacks: PigeonStacks): Templates {
  return {
    console: Template.fromStack(stacks.console),
    stateful: Template.fromStack(stacks.stateful),
    messaging: Template.fromStack(stacks.messaging),
    auth: Template.fromStack(stacks.auth),
    api: Template.fromStack(stacks.api),
    analytics: Template.fromStack(stacks.analytics),
    scheduling: Template.fromStack(stacks.scheduling),
    consoleContent: Template.fromStack(stacks.consoleContent),
    imports: Template.fromStack(stacks.imports),
    exports: Template.fromStack(stacks.exports),
    tracking: Template.fromStack(stacks.tracking),
    delivery: Template.fromStack(stacks.delivery),
    reports: Template.fromStack(stacks.reports),
  };
}

/** Resources of one type as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): [string, { Properties?: Record<string, unknown>; [key: string]: unknown }][] {
  return Object.entries(template.findResources(type));
}
