/**
 * Reads a ZIP archive defensively: the central directory is read first (names, declared sizes,
 * methods) so an archive can be refused before anything is inflated; then each entry is inflated
 * with fflate in slices, stopping the moment it produces more than it declared.
 */
import { crc32 } from 'node:zlib';
import chardet from 'chardet';
import { Inflate } from 'fflate';
import iconv from 'iconv-lite';

export interface ZipEntry {
  /** The name as stored (decoded to text), not yet normalised. */
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc: number;
  readonly encrypted: boolean;
  readonly localHeaderOffset: number;
}

export class ZipFormatError extends Error {
  override readonly name = 'ZipFormatError';
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const UTF8_FLAG = 0x800;
const STORED = 0;
const DEFLATED = 8;
const SLICE = 64 * 1024;

/** The archive's entries, from its central directory; refuses more than `maxEntries` before reading them. */
export function readEntries(zip: Uint8Array, maxEntries: number): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = findEndOfCentralDirectory(view);
  const count = view.getUint16(end + 10, true);
  const offset = view.getUint32(end + 16, true);
  if (count === 0xffff || offset === 0xffffffff) throw new ZipFormatError('ZIP64 archives (over 4 GB or 65,535 entries) are not accepted.');
  if (count > maxEntries) throw new ZipFormatError(`The archive has ${count} entries; at most ${maxEntries} are accepted.`);

  const rawNames: Uint8Array[] = [];
  const partial: Omit<ZipEntry, 'name'>[] = [];
  const utf8: boolean[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || view.getUint32(at, true) !== CENTRAL) throw new ZipFormatError('The archive is damaged: its central directory is cut short.');
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    partial.push({
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      encrypted: (flags & 1) === 1,
      localHeaderOffset: view.getUint32(at + 42, true),
    });
    rawNames.push(zip.subarray(at + 46, at + 46 + nameLength));
    utf8.push((flags & UTF8_FLAG) !== 0);
    at += 46 + nameLength + extraLength + commentLength;
  }
  const legacy = legacyNameCharset(rawNames.filter((_, i) => !utf8[i]));
  return partial.map((entry, i) => ({ ...entry, name: decodeName(rawNames[i] as Uint8Array, utf8[i] === true, legacy) }));
}

function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - 22;
  const first = Math.max(0, last - 0xffff);
  for (let at = last; at >= first; at--) {
    if (view.getUint32(at, true) === EOCD) return at;
  }
  throw new ZipFormatError('The file is not a ZIP archive.');
}

/**
 * Names without the UTF-8 flag: usually UTF-8 all the same (macOS), else the Windows code page
 * of whoever zipped them (Big5 in Taiwan); chardet picks it from all such names together.
 */
function legacyNameCharset(names: Uint8Array[]): string {
  const joined = Buffer.concat(names.filter((name) => !isUtf8(name)));
  if (!joined.length) return 'utf-8';
  const guess = chardet.detect(joined)?.toLowerCase();
  return guess && iconv.encodingExists(guess) ? guess : 'cp437';
}

function decodeName(bytes: Uint8Array, utf8: boolean, legacy: string): string {
  if (utf8 || isUtf8(bytes)) return Buffer.from(bytes).toString('utf8');
  return iconv.decode(Buffer.from(bytes), legacy);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Inflates one entry. `budget` is what the caller still allows in total; more output than the
 * entry declared (a lying header) or than the budget stops the inflation at once.
 */
export function inflateEntry(zip: Uint8Array, entry: ZipEntry, budget: number): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > zip.length || view.getUint32(at, true) !== LOCAL) throw new ZipFormatError(`The archive is damaged at ${entry.name}.`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const compressed = zip.subarray(start, start + entry.compressedSize);
  if (compressed.length !== entry.compressedSize) throw new ZipFormatError(`The archive is damaged at ${entry.name}: its data is cut short.`);
  const limit = Math.min(entry.size, budget);

  let data: Uint8Array;
  if (entry.method === STORED) {
    if (compressed.length > limit) throw new ZipFormatError(`${entry.name} is larger than the archive says or than allowed.`);
    data = compressed;
  } else if (entry.method === DEFLATED) {
    const out = new Uint8Array(limit);
    let length = 0;
    const inflater = new Inflate((chunk) => {
      if (length + chunk.length > limit) throw new ZipFormatError(`${entry.name} inflates to more than the archive says or than allowed.`);
      out.set(chunk, length);
      length += chunk.length;
    });
    for (let i = 0; i < compressed.length || i === 0; i += SLICE) inflater.push(compressed.subarray(i, i + SLICE), i + SLICE >= compressed.length);
    data = out.subarray(0, length);
  } else {
    throw new ZipFormatError(`${entry.name} uses a compression method (${entry.method}) that is not supported; use plain ZIP (deflate).`);
  }
  if (data.length !== entry.size || crc32(data) >>> 0 !== entry.crc) throw new ZipFormatError(`The archive is damaged at ${entry.name}: its content does not match its checksum.`);
  return data;
}
