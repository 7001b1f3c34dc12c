/**
 * The Traditional Chinese font the report PDFs embed (pdfkit's built-in fonts know only Latin).
 * In Lambda the `layers/cjk-fonts` layer puts it at /opt/fonts/… and CJK_FONT_PATH names the file;
 * locally and in tests it is read straight from the npm package. Read once per path and kept: it
 * is 5–6 MB and every PDF of a container needs the same bytes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** Noto Sans Hant (Traditional Chinese, with Latin), OFL 1.1, as OpenType/CFF files. */
export const CJK_FONT_PACKAGE = '@embedpdf/fonts-tc';
export const CJK_FONT_FILE = 'NotoSansHant-Regular.otf';
/** The package's licence file, copied next to the font in the layer. */
export const CJK_FONT_LICENSE_FILE = 'LICENSE';
export const CJK_FONT_PATH_ENV = 'CJK_FONT_PATH';

let packageDir: string | undefined;

/**
 * Where the font package lies. Its `exports` map opens only the JS entry (not package.json or
 * the fonts), so resolve that and walk up to the folder whose package.json names the package.
 */
export function cjkFontPackageDirectory(): string {
  if (packageDir) return packageDir;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(CJK_FONT_PACKAGE);
  } catch {
    throw new Error(`No CJK font: set ${CJK_FONT_PATH_ENV} (the cjk-fonts layer puts it under /opt/fonts) or install ${CJK_FONT_PACKAGE}`);
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === CJK_FONT_PACKAGE) return (packageDir = dir);
  }
  throw new Error(`Cannot find the folder of ${CJK_FONT_PACKAGE} above ${entry}`);
}

/** The font file to read: CJK_FONT_PATH when set, else the package's Regular weight. */
export function cjkFontPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const configured = env[CJK_FONT_PATH_ENV]?.trim();
  return configured ? resolve(configured) : join(cjkFontPackageDirectory(), 'fonts', CJK_FONT_FILE);
}

const loaded = new Map<string, Promise<Uint8Array>>();

/** The font's bytes, read once per path; a failed read is not kept, so a later call retries. */
export function loadCjkFont(options: { readonly path?: string; readonly env?: Readonly<Record<string, string | undefined>> } = {}): Promise<Uint8Array> {
  const path = options.path ? resolve(options.path) : cjkFontPath(options.env);
  let pending = loaded.get(path);
  if (!pending) {
    pending = readFile(path).then(
      (bytes) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      (error: unknown) => {
        loaded.delete(path);
        const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
        throw new Error(`Cannot read the CJK font ${path} (${reason}); ${CJK_FONT_PATH_ENV} must name a TrueType/OpenType file`, { cause: error });
      },
    );
    loaded.set(path, pending);
  }
  return pending;
}

let syncFont: Uint8Array | null | undefined;

/**
 * The font for code that builds its PDFs synchronously (the mail worker's per-recipient PDF
 * attachments): read once; undefined when it cannot be read, so those PDFs fall back to pdfkit's
 * Latin font rather than failing the send (the caller logs it).
 */
export function cjkFontOrNone(env: Readonly<Record<string, string | undefined>> = process.env): Uint8Array | undefined {
  if (syncFont === undefined) {
    try {
      const bytes = readFileSync(cjkFontPath(env));
      syncFont = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch {
      syncFont = null;
    }
  }
  return syncFont ?? undefined;
}
