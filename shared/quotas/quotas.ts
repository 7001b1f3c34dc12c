/**
 * Quota use cases: admins set balances (`PUT /quotas/users/{id}`, `/quotas/departments/{id}`),
 * everyone reads what concerns them (`GET /quotas`), and runs reserve and settle points.
 *
 * reservePoints holds the points on BOTH the user's and the department's quota (when each exists)
 * with one conditional write each; if the second is short the first is given back, so nothing is
 * ever overdrawn and a refused run holds nothing. A reservation record per run makes retries
 * (a re-delivered planner message) idempotent, and each quota remembers the runs holding on it,
 * so a retry after a crash between the two writes neither holds twice nor loses a hold.
 */
import { z } from 'zod';
import type { Principal } from '../api/operation';
import { ValidationError } from '../errors';
import { fieldErrorsOf } from '../http/problem';
import type { Clock } from '../ports/clock';
import { QuotaShortError, type Quota, type QuotaHolders, type QuotaOwner, type Reservation } from './model';
import type { QuotaStore } from './ports';

export interface QuotaDeps {
  readonly quotas: QuotaStore;
  readonly clock: Clock;
}

/** Points are whole messages; a balance far beyond any account's sending. */
export const maxBalance = 1_000_000_000;

export const setQuotaSchema = z
  .strictObject({ balance: z.number().int().min(0).max(maxBalance) })
  .meta({ description: 'The new balance (points granted and not yet spent); reserved and used points stay' });

export const quotaSchema = z
  .object({
    owner: z.object({ kind: z.enum(['user', 'department']), id: z.string() }),
    balance: z.number().int(),
    reserved: z.number().int(),
    used: z.number().int(),
    available: z.number().int(),
    updatedAt: z.iso.datetime(),
    updatedBy: z.string().optional(),
    version: z.number().int(),
  })
  .meta({ description: 'A sending quota: balance, points held by runs in progress, points spent, and what a new run may reserve' });

const nowIso = (clock: Clock) => clock.now().toISOString();

const ownersOf = (holders: QuotaHolders): QuotaOwner[] => [
  ...(holders.userId ? [{ kind: 'user' as const, id: holders.userId }] : []),
  ...(holders.departmentId ? [{ kind: 'department' as const, id: holders.departmentId }] : []),
];

/** Admins (and API keys) see every quota; others their own and their department's. */
export async function listQuotas(deps: QuotaDeps, principal: Principal): Promise<{ items: Quota[] }> {
  const all = await deps.quotas.list(principal.workspaceId);
  if (principal.kind === 'apiKey' || principal.role === 'admin') return { items: all };
  return {
    items: all.filter((q) => (q.owner.kind === 'user' && q.owner.id === principal.id) || (q.owner.kind === 'department' && q.owner.id === principal.departmentId)),
  };
}

export async function setQuota(deps: QuotaDeps, principal: Principal, owner: QuotaOwner, body: unknown): Promise<Quota> {
  if (!owner.id || owner.id.length > 128) throw new ValidationError('Invalid quota owner id', [{ field: 'id', message: 'Must be 1-128 characters' }]);
  const parsed = setQuotaSchema.safeParse(body ?? {});
  if (!parsed.success) throw new ValidationError('Invalid quota', fieldErrorsOf(parsed.error));
  return deps.quotas.setBalance(principal.workspaceId, owner, parsed.data.balance, principal.id, nowIso(deps.clock));
}

/**
 * What the holders may still reserve: the smallest availability among their quotas, with the quota
 * that limits it; undefined when none is set (unlimited). A cheap pre-check at launch.
 */
export async function availablePoints(deps: Pick<QuotaDeps, 'quotas'>, workspaceId: string, holders: QuotaHolders): Promise<{ owner: QuotaOwner; available: number } | undefined> {
  let least: { owner: QuotaOwner; available: number } | undefined;
  for (const owner of ownersOf(holders)) {
    const quota = await deps.quotas.get(workspaceId, owner);
    if (quota && (!least || quota.available < least.available)) least = { owner, available: quota.available };
  }
  return least;
}

/**
 * Reserves `count` points for a run from the user's and the department's quota. Idempotent per
 * run; throws QuotaShortError (409, `quota.short`) naming the short quota, holding nothing.
 */
export async function reservePoints(deps: QuotaDeps, workspaceId: string, holders: QuotaHolders, runId: string, count: number): Promise<Reservation> {
  if (!Number.isInteger(count) || count < 0) throw new ValidationError(`Cannot reserve ${count} points`, [{ field: 'count', message: 'Must be a whole number ≥ 0' }]);
  const existing = await deps.quotas.getReservation(workspaceId, runId);
  if (existing && existing.state !== 'reserving') return existing;
  let reservation: Reservation = existing ?? { runId, count, holds: [], state: 'reserving', createdAt: nowIso(deps.clock) };
  if (!existing && !(await deps.quotas.createReservation(workspaceId, reservation))) {
    const raced = await deps.quotas.getReservation(workspaceId, runId);
    if (raced && raced.state !== 'reserving') return raced;
    if (raced) reservation = raced;
  }
  // A retry of an interrupted reservation keeps the count it started with.
  const needed = reservation.count;
  const held: QuotaOwner[] = [];
  for (const owner of ownersOf(holders)) {
    const result = await deps.quotas.hold(workspaceId, owner, runId, needed);
    if (result.kind === 'held' || result.kind === 'already') held.push(owner);
    if (result.kind === 'short') {
      for (const h of held) await deps.quotas.unhold(workspaceId, h, runId, needed);
      await deps.quotas.deleteReservation(workspaceId, runId);
      throw new QuotaShortError(owner, needed, result.available);
    }
  }
  reservation = { ...reservation, holds: held, state: 'reserved' };
  await deps.quotas.putReservation(workspaceId, reservation);
  return reservation;
}

/**
 * Settles a run's reservation: `used` points (at most the reserved count) are spent, the rest
 * released. Idempotent; a run that never reserved settles nothing and returns undefined.
 */
export async function settlePoints(deps: QuotaDeps, workspaceId: string, runId: string, used: number): Promise<Reservation | undefined> {
  const reservation = await deps.quotas.getReservation(workspaceId, runId);
  if (!reservation || reservation.state === 'settled') return reservation;
  const spent = Math.max(0, Math.min(Math.floor(used), reservation.count));
  for (const owner of reservation.holds) await deps.quotas.settle(workspaceId, owner, runId, reservation.count, spent);
  const settled: Reservation = { ...reservation, state: 'settled', used: spent, settledAt: nowIso(deps.clock) };
  await deps.quotas.putReservation(workspaceId, settled);
  return settled;
}
