/**
 * The send rate, adapted to what SES allows (AIMD, as TCP does): successes add to the rate, a
 * throttle cuts it — at most once per cut window, as TCP cuts once per round trip, so a burst of
 * throttles from one overshoot is one cut, not twenty; calls wait for their slot. One per
 * container, so consecutive invocations keep what they learned. The floor keeps a noisy but
 * healthy account (throttles that are not about our rate) from being starved to a trickle.
 */
export interface RateOptions {
  readonly initialPerSecond: number;
  readonly minPerSecond: number;
  readonly maxPerSecond: number;
  /** Added to the rate per success (per second of rate). */
  readonly increase: number;
  /** Multiplied on a throttle. */
  readonly decrease: number;
  /** Throttles within this long after a cut do not cut again (ms; default 1000). */
  readonly cutWindowMs?: number;
}

export class AdaptiveRate {
  private rate: number;
  private nextSlot = 0;
  private lastCut = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: RateOptions,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.rate = options.initialPerSecond;
  }

  get perSecond(): number {
    return this.rate;
  }

  /** Waits until the next send may start. */
  async acquire(): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.rate;
    if (slot > now) await this.sleep(slot - now);
  }

  succeeded(): void {
    this.rate = Math.min(this.options.maxPerSecond, this.rate + this.options.increase / Math.max(1, this.rate));
  }

  throttled(): void {
    const now = this.now();
    if (now - this.lastCut < (this.options.cutWindowMs ?? 1000)) return;
    this.lastCut = now;
    this.rate = Math.max(this.options.minPerSecond, this.rate * this.options.decrease);
    // Back off at once: later slots are re-spaced at the new rate.
    this.nextSlot = Math.max(this.nextSlot, this.now() + 1000 / this.rate);
  }
}

/** Exponential backoff with full jitter (ms) for attempt 0, 1, 2 … */
export function backoffMs(attempt: number, baseMs = 200, capMs = 10_000, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
