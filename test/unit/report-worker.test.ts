/**
 * The report worker's decisions without the sandbox: a generation that fails keeps the previous
 * snapshot and records why; a deleted campaign fails its reports with that reason; a list of a
 * deleted campaign fails; and the dispatch schedule (hour and weekday in the dispatch's own time
 * zone, once per slot).
 */
import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../shared/campaigns/model';
import type { CampaignStore } from '../../shared/campaigns/ports';
import { defaultEngagementSettings } from '../../shared/engagement/model';
import type { BlobStore } from '../../shared/ports/blob-store';
import type { QueryEngine } from '../../shared/ports/query-engine';
import { dueSlot, localTime, queueDueDispatches } from '../../shared/reports/dispatch';
import { defaultReportSettings, type RecipientListJob, type ReportDispatch, type ReportSettings } from '../../shared/reports/model';
import type { DispatchEntry, ReportStore, StoredStatus } from '../../shared/reports/ports';
import { handleReportMessage, type ReportWorkerDeps } from '../../shared/reports/worker';

/** The jobs-table semantics the worker relies on, in memory (the DynamoDB adapter is exercised by the sandbox tests). */
class MemoryReportStore implements ReportStore {
  readonly statuses = new Map<string, StoredStatus>();
  readonly lists = new Map<string, RecipientListJob>();
  settings?: ReportSettings;
  async listStatuses(): Promise<StoredStatus[]> {
    return [...this.statuses.values()];
  }
  async getStatus(_ws: string, _c: string, type: string): Promise<StoredStatus | undefined> {
    return this.statuses.get(type);
  }
  async markRequested(_ws: string, _c: string, type: StoredStatus['type'], at: string, by: string, range: StoredStatus['range']): Promise<StoredStatus> {
    const next: StoredStatus = { ...this.statuses.get(type), type, state: 'generating', requestedAt: at, requestedBy: by, ...(range ? { range } : {}) };
    this.statuses.set(type, next);
    return next;
  }
  async markReady(_ws: string, _c: string, type: StoredStatus['type'], snapshot: { generatedAt: string; snapshotKey: string; range: StoredStatus['range'] }): Promise<boolean> {
    const current = this.statuses.get(type);
    if (current?.generatedAt && current.generatedAt >= snapshot.generatedAt) return false;
    this.statuses.set(type, { ...current, type, state: 'ready', generatedAt: snapshot.generatedAt, snapshotKey: snapshot.snapshotKey, ...(snapshot.range ? { range: snapshot.range } : {}) });
    return true;
  }
  async markFailed(_ws: string, _c: string, type: StoredStatus['type'], at: string, error: string): Promise<void> {
    this.statuses.set(type, { ...this.statuses.get(type), type, state: 'failed', failedAt: at, error });
  }
  async getSettings(): Promise<ReportSettings | undefined> {
    return this.settings;
  }
  async putSettings(_ws: string, _c: string, settings: ReportSettings): Promise<void> {
    this.settings = settings;
  }
  async listDispatches(): Promise<DispatchEntry[]> {
    return this.settings ? [{ workspaceId: 'ws', campaignId: 'c1', dispatch: this.settings.dispatch }] : [];
  }
  async claimDispatch(_ws: string, _c: string, slot: string): Promise<boolean> {
    if (!this.settings || this.settings.dispatch.lastSentFor === slot) return false;
    this.settings = { ...this.settings, dispatch: { ...this.settings.dispatch, lastSentFor: slot } };
    return true;
  }
  async createList(job: RecipientListJob): Promise<void> {
    this.lists.set(job.id, job);
  }
  async getList(_ws: string, _c: string, id: string): Promise<RecipientListJob | undefined> {
    return this.lists.get(id);
  }
  async updateList(_ws: string, _c: string, id: string, patch: Partial<RecipientListJob>): Promise<void> {
    this.lists.set(id, { ...(this.lists.get(id) as RecipientListJob), ...patch });
  }
}

const campaign = { id: 'c1', workspaceId: 'ws', name: '測試', createdAt: '2026-11-20T00:00:00.000Z', content: { html: '<a href="https://x.example">x</a>', attachments: [], fromEmail: 'news@pigeon.local' } } as unknown as Campaign;

function depsWith(engine: QueryEngine, store = new MemoryReportStore(), found: Campaign | null = campaign): { deps: ReportWorkerDeps; store: MemoryReportStore; objects: Map<string, string> } {
  const objects = new Map<string, string>();
  const blobs: BlobStore = {
    put: async (key, body) => void objects.set(key, typeof body === 'string' ? body : new TextDecoder().decode(body)),
    get: async (key) => (objects.has(key) ? new TextEncoder().encode(objects.get(key)) : undefined),
    delete: async (key) => void objects.delete(key),
    list: async (prefix) => [...objects.keys()].filter((key) => key.startsWith(prefix)),
  };
  let tick = Date.parse('2026-11-23T00:00:00Z');
  const deps: ReportWorkerDeps = {
    store,
    campaigns: { getCampaign: async () => found ?? undefined, listRuns: async () => [] } as unknown as CampaignStore,
    engagementSettings: async () => defaultEngagementSettings,
    blobs,
    files: { openSink: () => ({ write: async () => {}, end: async () => {}, abort: async () => {} }), presignGet: async () => 'http://x' },
    engine: async () => ({ engine, dialect: 'duckdb' }),
    mailer: { sendRaw: async () => ({ messageId: 'm' }) },
    font: async () => new Uint8Array(),
    now: () => new Date((tick += 1000)),
  };
  return { deps, store, objects };
}

const range = { from: '2026-11-20', to: '2026-11-23' };
const zeroRows: QueryEngine = { query: async () => [{ events: 0 }] };
const failing: QueryEngine = {
  query: async () => {
    throw new Error('Athena query 1234 FAILED: HIVE_BAD_DATA');
  },
};

describe('report generation in the worker', () => {
  it('keeps the previous snapshot when a generation fails, and records why', async () => {
    const first = depsWith(zeroRows);
    await handleReportMessage(first.deps, { kind: 'generate', workspaceId: 'ws', campaignId: 'c1', types: ['opens'], range, requestedAt: 'x' });
    const ready = first.store.statuses.get('opens');
    expect(ready?.state).toBe('ready');
    expect(first.objects.has(ready?.snapshotKey as string)).toBe(true);

    const again = depsWith(failing, first.store);
    await handleReportMessage(again.deps, { kind: 'generate', workspaceId: 'ws', campaignId: 'c1', types: ['opens', 'clicks'], range, requestedAt: 'y' });
    const failed = first.store.statuses.get('opens');
    expect(failed).toMatchObject({ state: 'failed', generatedAt: ready?.generatedAt, snapshotKey: ready?.snapshotKey });
    expect(failed?.error).toContain('HIVE_BAD_DATA');
    // The other report of the message was tried too (and failed on its own).
    expect(first.store.statuses.get('clicks')?.state).toBe('failed');
  });

  it('fails the reports of a deleted campaign with that reason', async () => {
    const { deps, store } = depsWith(zeroRows, new MemoryReportStore(), null);
    await handleReportMessage(deps, { kind: 'generate', workspaceId: 'ws', campaignId: 'c1', types: ['summary'], range, requestedAt: 'x' });
    expect(store.statuses.get('summary')).toMatchObject({ state: 'failed', error: 'The campaign was deleted' });
  });

  it('fails a recipient list whose query fails, naming the reason', async () => {
    const { deps, store } = depsWith(failing);
    await store.createList({ id: 'l1', workspaceId: 'ws', campaignId: 'c1', list: 'openers', format: 'csv', language: 'en', maxRowsPerFile: 10, state: 'queued', files: [], createdAt: 'x', createdBy: 'u', updatedAt: 'x' });
    await handleReportMessage(deps, { kind: 'list', workspaceId: 'ws', campaignId: 'c1', listId: 'l1' });
    expect(store.lists.get('l1')).toMatchObject({ state: 'failed' });
    expect(store.lists.get('l1')?.error).toContain('HIVE_BAD_DATA');
  });
});

describe('dispatch schedule', () => {
  const daily: ReportDispatch = { ...defaultReportSettings.dispatch, frequency: 'daily', hour: 9, timeZone: 'Asia/Taipei', recipients: ['boss@example.com'] };

  it('is due in its hour of its own time zone', () => {
    // 01:30 UTC is 09:30 in Taipei (UTC+8).
    expect(dueSlot(daily, new Date('2026-11-23T01:30:00Z'))).toBe('2026-11-23T01:00:00.000Z');
    expect(dueSlot(daily, new Date('2026-11-23T09:30:00Z'))).toBeUndefined();
    expect(dueSlot({ ...daily, timeZone: 'Europe/London' }, new Date('2026-11-23T09:10:00Z'))).toBe('2026-11-23T09:00:00.000Z');
  });

  it('follows daylight saving time (New York: 09:00 is 14:00 UTC in winter, 13:00 in summer)', () => {
    const ny = { ...daily, timeZone: 'America/New_York' };
    expect(dueSlot(ny, new Date('2026-12-01T14:05:00Z'))).toBeDefined();
    expect(dueSlot(ny, new Date('2026-07-01T13:05:00Z'))).toBeDefined();
    expect(dueSlot(ny, new Date('2026-07-01T14:05:00Z'))).toBeUndefined();
  });

  it('weekly only on its weekday; never when off, without recipients, or for a slot already sent', () => {
    const weekly = { ...daily, frequency: 'weekly' as const, weekday: 1 };
    // 2026-11-23 is a Monday.
    expect(localTime(new Date('2026-11-23T01:30:00Z'), 'Asia/Taipei')).toEqual({ hour: 9, weekday: 1 });
    expect(dueSlot(weekly, new Date('2026-11-23T01:30:00Z'))).toBeDefined();
    expect(dueSlot(weekly, new Date('2026-11-24T01:30:00Z'))).toBeUndefined();
    expect(dueSlot({ ...daily, frequency: 'off' }, new Date('2026-11-23T01:30:00Z'))).toBeUndefined();
    expect(dueSlot({ ...daily, recipients: [] }, new Date('2026-11-23T01:30:00Z'))).toBeUndefined();
    expect(dueSlot({ ...daily, lastSentFor: '2026-11-23T01:00:00.000Z' }, new Date('2026-11-23T01:59:00Z'))).toBeUndefined();
  });

  it('the sweep queues one message per due dispatch', async () => {
    const store = new MemoryReportStore();
    store.settings = { types: ['opens'], dispatch: daily };
    const sent: unknown[] = [];
    const queue = { send: async () => ({ messageId: '1' }), sendMany: async (messages: readonly { body: unknown }[]) => (sent.push(...messages.map((m) => m.body)), messages.map(() => ({ messageId: '1' }))) };
    expect(await queueDueDispatches({ store, queue }, new Date('2026-11-23T01:30:00Z'))).toBe(1);
    expect(sent).toEqual([{ kind: 'dispatch', workspaceId: 'ws', campaignId: 'c1', slot: '2026-11-23T01:00:00.000Z' }]);
    expect(await queueDueDispatches({ store, queue }, new Date('2026-11-23T02:30:00Z'))).toBe(0);
  });
});
