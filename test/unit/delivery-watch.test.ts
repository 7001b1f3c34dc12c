/**
 * Watching a run to its end: finished from the ledger's exact figures once every recipient is
 * final (even when live counters lag after a crash), failed as stalled when nothing moves for
 * too long (never while paused), and one watch chain per run however often a message is duplicated.
 */
import { describe, expect, it } from 'vitest';
import type { CampaignRun } from '../../shared/campaigns/model';
import type { RunBookkeeping, RunOutcome } from '../../shared/campaigns/runs';
import { watchRun, type PlannerDeps, type WatchState } from '../../shared/delivery/planner';
import type { DeliveryRecord, DeliveryStatus, RunWatchMessage } from '../../shared/delivery/types';

const total = 4;

function harness(statuses: DeliveryStatus[], live: Partial<CampaignRun['progress']>, runStatus: CampaignRun['status'] = 'sending') {
  let run = {
    id: 'r1',
    workspaceId: 'w',
    campaignId: 'c',
    status: runStatus,
    progress: { total, queued: total, sent: 0, failed: 0, suppressed: 0, cancelled: 0, ...live },
    watchSeq: 0,
  } as unknown as CampaignRun;
  const finished: RunOutcome[] = [];
  const watches: (RunWatchMessage & WatchState)[] = [];
  const records = statuses.map((status, i) => ({ email: `r${i}@example.com`, status, workspaceId: 'w', runId: 'r1' }) as DeliveryRecord);
  const runs = {
    getRun: async () => run,
    updateRun: async (_w: string, _c: string, _r: string, patch: Partial<CampaignRun>, condition?: { watchSeq?: number }) => {
      if (condition?.watchSeq !== undefined && (run.watchSeq ?? 0) !== condition.watchSeq) throw new Error('stale');
      run = { ...run, ...patch };
      return run;
    },
    finishRun: async (_w: string, _c: string, _r: string, outcome: RunOutcome) => {
      finished.push(outcome);
      run = { ...run, status: outcome.status };
      return { run };
    },
  } as unknown as RunBookkeeping;
  const deps = {
    runs,
    ledger: { listRun: async function* () { yield records; } },
    watchLater: async (message: RunWatchMessage & WatchState) => void watches.push(message),
    watchSeconds: 1,
    stallMs: 60_000,
  } as unknown as PlannerDeps;
  const start: RunWatchMessage & WatchState = { kind: 'watch', workspaceId: 'w', campaignId: 'c', runId: 'r1', seq: 0 };
  return { deps, finished, watches, start, run: () => run };
}

describe('watching a run', () => {
  it('finishes from the ledger once every recipient is final, with the exact figures', async () => {
    const h = harness(['sent', 'sent', 'failed', 'suppressed'], { sent: 2, failed: 1, suppressed: 1, queued: 0 });
    expect(await watchRun(h.deps, h.start, 10_000)).toBe(true);
    expect(h.finished).toEqual([{ status: 'completed', pointsUsed: 2 }]);
    expect(h.run().progress).toEqual({ total, queued: 0, sent: 2, failed: 1, suppressed: 1, cancelled: 0 });
  });

  it('counts the ledger when live counters stop short (a worker died before reporting) and finishes', async () => {
    const h = harness(['sent', 'sent', 'sent', 'sent'], { sent: 3, queued: 1 });
    let message = h.start;
    let now = 0;
    for (let i = 0; i < 6 && h.finished.length === 0; i++) {
      await watchRun(h.deps, message, now);
      message = h.watches.at(-1) ?? message;
      now += 1_000;
    }
    expect(h.finished).toEqual([{ status: 'completed', pointsUsed: 4 }]);
  });

  it('fails a run as stalled when nothing settles for too long, refunding what was not sent', async () => {
    const h = harness(['sent', 'sent', 'sending', 'pending'], { sent: 2, queued: 2 });
    let message = h.start;
    for (let now = 0; now <= 70_000 && h.finished.length === 0; now += 1_000) {
      await watchRun(h.deps, message, now);
      message = h.watches.at(-1) ?? message;
    }
    expect(h.finished).toHaveLength(1);
    expect(h.finished[0]).toMatchObject({ status: 'failed', pointsUsed: 2, error: { code: 'delivery.stalled' } });
    expect(h.finished[0]?.error?.detail).toMatch(/2 recipient\(s\) still unsettled/);
  });

  it('never fails a paused run for being quiet', async () => {
    const h = harness(['sent', 'pending', 'pending', 'pending'], { sent: 1, queued: 3 }, 'paused');
    let message = h.start;
    for (let now = 0; now <= 300_000; now += 1_000) {
      await watchRun(h.deps, message, now);
      message = h.watches.at(-1) ?? message;
    }
    expect(h.finished).toEqual([]);
  });

  it('keeps one chain: a duplicated watch message sends no second next step', async () => {
    const h = harness(['sent', 'pending', 'pending', 'pending'], { sent: 1, queued: 3 });
    await watchRun(h.deps, h.start, 0);
    await watchRun(h.deps, h.start, 0);
    expect(h.watches).toHaveLength(1);
    expect(h.watches[0]?.seq).toBe(1);
    expect(h.run().watchSeq).toBe(1);
  });
});
