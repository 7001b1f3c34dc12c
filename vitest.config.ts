import { defineConfig } from 'vitest/config';

// One project per test tier; `npm test` runs them all (test/run-all.ts), a tier alone with
// `npx vitest run --project unit` (or integration, infra, e2e).
export default defineConfig({
  test: {
    // The SDK's notice that it will need Node 22 from 2027 (Lambda already runs 22); noise in test output.
    // Powertools reads its variables when shared/observability is first imported — before a
    // sandbox sets them — so tests set them here: no metric lines (logs stay: some tests read them).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false' },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      { test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
