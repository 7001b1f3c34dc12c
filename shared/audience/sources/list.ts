/**
 * The typed list (OMICard 直接輸入名單): one recipient a line, `email` or `email,name` with a comma,
 * tab or semicolon between (also `Name <email>`, as mail programs copy addresses). Blank lines are
 * skipped, not counted.
 */
import { batchSize, type Candidate, type CandidateBatches } from './candidate';

const delimiter = /[,\t;]/;
/** `王小明 <wang@example.com>` or `"Wang, Da-Ming" <wang@example.com>`. */
const named = /^"?([^"<>]*?)"?\s*<([^<>]+)>$/;
/**
 * What is left of `wang@gmail,com` after splitting at the comma (the cleaner fixes comma-for-dot).
 * Only common endings, lower-case: `a@b,Bob` is a name after a broken address, not `a@b.bob`.
 */
const domainTail = /^(?:com|net|org|edu|gov|idv|biz|info)(?:\.[a-z]{2})?$/;

const unquote = (text: string) => text.replace(/^"(.*)"$/s, '$1').trim();

export function parseListLine(line: string): { address: string; name?: string } | undefined {
  const text = line.trim();
  if (text === '') return undefined;
  const wrapped = named.exec(text);
  if (wrapped) {
    const name = (wrapped[1] ?? '').trim();
    return { address: (wrapped[2] ?? '').trim(), ...(name ? { name } : {}) };
  }
  const at = text.search(delimiter);
  if (at < 0) return { address: text };
  const address = text.slice(0, at).trim();
  const rest = text.slice(at + 1).trim();
  // `wang@gmail,com`: a typo inside the address, not a name after it.
  if (text[at] !== '\t' && /@[^.]*$/.test(address) && domainTail.test(rest)) return { address: text };
  const name = unquote(rest);
  return { address, ...(name ? { name } : {}) };
}

export async function* listCandidates(lines: readonly string[]): CandidateBatches {
  let batch: Candidate[] = [];
  for (const line of lines) {
    const parsed = parseListLine(line);
    if (!parsed) continue;
    batch.push({ address: parsed.address, fields: parsed.name ? { name: parsed.name } : {}, lookUp: true });
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
