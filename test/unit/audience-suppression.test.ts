/** The suppression model: which reason an address keeps, and how entries are normalised before a store applies them. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors';
import { normaliseEntries, reasonStrength, strongest } from '../../shared/suppression/model';

describe('suppression entries', () => {
  it('ranks complaint over bounce over unsubscribe over manual', () => {
    expect(['manual', 'unsubscribe', 'bounce', 'complaint'].map((r) => reasonStrength(r as never))).toEqual([1, 2, 3, 4]);
  });

  it('keeps the stronger reason with its detail, and the earlier time', () => {
    const bounce = { email: 'a@x.com', reason: 'bounce', detail: '550 5.1.1', campaignId: 'c1', at: '2026-02-01T00:00:00.000Z' } as const;
    const manual = { email: 'a@x.com', reason: 'manual', detail: 'by admin', at: '2026-01-01T00:00:00.000Z' } as const;
    expect(strongest(bounce, manual)).toEqual({ ...bounce, at: manual.at });
    expect(strongest(manual, bounce)).toEqual({ ...bounce, at: manual.at });
  });

  it('lower-cases addresses, normalises times and folds repeats within one call', () => {
    expect(
      normaliseEntries([
        { email: ' A@X.com ', reason: 'unsubscribe', at: '2026-03-01T08:00:00+08:00' },
        { email: 'a@x.COM', reason: 'complaint', at: '2026-03-02T00:00:00Z' },
        { email: 'b@x.com', reason: 'manual', at: '2026-03-02T00:00:00Z' },
      ]),
    ).toEqual([
      { email: 'a@x.com', reason: 'complaint', at: '2026-03-01T00:00:00.000Z' },
      { email: 'b@x.com', reason: 'manual', at: '2026-03-02T00:00:00.000Z' },
    ]);
  });

  it('names each bad entry', () => {
    let error: unknown;
    try {
      normaliseEntries([{ email: 'a@x.com', reason: 'manual', at: '2026-01-01T00:00:00Z' }, { email: 'nope', reason: 'spam' as never, at: 'yesterday' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.field)).toEqual(['entries.1.email', 'entries.1.reason', 'entries.1.at']);
  });
});
