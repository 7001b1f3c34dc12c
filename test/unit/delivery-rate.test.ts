/** The adaptive send rate: spaces calls at the current rate, halves on a throttle, creeps back on success. */
import { describe, expect, it } from 'vitest';
import { AdaptiveRate, backoffMs } from '../../shared/delivery/rate';

function clockedRate(initial: number) {
  let now = 0;
  const waits: number[] = [];
  const rate = new AdaptiveRate({ initialPerSecond: initial, minPerSecond: 1, maxPerSecond: 100, increase: 1, decrease: 0.5 }, () => now, async (ms) => {
    waits.push(ms);
    now += ms;
  });
  return { rate, waits, advance: (ms: number) => (now += ms) };
}

describe('adaptive send rate', () => {
  it('spaces sends at the rate', async () => {
    const { rate, waits } = clockedRate(10);
    for (let i = 0; i < 5; i++) await rate.acquire();
    expect(waits).toEqual([100, 100, 100, 100]);
  });

  it('halves on a throttle once per window (not below the floor) and grows back with successes', () => {
    const { rate, advance } = clockedRate(40);
    rate.throttled();
    rate.throttled();
    expect(rate.perSecond).toBe(20);
    for (let i = 0; i < 10; i++) {
      advance(1000);
      rate.throttled();
    }
    expect(rate.perSecond).toBe(1);
    for (let i = 0; i < 200; i++) rate.succeeded();
    expect(rate.perSecond).toBeGreaterThan(15);
    expect(rate.perSecond).toBeLessThanOrEqual(100);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(0, 200, 10_000, () => 1)).toBe(200);
    expect(backoffMs(3, 200, 10_000, () => 1)).toBe(1600);
    expect(backoffMs(20, 200, 10_000, () => 1)).toBe(10_000);
    expect(backoffMs(5, 200, 10_000, () => 0)).toBe(0);
  });
});
