/** The local scheduler fires at() and rate() schedules set through the local Scheduler adapter. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalScheduler } from '../../shared/adapters/local/scheduler.local';
import { ValidationError } from '../../shared/errors';
import { LocalSchedulerService } from '../../infra/local/scheduler';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-scheduler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pad = (n: number) => String(n).padStart(2, '0');
/** at() text for an instant, in UTC. */
const atUtc = (d: Date) =>
  `at(${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())})`;

describe('local scheduler', () => {
  it('fires an at() once with its payload, and a rate() every interval; schedules persist', async () => {
    let clock = Date.parse('2026-06-01T00:00:00Z');
    const fired: { fn: string; payload: unknown; at: number }[] = [];
    const file = join(dir, 'schedules.json');
    const service = await LocalSchedulerService.start({
      file,
      tickMs: 60_000, // stepped by hand below
      now: () => clock,
      invoke: async (fn, payload) => void fired.push({ fn, payload, at: clock }),
      knownFunction: (name) => name === 'worker',
    });
    const scheduler = new LocalScheduler(service.url);
    await scheduler.upsert({
      name: 'launch-campaign-1',
      expression: atUtc(new Date(clock + 90_000)),
      target: { function: 'worker', payload: { campaignId: 'c1' } },
      deleteAfterRun: true,
    });
    await scheduler.upsert({ name: 'every-5', expression: 'rate(5 minutes)', target: { function: 'worker', payload: { tick: true } } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(2);

    clock += 60_000;
    service.tick();
    expect(fired).toHaveLength(0);
    clock += 30_000; // 90 s: the at() is due
    service.tick();
    service.tick();
    expect(fired).toEqual([{ fn: 'worker', payload: { campaignId: 'c1' }, at: clock }]);
    expect(service.list().map((s) => s.name)).toEqual(['every-5']); // deleteAfterRun

    clock = Date.parse('2026-06-01T00:05:00Z');
    service.tick();
    clock = Date.parse('2026-06-01T00:10:00Z');
    service.tick();
    expect(fired.slice(1).map((f) => new Date(f.at).toISOString())).toEqual(['2026-06-01T00:05:00.000Z', '2026-06-01T00:10:00.000Z']);

    await service.stop();
    const again = await LocalSchedulerService.start({ file, now: () => clock, invoke: async () => undefined });
    expect(again.list().map((s) => [s.name, new Date(s.nextFireAt ?? 0).toISOString()])).toEqual([['every-5', '2026-06-01T00:15:00.000Z']]);
    await new LocalScheduler(again.url).delete('every-5');
    expect(again.list()).toEqual([]);
    await again.stop();
  });

  it('fires on the real clock', async () => {
    const fired: unknown[] = [];
    const service = await LocalSchedulerService.start({ tickMs: 50, invoke: async (_fn, payload) => void fired.push(payload) });
    await new LocalScheduler(service.url).upsert({ name: 'soon', expression: atUtc(new Date(Date.now() + 1500)), target: { function: 'x', payload: 1 } });
    const deadline = Date.now() + 5000;
    while (fired.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(fired).toEqual([1]);
    await service.stop();
  });

  it('rejects what EventBridge would reject, before storing it', async () => {
    const service = await LocalSchedulerService.start({ file: join(dir, 'bad.json'), invoke: async () => undefined, knownFunction: () => true });
    const scheduler = new LocalScheduler(service.url);
    await expect(scheduler.upsert({ name: 'x', expression: 'cron(0 9 * * * *)', target: { function: 'w', payload: 1 } })).rejects.toThrow(ValidationError);
    await expect(scheduler.upsert({ name: 'bad name!', expression: 'rate(1 hour)', target: { function: 'w', payload: 1 } })).rejects.toThrow(ValidationError);
    await expect(scheduler.upsert({ name: 'tz', expression: 'rate(1 hour)', timezone: 'Nowhere/City', target: { function: 'w', payload: 1 } })).rejects.toThrow(ValidationError);
    expect(existsSync(join(dir, 'bad.json'))).toBe(false);
    await service.stop();
  });
});
