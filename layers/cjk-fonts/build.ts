/**
 * Builds the CJK font Lambda layer: copies the Traditional Chinese font and its licence (OFL 1.1)
 * from the npm package into `layers/cjk-fonts/dist/fonts/`. CDK packages `layers/cjk-fonts/dist`
 * as the layer, so the font lands at /opt/fonts/<file> and functions that draw PDFs set
 * CJK_FONT_PATH to `CJK_FONT_LAYER_PATH`.
 *
 *   npx tsx layers/cjk-fonts/build.ts      # or ensureCjkFontLayer() at synth time
 *
 * Only the Regular weight goes in (the package ships seven, 5–6 MB each): the reports need one.
 * Copies, not links, since a CDK asset must hold the bytes.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceFolder } from '../replace-folder';
import { CJK_FONT_FILE, CJK_FONT_LICENSE_FILE, CJK_FONT_PACKAGE, cjkFontPackageDirectory } from '../../shared/reports/fonts';

/** What CDK packages as the layer (its content appears under /opt). */
export const cjkFontLayerRoot = fileURLToPath(new URL('./dist', import.meta.url));
/** The folder inside the layer: /opt/fonts in Lambda. */
export const CJK_FONT_LAYER_FOLDER = 'fonts';
/** The font file's name in the layer. */
export const CJK_FONT_LAYER_FILE = CJK_FONT_FILE;
/** The value of CJK_FONT_PATH for functions that have the layer. */
export const CJK_FONT_LAYER_PATH = `/opt/${CJK_FONT_LAYER_FOLDER}/${CJK_FONT_LAYER_FILE}`;

export interface CjkFontLayerBuild {
  /** The folder to package as the layer (`…/dist`). */
  readonly root: string;
  /** Where the files are (`…/dist/fonts`). */
  readonly directory: string;
  readonly files: readonly { readonly name: string; readonly bytes: number }[];
  /** `package@version` the files came from. */
  readonly source: string;
}

export interface CjkFontLayerOptions {
  /** Instead of `layers/cjk-fonts/dist` (tests build into a temporary folder). */
  readonly root?: string;
  /** The package folder to copy from; the installed `@embedpdf/fonts-tc` when absent. */
  readonly sourceDir?: string;
}

interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly license?: string;
}

const sourceFile = 'SOURCE.txt';
/** Where each copied file is in the package, by its name in the layer. */
const copied: readonly (readonly [name: string, from: string])[] = [
  [CJK_FONT_FILE, join('fonts', CJK_FONT_FILE)],
  [CJK_FONT_LICENSE_FILE, CJK_FONT_LICENSE_FILE],
];

const sourceOf = (pkg: PackageJson) => `${pkg.name ?? CJK_FONT_PACKAGE}@${pkg.version ?? 'unknown'}`;
/** Next to the font: where it came from and its licence (the OFL asks that it travel with the font). */
const sourceText = (pkg: PackageJson) =>
  `${sourceOf(pkg)}\nfont: Noto Sans Hant Regular (${CJK_FONT_FILE}), © Adobe and Google, Reserved Font Name "Noto Sans"\nlicence: ${pkg.license ?? 'OFL-1.1'} (SIL Open Font License 1.1, text in ${CJK_FONT_LICENSE_FILE})\n`;

function plan(options: CjkFontLayerOptions) {
  const root = options.root ?? cjkFontLayerRoot;
  const sourceDir = options.sourceDir ?? cjkFontPackageDirectory();
  return { root, sourceDir, directory: join(root, CJK_FONT_LAYER_FOLDER) };
}

function missing(sourceDir: string): Error {
  return new Error(`${sourceDir} holds no ${copied.map(([, from]) => from).join(' / ')}: is ${CJK_FONT_PACKAGE} installed?`);
}

/** Builds the layer folder from scratch (replacing it): into a scratch folder first, then renamed. */
export async function buildCjkFontLayer(options: CjkFontLayerOptions = {}): Promise<CjkFontLayerBuild> {
  const { root, sourceDir, directory } = plan(options);
  const pkg = JSON.parse(await readFile(join(sourceDir, 'package.json'), 'utf8')) as PackageJson;
  await mkdir(root, { recursive: true });
  const scratch = await mkdtemp(join(root, '.build-'));
  try {
    const files: { name: string; bytes: number }[] = [];
    for (const [name, from] of copied) {
      await copyFile(join(sourceDir, from), join(scratch, name)).catch((error: unknown) => {
        throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? missing(sourceDir) : error;
      });
      files.push({ name, bytes: (await stat(join(scratch, name))).size });
    }
    await writeFile(join(scratch, sourceFile), sourceText(pkg));
    await rm(directory, { recursive: true, force: true });
    await rename(scratch, directory);
    return { root, directory, files, source: sourceOf(pkg) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * For synthesis (synchronous, as CDK is): returns at once when `dist/fonts` already holds the
 * installed package version's files at their sizes; otherwise builds it like
 * `buildCjkFontLayer()`. The scratch-then-rename step means a concurrent synth never packages a
 * half-copied font.
 */
export function ensureCjkFontLayer(options: CjkFontLayerOptions = {}): CjkFontLayerBuild {
  const { root, sourceDir, directory } = plan(options);
  if (!copied.every(([, from]) => existsSync(join(sourceDir, from)))) throw missing(sourceDir);
  const pkg = JSON.parse(readFileSync(join(sourceDir, 'package.json'), 'utf8')) as PackageJson;
  const files = copied.map(([name, from]) => ({ name, bytes: statSync(join(sourceDir, from)).size }));
  const result: CjkFontLayerBuild = { root, directory, files, source: sourceOf(pkg) };

  const upToDate = () =>
    existsSync(join(directory, sourceFile)) &&
    readFileSync(join(directory, sourceFile), 'utf8') === sourceText(pkg) &&
    readdirSync(directory).sort().join('\n') === [...files.map((file) => file.name), sourceFile].sort().join('\n') &&
    files.every((file) => statSync(join(directory, file.name)).size === file.bytes);
  if (upToDate()) return result;

  replaceFolder(
    root,
    directory,
    (scratch) => {
      for (const [name, from] of copied) copyFileSync(join(sourceDir, from), join(scratch, name));
      writeFileSync(join(scratch, sourceFile), sourceText(pkg));
    },
    upToDate,
  );
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const build = await buildCjkFontLayer();
  for (const file of build.files) console.log(`${(file.bytes / 1e6).toFixed(2).padStart(7)} MB  ${file.name}`);
  console.log(`${build.source} → ${build.directory}`);
}
