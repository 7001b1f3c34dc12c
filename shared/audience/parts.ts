/**
 * Frozen audiences in the uploads bucket: NDJSON parts of `partSize` recipients, one
 * FrozenRecipient a line, under `audiences/<ws>/<campaignId>/<runId>/part-00001.ndjson`, …
 * Each part becomes one mail-queue message, so a part is the unit the mail worker retries.
 *
 * Parts are written as they fill, several at once (S3 takes thousands of writes a second; one at
 * a time, 100,000 recipients in parts of 50 would wait on 2,000 round trips). Keys depend only on
 * the position, so a rerun of a crashed freeze overwrites the same keys with the same lines.
 */
import type { BlobStore } from '../ports/blob-store';
import type { FrozenRecipient } from './types';

export const defaultPartSize = 50;
export const maxPartSize = 1000;
const contentType = 'application/x-ndjson';
/** Part writes in flight at once. */
const writeConcurrency = 32;

export const audiencePrefix = (workspaceId: string, campaignId: string, runId: string) => `audiences/${workspaceId}/${campaignId}/${runId}/`;
/** `n` counts from 1. */
export const partKey = (prefix: string, n: number) => `${prefix}part-${String(n).padStart(5, '0')}.ndjson`;

export class PartWriter {
  private lines: string[] = [];
  private readonly keys: string[] = [];
  private readonly writing = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly blobs: BlobStore,
    private readonly prefix: string,
    private readonly partSize: number,
  ) {}

  async add(recipient: FrozenRecipient): Promise<void> {
    this.lines.push(JSON.stringify(recipient));
    if (this.lines.length >= this.partSize) await this.cut();
  }

  /** Writes the last, short part and waits for every write; the keys in order. */
  async finish(): Promise<string[]> {
    if (this.lines.length > 0) await this.cut();
    await Promise.all(this.writing);
    this.rethrow();
    return [...this.keys];
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }

  private async cut(): Promise<void> {
    this.rethrow();
    const key = partKey(this.prefix, this.keys.length + 1);
    const body = `${this.lines.join('\n')}\n`;
    this.keys.push(key);
    this.lines = [];
    while (this.writing.size >= writeConcurrency) await Promise.race(this.writing);
    // Settles either way (a failure is kept and thrown from the next call): the race above never rejects.
    const write: Promise<void> = this.blobs.put(key, body, contentType).then(
      () => void this.writing.delete(write),
      (error: unknown) => {
        this.writing.delete(write);
        this.failure ??= { error };
      },
    );
    this.writing.add(write);
  }
}

/** The recipients of one part, in order. Throws when the part does not exist. */
export async function readAudiencePart(blobs: BlobStore, key: string): Promise<FrozenRecipient[]> {
  const body = await blobs.get(key);
  if (!body) throw new Error(`No audience part at ${key}`);
  return new TextDecoder()
    .decode(body)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as FrozenRecipient);
}
