/**
 * CDK entry (cdk.json: `npx tsx infra/aws/app.ts`). `npx cdk synth --all` works offline;
 * `npx cdk deploy --all -c stage=prod` deploys a stage. Settings: see infra/README.md.
 */
import { createApp } from './feature-flags';
import { buildPigeon } from './pigeon';

buildPigeon(createApp());
