/**
 * Where quotas and reservations live. Adapter: shared/adapters/aws/quota-store.dynamodb.ts (the
 * campaigns table, `WS#<ws>` / `QUOTA#<kind>#<id>` and `RESERVATION#<runId>`). Every change to a
 * quota is one conditional single-item write: no transactions (dynalite has none).
 */
import type { Quota, QuotaOwner, Reservation } from './model';

/** The outcome of holding points on one quota for one run. */
export type HoldResult =
  | { readonly kind: 'held' }
  /** This run already holds them (a retry). */
  | { readonly kind: 'already' }
  /** No quota for the owner: unlimited. */
  | { readonly kind: 'absent' }
  | { readonly kind: 'short'; readonly available: number };

export interface QuotaStore {
  list(workspaceId: string): Promise<Quota[]>;
  get(workspaceId: string, owner: QuotaOwner): Promise<Quota | undefined>;
  /** Creates the quota or changes its balance (reserved and used stay). */
  setBalance(workspaceId: string, owner: QuotaOwner, balance: number, by: string, at: string): Promise<Quota>;
  /** Atomically: available ≥ count → reserved += count, remembering the run (idempotent per run). */
  hold(workspaceId: string, owner: QuotaOwner, runId: string, count: number): Promise<HoldResult>;
  /** Gives back a hold without using any of it (compensation). False when the run held nothing there. */
  unhold(workspaceId: string, owner: QuotaOwner, runId: string, count: number): Promise<boolean>;
  /** Turns a hold into `used` points and releases the rest. False when the run held nothing there (already settled). */
  settle(workspaceId: string, owner: QuotaOwner, runId: string, held: number, used: number): Promise<boolean>;

  getReservation(workspaceId: string, runId: string): Promise<Reservation | undefined>;
  /** False when one exists already. */
  createReservation(workspaceId: string, reservation: Reservation): Promise<boolean>;
  putReservation(workspaceId: string, reservation: Reservation): Promise<void>;
  deleteReservation(workspaceId: string, runId: string): Promise<void>;
}
