/**
 * ContactScanner on the `contacts` table: reads one workspace's contacts (`WS#<ws>` / `CONTACT#<id>`)
 * with concurrent Queries over disjoint sort-key ranges, projected to the attributes asked for.
 *
 * Why Queries over ranges and not a parallel Scan (Segment/TotalSegments): Scan segments are
 * assigned by the hash of the partition key, and every contact of a workspace shares one
 * (`WS#<ws>`), so all of them land in one segment and the other workers idle; a Scan also reads
 * every other workspace's items and needs dynamodb:Scan, which no function is granted. Ranges of
 * one partition are read in parallel by DynamoDB (a large item collection spans many partitions).
 *
 * Ranges split by work stealing: one worker starts on [first id, last id]; a worker without a
 * range takes the upper half of the unread part of the range with the most left, once its owner
 * has read a page and found more (the owner's end moves down to the midpoint). Midpoints are computed on the ids read as base-95 numbers, so
 * lopsided ids (a million imported in one minute among years of others) are halved until the
 * dense part is shared too. Items an in-flight page returns beyond its range's (moved) end are
 * dropped: each contact is handed to `onPage` exactly once.
 */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config';
import type { ContactRecord } from '../../segments/evaluate';
import type { ContactPageRead, ContactScanner, ScanOptions, ScanResult } from '../../segments/ports';
import { documentClientFromEnv } from './contact-store.dynamodb';

type Item = Record<string, unknown>;

const partition = (ws: string) => `WS#${ws}`;
const prefix = 'CONTACT#';
const alwaysRead = ['id', 'sk', 'type', 'departmentId', 'groups'];
const defaultParallelism = 8;
const width = 32;

const digit = (text: string, i: number): bigint => {
  const code = text.charCodeAt(i);
  return BigInt(Number.isNaN(code) ? 0 : Math.min(94, Math.max(0, code - 32)));
};
const toNumber = (text: string): bigint => {
  let n = 0n;
  for (let i = 0; i < width; i++) n = n * 95n + digit(text, i);
  return n;
};
const fromNumber = (n: bigint): string => {
  const chars: string[] = [];
  for (let i = 0; i < width; i++) {
    chars.unshift(String.fromCharCode(Number(n % 95n) + 32));
    n /= 95n;
  }
  return chars.join('').trimEnd();
};

interface Range {
  /** Sort keys: read from `after` (exclusive) or `lo` (inclusive unless exclusiveLo) up to `hi` (inclusive). */
  readonly lo: string;
  hi: string;
  /** The last key read, set once a page ended before the range did: only then is it split. */
  after?: string;
  exclusiveLo?: boolean;
  done: boolean;
  owned: boolean;
}

/** `#a.#b` for a dotted path, adding the names. */
function projection(paths: readonly string[]): { expression: string; names: Record<string, string> } {
  const names: Record<string, string> = {};
  const parts = [...new Set(paths)].map((path) =>
    path
      .split('.')
      .map((segment) => {
        const key = `#p${Object.keys(names).length}`;
        const existing = Object.entries(names).find(([, v]) => v === segment)?.[0];
        if (existing) return existing;
        names[key] = segment;
        return key;
      })
      .join('.'),
  );
  return { expression: parts.join(', '), names };
}

export class DynamoContactScanner implements ContactScanner {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  private query(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>): Promise<QueryCommandOutput> {
    return this.options.client.send(new QueryCommand({ TableName: this.options.tableName, ...input }));
  }

  /** The first or last contact's sort key, or undefined for a workspace without contacts. */
  private async edge(ws: string, forward: boolean): Promise<string | undefined> {
    const page = await this.query({
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': partition(ws), ':s': prefix },
      ProjectionExpression: 'sk',
      ScanIndexForward: forward,
      Limit: 1,
    });
    return page.Items?.[0]?.sk as string | undefined;
  }

  async scan(ws: string, options: ScanOptions, onPage: (contacts: readonly ContactRecord[]) => void): Promise<ScanResult> {
    const [first, last] = await Promise.all([this.edge(ws, true), this.edge(ws, false)]);
    if (!first || !last) return { read: 0 };
    const projected = options.attributes ? projection([...alwaysRead, ...options.attributes]) : undefined;
    const ranges: Range[] = [{ lo: first, hi: last, done: false, owned: false }];
    let read = 0;

    const remaining = (range: Range) => toNumber(range.hi.slice(prefix.length)) - toNumber((range.after ?? range.lo).slice(prefix.length));
    // Only a range whose owner has read a page and found more is split: an idle worker waits for
    // that rather than halving an unread (maybe nearly empty) range down to nothing, one Query a
    // halving — which made a five-contact count take seconds.
    let failed = false;
    const claim = (): Range | 'wait' | undefined => {
      if (failed) return undefined;
      const free = ranges.find((r) => !r.owned && !r.done);
      if (free) {
        free.owned = true;
        return free;
      }
      const open = ranges.filter((r) => !r.done);
      if (open.length === 0) return undefined;
      const busiest = open.filter((r) => r.after !== undefined).sort((a, b) => (remaining(a) > remaining(b) ? -1 : 1))[0];
      if (!busiest) return 'wait';
      const from = busiest.after as string;
      const mid = prefix + fromNumber((toNumber(from.slice(prefix.length)) + toNumber(busiest.hi.slice(prefix.length))) / 2n);
      if (mid <= from || mid >= busiest.hi) return 'wait';
      const stolen: Range = { lo: mid, hi: busiest.hi, done: false, owned: true, exclusiveLo: true };
      busiest.hi = mid;
      ranges.push(stolen);
      return stolen;
    };
    let wakeUp: (() => void)[] = [];
    const pageLanded = () => {
      const waiting = wakeUp;
      wakeUp = [];
      waiting.forEach((resolve) => resolve());
    };

    const work = async () => {
      try {
        await steal();
      } catch (error) {
        failed = true; // the waiting workers stop too
        pageLanded();
        throw error;
      }
    };
    const steal = async () => {
      for (;;) {
        const range = claim();
        if (range === undefined) return;
        if (range === 'wait') {
          await new Promise<void>((resolve) => wakeUp.push(resolve));
          continue;
        }
        while (!range.done) {
          const start = range.after ?? (range.exclusiveLo ? range.lo : undefined);
          const page = await this.query({
            KeyConditionExpression: 'pk = :p AND sk BETWEEN :lo AND :hi',
            ExpressionAttributeValues: { ':p': partition(ws), ':lo': range.lo, ':hi': range.hi },
            ...(projected ? { ProjectionExpression: projected.expression, ExpressionAttributeNames: projected.names } : {}),
            ...(start ? { ExclusiveStartKey: { pk: partition(ws), sk: start } } : {}),
            ...(options.pageSize ? { Limit: options.pageSize } : {}),
          });
          // The range's end may have moved down (stolen) while this page was on its way.
          const items = ((page.Items ?? []) as Item[]).filter((item) => String(item.sk) <= range.hi && item.type === 'contact');
          const lastKey = page.LastEvaluatedKey?.sk as string | undefined;
          if (!lastKey || lastKey >= range.hi) range.done = true;
          else range.after = lastKey;
          read += items.length;
          if (items.length > 0) onPage(items.map(record));
          pageLanded();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.parallelism ?? defaultParallelism) }, work));
    return { read };
  }

  async page(ws: string, options: { after?: string; limit: number }): Promise<ContactPageRead> {
    const page = await this.query({
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': partition(ws), ':s': prefix },
      Limit: options.limit,
      ...(options.after ? { ExclusiveStartKey: { pk: partition(ws), sk: `${prefix}${options.after}` } } : {}),
    });
    const contacts = ((page.Items ?? []) as Item[]).filter((item) => item.type === 'contact').map(record);
    const lastKey = page.LastEvaluatedKey?.sk as string | undefined;
    return { contacts, ...(lastKey ? { next: lastKey.slice(prefix.length) } : {}) };
  }
}

/** Stored item → record: the storage keys dropped, the groups string set as a list. */
function record(item: Item): ContactRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, type: _type, ...rest } = item;
  if (rest.groups instanceof Set) rest.groups = [...(rest.groups as Set<string>)].sort();
  return rest;
}

export function contactScannerFromEnv(): ContactScanner {
  return new DynamoContactScanner({ client: documentClientFromEnv(), tableName: tableName('contacts') });
}
