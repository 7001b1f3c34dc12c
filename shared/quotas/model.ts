/**
 * Sending points (OMICard 點數控管): a balance per user and per department that each run of a
 * campaign draws on. One reservation per run holds points while it plans and sends; settling turns
 * what was sent into `used` and releases the rest. No quota set for an owner = unlimited.
 *
 *   balance   points granted and not yet spent (an admin sets it)
 *   reserved  points held by runs in progress
 *   available balance − reserved (what a new run may reserve)
 *   used      points spent so far (for the record; settling moves points from balance to used)
 */
import { ClientError } from '../errors';

export const quotaOwnerKinds = ['user', 'department'] as const;
export type QuotaOwnerKind = (typeof quotaOwnerKinds)[number];

export interface QuotaOwner {
  readonly kind: QuotaOwnerKind;
  readonly id: string;
}

export interface Quota {
  readonly owner: QuotaOwner;
  readonly balance: number;
  readonly reserved: number;
  readonly used: number;
  readonly available: number;
  readonly updatedAt: string;
  readonly updatedBy?: string;
  readonly version: number;
}

/** Who a run draws on: the launcher and the launcher's department. */
export interface QuotaHolders {
  readonly userId?: string;
  readonly departmentId?: string;
}

export interface Reservation {
  readonly runId: string;
  readonly count: number;
  /** The quotas this run holds points on (the ones that existed when it reserved). */
  readonly holds: readonly QuotaOwner[];
  readonly state: 'reserving' | 'reserved' | 'settled';
  readonly used?: number;
  readonly createdAt: string;
  readonly settledAt?: string;
}

export const ownerLabel = (owner: QuotaOwner): string => `${owner.kind} ${owner.id}`;

/** 409 `urn:pigeon:problem:quota-short`, naming the quota and the shortfall. */
export class QuotaShortError extends ClientError {
  override readonly name = 'QuotaShortError';
  readonly status = 409;
  readonly title = 'Not enough points';
  readonly code = 'quota.short';
  constructor(
    readonly owner: QuotaOwner,
    readonly needed: number,
    readonly left: number,
  ) {
    super(`Needs ${needed} points; ${Math.max(0, left)} left for ${ownerLabel(owner)} (short by ${needed - Math.max(0, left)})`, [
      { field: owner.kind === 'user' ? 'quota.user' : 'quota.department', message: `${Math.max(0, left)} points left, ${needed} needed` },
    ]);
  }
}
