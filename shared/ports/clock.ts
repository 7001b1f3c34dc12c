/** Time, behind a port so tests and the local scheduler can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
