/**
 * UsagePlanRegistry for the sandbox: nothing to create. The local gateway throttles each key by
 * the `rateLimit` the authorizer puts in its context; the usage key only mirrors AWS's shape.
 */
import { randomBytes } from 'node:crypto';
import type { UsagePlanRegistry } from '../../identity/ports';

export function createLocalUsagePlans(): UsagePlanRegistry {
  return {
    register: async () => ({ usageKey: `local_${randomBytes(20).toString('hex')}` }),
    remove: async () => {},
  };
}
