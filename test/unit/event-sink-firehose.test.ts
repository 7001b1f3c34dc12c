/** The pure parts of the Firehose write path: batch sizing, backoff, and the object keys the local Firehose writes. */
import { describe, expect, it } from 'vitest';
import { backoffMs, batchLength, FIREHOSE_LIMITS, requestBytesOf } from '../../shared/adapters/aws/event-sink.firehose';
import { firehoseObjectKey } from '../../infra/local/emulators/firehose';

describe('batchLength', () => {
  it('takes at most 500 records', () => {
    expect(batchLength(Array.from({ length: 1200 }, () => 100))).toBe(500);
    expect(batchLength(Array.from({ length: 37 }, () => 100))).toBe(37);
    expect(batchLength([])).toBe(0);
  });

  it('keeps the encoded request under 4 MiB', () => {
    const max = FIREHOSE_LIMITS.recordBytes;
    // Three 1,000 KiB records are 3.9 MiB of base64; a fourth would pass 4 MiB.
    expect(batchLength([max, max, max, max, max])).toBe(3);
    const sizes = Array.from({ length: 500 }, () => 10_000);
    const n = batchLength(sizes);
    expect(n).toBeLessThan(500);
    expect(n * requestBytesOf(10_000)).toBeLessThanOrEqual(FIREHOSE_LIMITS.requestBytes);
    expect((n + 1) * requestBytesOf(10_000) + 64).toBeGreaterThan(FIREHOSE_LIMITS.requestBytes);
  });

  it('always takes the first record, whatever its size', () => {
    expect(batchLength([FIREHOSE_LIMITS.requestBytes])).toBe(1);
  });

  it('respects custom limits', () => {
    expect(batchLength([10, 10, 10, 10], { records: 2, requestBytes: 1_000 })).toBe(2);
    expect(batchLength([300, 300, 300], { records: 10, requestBytes: 64 + 2 * requestBytesOf(300) })).toBe(2);
  });
});

describe('backoffMs', () => {
  it('doubles per attempt, half of it jittered, capped', () => {
    expect(backoffMs(1, 100, 5_000, 0)).toBe(50);
    expect(backoffMs(1, 100, 5_000, 1)).toBe(100);
    expect(backoffMs(3, 100, 5_000, 0)).toBe(200);
    expect(backoffMs(3, 100, 5_000, 1)).toBe(400);
    expect(backoffMs(20, 100, 5_000, 1)).toBe(5_000);
    expect(backoffMs(20, 100, 5_000, 0)).toBe(2_500);
  });
});

describe('firehoseObjectKey', () => {
  it("has Firehose's shape: <prefix>dt=<UTC day>/<stream>-1-<UTC time>-<id>.gz", () => {
    const at = new Date('2026-03-09T23:59:58.123Z');
    expect(firehoseObjectKey('events/', 'pigeon-events', at, 'abc')).toBe('events/dt=2026-03-09/pigeon-events-1-2026-03-09-23-59-58-abc.gz');
    // UTC, not local time: 00:30 on 1 January in Taipei is 16:30 on 31 December in UTC.
    expect(firehoseObjectKey('events/', 's', new Date('2026-01-01T00:30:00+08:00'), 'x')).toBe('events/dt=2025-12-31/s-1-2025-12-31-16-30-00-x.gz');
  });

  it('uses a fresh uuid by default', () => {
    const at = new Date();
    const a = firehoseObjectKey('events/', 's', at);
    expect(a).toMatch(/-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.gz$/);
    expect(firehoseObjectKey('events/', 's', at)).not.toBe(a);
  });
});
