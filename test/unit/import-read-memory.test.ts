import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { openImport } from '../../shared/imports/read';

// A full collection before each sample makes retained heap measurable without flakiness.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const retained = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** ~31 MB of CSV generated on the fly in 64 KiB chunks: the test never holds the file either. */
async function* generatedCsv(rows: number): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  let text = '姓名,電子郵件,手機,地址,備註\r\n';
  for (let i = 1; i <= rows; i++) {
    text += `王小明${i},user${i}@example.com,09${String(i).padStart(8, '0')},"臺北市信義區市府路${i}號, ${i % 7}樓","註記 ${'x'.repeat(60)}"\r\n`;
    if (text.length > 32 * 1024) {
      yield encoder.encode(text);
      text = '';
    }
  }
  yield encoder.encode(text);
}

describe('memory', () => {
  it('reading a 200k-row stream keeps the heap flat', async () => {
    const total = 200_000;
    const before = retained();
    const imp = await openImport(generatedCsv(total));
    let count = 0;
    let last = '';
    const samples: number[] = [];
    for await (const row of imp.rows) {
      if (row.kind !== 'row') throw new Error(`unexpected reject: ${row.reason}`);
      count++;
      last = row.fields.name ?? '';
      if (count % 50_000 === 0) samples.push(retained());
    }
    expect(count).toBe(total);
    expect(last).toBe(`王小明${total}`);
    // Holding the rows or the text would retain > 60 MB by the end; flat reading retains ~nothing.
    const growth = Math.max(...samples) - before;
    expect(growth).toBeLessThan(8 * 1024 * 1024);
    // And no trend from the first sample to the last.
    expect((samples.at(-1) ?? 0) - (samples[0] ?? 0)).toBeLessThan(4 * 1024 * 1024);
  });
});
