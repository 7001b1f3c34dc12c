/**
 * Quota arithmetic and the reservation protocol over an in-memory QuotaStore with the adapter's
 * semantics (the DynamoDB adapter itself is tested on both emulators in
 * test/integration/campaign-store.test.ts): both quotas are held or neither, a short quota is named
 * with the shortfall, retries are idempotent, settling spends what was sent and frees the rest.
 */
import { describe, expect, it } from 'vitest';
import { QuotaShortError, type Quota, type QuotaOwner, type Reservation } from '../../shared/quotas/model';
import type { HoldResult, QuotaStore } from '../../shared/quotas/ports';
import { availablePoints, reservePoints, settlePoints } from '../../shared/quotas/quotas';

class MemoryQuotas implements QuotaStore {
  readonly items = new Map<string, { balance: number; reserved: number; used: number; holds: Set<string>; version: number }>();
  readonly reservations = new Map<string, Reservation>();
  private key = (ws: string, o: QuotaOwner) => `${ws}/${o.kind}/${o.id}`;
  private view(o: QuotaOwner, q: { balance: number; reserved: number; used: number; version: number }): Quota {
    return { owner: o, balance: q.balance, reserved: q.reserved, used: q.used, available: q.balance - q.reserved, updatedAt: 'now', version: q.version };
  }
  async list() {
    return [];
  }
  async get(ws: string, o: QuotaOwner) {
    const q = this.items.get(this.key(ws, o));
    return q ? this.view(o, q) : undefined;
  }
  async setBalance(ws: string, o: QuotaOwner, balance: number) {
    const q = this.items.get(this.key(ws, o)) ?? { balance: 0, reserved: 0, used: 0, holds: new Set<string>(), version: 0 };
    q.balance = balance;
    q.version += 1;
    this.items.set(this.key(ws, o), q);
    return this.view(o, q);
  }
  async hold(ws: string, o: QuotaOwner, runId: string, n: number): Promise<HoldResult> {
    const q = this.items.get(this.key(ws, o));
    if (!q) return { kind: 'absent' };
    if (q.holds.has(runId)) return { kind: 'already' };
    if (q.balance - q.reserved < n) return { kind: 'short', available: q.balance - q.reserved };
    q.reserved += n;
    q.holds.add(runId);
    return { kind: 'held' };
  }
  async unhold(ws: string, o: QuotaOwner, runId: string, n: number) {
    const q = this.items.get(this.key(ws, o));
    if (!q?.holds.delete(runId)) return false;
    q.reserved -= n;
    return true;
  }
  async settle(ws: string, o: QuotaOwner, runId: string, held: number, used: number) {
    const q = this.items.get(this.key(ws, o));
    if (!q?.holds.delete(runId)) return false;
    q.reserved -= held;
    q.balance -= used;
    q.used += used;
    return true;
  }
  async getReservation(_ws: string, runId: string) {
    return this.reservations.get(runId);
  }
  async createReservation(_ws: string, r: Reservation) {
    if (this.reservations.has(r.runId)) return false;
    this.reservations.set(r.runId, r);
    return true;
  }
  async putReservation(_ws: string, r: Reservation) {
    this.reservations.set(r.runId, r);
  }
  async deleteReservation(_ws: string, runId: string) {
    this.reservations.delete(runId);
  }
}

const clock = { now: () => new Date('2026-11-24T02:00:00Z') };
const user = { kind: 'user', id: 'u1' } as const;
const dept = { kind: 'department', id: 'd1' } as const;
const holders = { userId: 'u1', departmentId: 'd1' };

function setup(userBalance?: number, deptBalance?: number) {
  const quotas = new MemoryQuotas();
  if (userBalance !== undefined) void quotas.setBalance('ws', user, userBalance);
  if (deptBalance !== undefined) void quotas.setBalance('ws', dept, deptBalance);
  return { quotas, deps: { quotas, clock } };
}

describe('reservePoints / settlePoints', () => {
  it('holds on both quotas, and settling spends what was sent and releases the rest', async () => {
    const { quotas, deps } = setup(100, 500);
    await reservePoints(deps, 'ws', holders, 'run1', 40);
    expect(await quotas.get('ws', user)).toMatchObject({ balance: 100, reserved: 40, available: 60, used: 0 });
    expect(await quotas.get('ws', dept)).toMatchObject({ balance: 500, reserved: 40, available: 460 });
    await settlePoints(deps, 'ws', 'run1', 35);
    expect(await quotas.get('ws', user)).toMatchObject({ balance: 65, reserved: 0, available: 65, used: 35 });
    expect(await quotas.get('ws', dept)).toMatchObject({ balance: 465, reserved: 0, available: 465, used: 35 });
  });

  it('is idempotent: a retried reserve holds once, a retried settle spends once', async () => {
    const { quotas, deps } = setup(100);
    await reservePoints(deps, 'ws', holders, 'run1', 30);
    await reservePoints(deps, 'ws', holders, 'run1', 30);
    expect((await quotas.get('ws', user))?.reserved).toBe(30);
    await settlePoints(deps, 'ws', 'run1', 30);
    await settlePoints(deps, 'ws', 'run1', 30);
    expect(await quotas.get('ws', user)).toMatchObject({ balance: 70, reserved: 0, used: 30 });
  });

  it('refuses naming the short quota and the shortfall, and gives back what it held on the other', async () => {
    const { quotas, deps } = setup(100, 25);
    const error = await reservePoints(deps, 'ws', holders, 'run1', 40).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaShortError);
    expect((error as QuotaShortError).message).toBe('Needs 40 points; 25 left for department d1 (short by 15)');
    expect((error as QuotaShortError).status).toBe(409);
    expect((await quotas.get('ws', user))?.reserved).toBe(0);
    expect(quotas.reservations.has('run1')).toBe(false);
  });

  it('treats a missing quota as unlimited, and never settles more than was reserved', async () => {
    const { quotas, deps } = setup(undefined, 10);
    await reservePoints(deps, 'ws', holders, 'run1', 10);
    await settlePoints(deps, 'ws', 'run1', 50);
    expect(await quotas.get('ws', dept)).toMatchObject({ balance: 0, used: 10, reserved: 0 });
    expect(await availablePoints(deps, 'ws', { userId: 'nobody' })).toBeUndefined();
    expect(await availablePoints(deps, 'ws', holders)).toEqual({ owner: dept, available: 0 });
  });
});
