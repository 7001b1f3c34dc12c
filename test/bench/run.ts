/** `npm run bench`: every benchmark, printing figures and ratios (never pass/fail). */
import { runApiLatency } from './api-latency';

const requests = Number(process.env.REQUESTS ?? 400);
if (!Number.isInteger(requests) || requests < 10) {
  console.error(`REQUESTS must be a whole number ≥ 10, not "${process.env.REQUESTS}"`);
  process.exit(2);
}
await runApiLatency(requests);
