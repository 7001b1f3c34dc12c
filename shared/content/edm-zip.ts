/**
 * unpackEdmZip: an EDM designed elsewhere, uploaded as a ZIP of an HTML page with its images and
 * styles. Every file goes to the assets bucket and the page's relative references are rewritten
 * to their public URLs. Hostile archives (paths escaping the folder, zip bombs, thousands of
 * entries) are refused whole, before anything is written.
 */
import { ValidationError } from '../errors';
import type { BlobStore } from '../ports/blob-store';
import { contentTypeOf } from './content-types';
import { htmlFromUpload } from './html-decode';
import { decodeAttribute } from './html-transform';
import { inflateEntry, readEntries, ZipFormatError, type ZipEntry } from './zip-reader';

export interface EdmZipLimits {
  /** Entries in the archive, folders and ignored files included. Default 2,000. */
  readonly maxEntries?: number;
  /** Uncompressed bytes of the files kept. Default 50 MB. */
  readonly maxTotalBytes?: number;
  /** Uncompressed : compressed, for entries (and archives) over 1 MB. Default 100. */
  readonly maxRatio?: number;
}

export interface EdmZipOptions {
  readonly sink: BlobStore;
  /** Key prefix in the assets bucket, ending with `/` (`edm/<ws>/<campaignId>/<uploadId>/`). */
  readonly prefix: string;
  /** Public base URL of the assets bucket. */
  readonly assetsBaseUrl: string;
  readonly limits?: EdmZipLimits;
}

export interface UnpackedEdm {
  /** The main page, decoded, with its relative references rewritten. */
  readonly html: string;
  /** The main page's path in the archive. */
  readonly entry: string;
  /** Paths (in the archive) of the files uploaded, each to `prefix + path`. */
  readonly files: string[];
  readonly warnings: string[];
}

const defaults = { maxEntries: 2_000, maxTotalBytes: 50 * 1024 * 1024, maxRatio: 100 };
/** Small files compress as they like: the ratio test applies from here. */
const RATIO_FLOOR = 1024 * 1024;
const UPLOADS_AT_ONCE = 8;

export async function unpackEdmZip(zip: Uint8Array, options: EdmZipOptions): Promise<UnpackedEdm> {
  const limits = { ...defaults, ...options.limits };
  const files = acceptedFiles(zip, limits);
  const warnings: string[] = [];

  const pages = [...files.keys()].filter((path) => /\.html?$/i.test(path));
  const entry = mainPage(pages);
  if (!entry) throw refuse('The archive has no HTML file (index.html) to use as the message.');
  if (pages.length > 1) warnings.push(`The archive has ${pages.length} HTML files; ${entry} was used as the message.`);

  const { html: page } = htmlFromUpload(files.get(entry) as Uint8Array);
  const html = rewriteReferences(page, entry, files, options, warnings);

  const uploads = [...files.keys()].filter((path) => path !== entry).sort();
  for (let i = 0; i < uploads.length; i += UPLOADS_AT_ONCE) {
    await Promise.all(uploads.slice(i, i + UPLOADS_AT_ONCE).map((path) => options.sink.put(options.prefix + path, files.get(path) as Uint8Array, contentTypeOf(path))));
  }
  return { html, entry, files: uploads, warnings };
}

function refuse(message: string, entry?: string): ValidationError {
  return new ValidationError(message, [{ field: entry ? `file.${entry}` : 'file', message }]);
}

/** Validates every entry's path and size first, then inflates the kept ones within the limits. */
function acceptedFiles(zip: Uint8Array, limits: Required<EdmZipLimits>): Map<string, Uint8Array> {
  let entries: ZipEntry[];
  try {
    entries = readEntries(zip, limits.maxEntries);
  } catch (error) {
    if (error instanceof ZipFormatError) throw refuse(error.message);
    throw error;
  }
  const kept: { path: string; entry: ZipEntry }[] = [];
  const seen = new Set<string>();
  let declared = 0;
  let compressed = 0;
  for (const entry of entries) {
    const path = safePath(entry.name);
    if (path === undefined) continue;
    if (entry.encrypted) throw refuse(`The entry "${entry.name}" is password-protected; upload an archive without a password.`, entry.name);
    if (seen.has(path)) throw refuse(`The entry "${entry.name}" appears twice in the archive.`, entry.name);
    seen.add(path);
    if (entry.size >= RATIO_FLOOR && entry.size > entry.compressedSize * limits.maxRatio) {
      throw refuse(`The entry "${entry.name}" expands ${Math.round(entry.size / Math.max(1, entry.compressedSize))} times when unpacked, which looks like a zip bomb.`, entry.name);
    }
    declared += entry.size;
    compressed += entry.compressedSize;
    kept.push({ path, entry });
  }
  if (declared > limits.maxTotalBytes) throw refuse(`The archive unpacks to ${sizeText(declared)}; at most ${sizeText(limits.maxTotalBytes)} is accepted.`);
  if (declared >= RATIO_FLOOR && declared > compressed * limits.maxRatio) throw refuse('The archive expands too much when unpacked, which looks like a zip bomb.');

  const files = new Map<string, Uint8Array>();
  let budget = limits.maxTotalBytes;
  for (const { path, entry } of kept) {
    try {
      const data = inflateEntry(zip, entry, budget);
      budget -= data.length;
      files.set(path, data);
    } catch (error) {
      if (error instanceof ZipFormatError) throw refuse(error.message, entry.name);
      throw refuse(`The entry "${entry.name}" cannot be unpacked: ${error instanceof Error ? error.message : String(error)}.`, entry.name);
    }
  }
  return files;
}

/**
 * The entry's path inside the archive, or undefined for what we skip (folders, macOS metadata,
 * dotfiles); throws for paths that would escape the folder the archive is unpacked into.
 */
function safePath(name: string): string | undefined {
  const normal = name.replace(/\\/g, '/');
  if (normal.endsWith('/')) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(normal)) throw refuse(`The entry "${name}" has control characters in its name.`, name);
  if (normal.startsWith('/') || /^[a-zA-Z]:/.test(normal)) throw refuse(`The entry "${name}" has an absolute path; archives may only hold relative paths.`, name);
  const segments = normal.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw refuse(`The entry "${name}" points outside the archive (".."); it is refused.`, name);
  if (segments[0] === '__MACOSX' || segments.some((s) => s.startsWith('.'))) return undefined;
  return segments.join('/');
}

/** index.html / index.htm nearest the top; else the only page; else the shallowest. */
function mainPage(pages: string[]): string | undefined {
  const depth = (path: string): number => path.split('/').length;
  const order = (a: string, b: string): number => depth(a) - depth(b) || a.localeCompare(b);
  const index = pages.filter((p) => /(^|\/)index\.html?$/i.test(p)).sort(order);
  return index[0] ?? [...pages].sort(order)[0];
}

const ATTRIBUTE_REF = /(\s(?:src|href|background)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;
const CSS_URL = /url\(\s*(?:"([^"]*)"|'([^']*)'|&quot;(.*?)&quot;|([^)"'\s]+))\s*\)/gi;
const ABSOLUTE = /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i;

/** Rewrites the page's relative `src` / `href` / `background` and CSS `url()` references to public URLs. */
function rewriteReferences(html: string, entry: string, files: Map<string, Uint8Array>, options: EdmZipOptions, warnings: string[]): string {
  const folder = entry.includes('/') ? entry.slice(0, entry.lastIndexOf('/') + 1) : '';
  const byLowerCase = new Map([...files.keys()].map((path) => [path.toLowerCase(), path]));
  const missing = new Set<string>();
  const base = options.assetsBaseUrl.replace(/\/+$/, '');

  const resolve = (reference: string): string | undefined => {
    const trimmed = decodeAttribute(reference.trim());
    if (!trimmed || ABSOLUTE.test(trimmed) || trimmed.includes('{{') || trimmed.includes('{%')) return undefined;
    const [, pathPart = '', suffix = ''] = /^([^?#]*)(.*)$/s.exec(trimmed) ?? [];
    const path = resolvePath(pathPart.startsWith('/') ? '' : folder, safeDecode(pathPart));
    const found = path === undefined ? undefined : files.has(path) ? path : byLowerCase.get(path.toLowerCase());
    if (!found || found === entry) {
      if (!found) missing.add(trimmed);
      return undefined;
    }
    return `${base}/${encodePath(options.prefix + found)}${suffix}`;
  };

  const rewritten = html
    .replace(ATTRIBUTE_REF, (whole, start: string, dq?: string, sq?: string, bare?: string) => {
      const url = resolve(dq ?? sq ?? bare ?? '');
      return url ? `${start}"${url}"` : whole;
    })
    .replace(CSS_URL, (whole, dq?: string, sq?: string, entity?: string, bare?: string) => {
      const url = resolve(dq ?? sq ?? entity ?? bare ?? '');
      return url ? `url(${url})` : whole;
    });
  for (const reference of missing) warnings.push(`"${reference}" (in ${entry}) is not in the archive; the reference was left as it is.`);
  return rewritten;
}

/** Joins and normalises a reference against a folder; undefined when it climbs out of the archive. */
function resolvePath(folder: string, reference: string): string | undefined {
  const out: string[] = [];
  for (const segment of `${folder}${reference.replace(/\\/g, '/')}`.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(segment);
  }
  return out.join('/');
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Encodes each path segment, parentheses and quotes too, so the URL is safe unquoted in CSS. */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
  return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KB`;
}
