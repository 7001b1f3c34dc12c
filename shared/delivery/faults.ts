/**
 * Fault injection for the sandbox's reliability tests: a test sets these on the process, the
 * mail worker reads them. A global symbol (not module state) so the test and the handlers, which
 * the sandbox imports separately, see the same switch. Nothing sets them outside tests.
 */
export interface DeliveryFaults {
  /** Probability that the worker "dies" right after SES accepted a message, before the ledger hears of it. */
  readonly crashAfterAccept?: number;
}

export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

const key = Symbol.for('pigeon.delivery.faults');
const crashes = Symbol.for('pigeon.delivery.crashes');
type Holder = { [key]?: DeliveryFaults; [crashes]?: number };

export function setDeliveryFaults(faults: DeliveryFaults | undefined): void {
  (globalThis as Holder)[key] = faults;
  (globalThis as Holder)[crashes] = 0;
}

/** How many crashes were injected since the faults were set. */
export const injectedCrashes = (): number => (globalThis as Holder)[crashes] ?? 0;

/** Throws SimulatedCrash when the injected fault says so. */
export function crashAfterAcceptMaybe(random: () => number = Math.random): void {
  const holder = globalThis as Holder;
  const rate = holder[key]?.crashAfterAccept ?? 0;
  if (rate > 0 && random() < rate) {
    holder[crashes] = (holder[crashes] ?? 0) + 1;
    throw new SimulatedCrash('Injected fault: worker died after SES accepted the message');
  }
}
