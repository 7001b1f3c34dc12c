/**
 * The guarded URL fetcher: which addresses count as public, refusals that happen before any
 * connection (loopback, private, metadata, IPv4-mapped, unique-local, names resolving inside,
 * other schemes), and — against a local server, reachable only because these tests widen the
 * address policy — the pinned connection, size and time limits, and vetted redirects.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch, isPublicAddress, UrlFetchError, type Resolver } from '../../shared/audience/url-guard';

async function failure(work: Promise<unknown>): Promise<UrlFetchError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UrlFetchError);
  return error as UrlFetchError;
}

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '1.1.1.1', '203.74.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '192.0.2.1',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::7f00:1',
    'fd00::1',
    'fc00::1',
    'fe80::1',
    'ff02::1',
    '64:ff9b::7f00:1',
    '2002:7f00:1::1',
    '2001::1',
    'localhost',
    '',
  ])('%s is not', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});

describe('guarded fetch', () => {
  let server: http.Server;
  let port: number;
  const hits: string[] = [];
  const hosts: string[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const path = request.url ?? '/';
      hits.push(path);
      hosts.push(request.headers.host ?? '');
      if (path === '/list.csv') return void response.end('email,name\nann@example.com,Ann\n');
      if (path === '/big') {
        response.setHeader('content-length', '5000');
        return void response.end('x'.repeat(5000));
      }
      if (path === '/stream') {
        // No declared length: the reader must cut it off itself.
        response.write('y'.repeat(800));
        const timer = setInterval(() => response.write('y'.repeat(800)), 5);
        response.on('close', () => clearInterval(timer));
        return;
      }
      if (path === '/slow') return; // never answers
      if (path.startsWith('/hop/')) {
        const n = Number(path.slice(5));
        response.statusCode = 302;
        response.setHeader('location', n <= 1 ? '/list.csv' : `/hop/${n - 1}`);
        return void response.end();
      }
      if (path === '/to-metadata') {
        response.statusCode = 301;
        response.setHeader('location', 'http://169.254.169.254/latest/meta-data/');
        return void response.end();
      }
      if (path === '/to-internal') {
        response.statusCode = 307;
        response.setHeader('location', `http://internal.test:${port}/list.csv`);
        return void response.end();
      }
      if (path === '/to-file') {
        response.statusCode = 302;
        response.setHeader('location', 'file:///etc/passwd');
        return void response.end();
      }
      response.statusCode = 404;
      response.end('no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** lists.test → the local server; internal.test → a private address; anything else unknown. */
  let resolutions = 0;
  const resolve: Resolver = async (host) => {
    resolutions++;
    if (host === 'lists.test') return [{ address: '127.0.0.1', family: 4 }];
    if (host === 'internal.test') return [{ address: '10.0.0.5', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  };
  /** The one widening only tests make: the local server's address counts as public. */
  const local = (options: Parameters<typeof createGuardedFetch>[0] = {}) =>
    createGuardedFetch({ resolve, allowAddress: (a) => a === '127.0.0.1' || isPublicAddress(a), ...options });

  it('refuses internal addresses before connecting, with the default policy', async () => {
    const fetchList = createGuardedFetch({ resolve });
    const before = hits.length;
    for (const [url, range] of [
      [`http://127.0.0.1:${port}/list.csv`, 'loopback'],
      ['http://10.1.2.3/list.csv', 'private network'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local'],
      [`http://[::1]:${port}/list.csv`, 'loopback'],
      [`http://[::ffff:127.0.0.1]:${port}/list.csv`, 'loopback'],
      ['http://[fd00::1]/list.csv', 'unique local'],
      ['http://100.64.0.1/', 'carrier-grade NAT'],
      ['http://0x7f.1/list.csv', 'loopback'],
    ] as const) {
      const error = await failure(fetchList(url));
      expect(error.reason).toBe('address');
      expect(error.message).toContain(`Refused to fetch ${url}`);
      expect(error.message).toContain(range);
    }
    expect(hits.length).toBe(before);
  });

  it('refuses a name when any of its addresses is internal', async () => {
    const mixed = createGuardedFetch({
      resolve: async () => [
        { address: '8.8.8.8', family: 4 },
        { address: '192.168.0.10', family: 4 },
      ],
    });
    const error = await failure(mixed('https://cdn.example.com/list.csv'));
    expect(error.reason).toBe('address');
    expect(error.message).toBe('Refused to fetch https://cdn.example.com/list.csv: cdn.example.com resolves to 192.168.0.10, a private network address; only addresses on the public internet may be fetched');
    expect((await failure(createGuardedFetch({ resolve })('http://internal.test/x.csv'))).reason).toBe('address');
    expect((await failure(createGuardedFetch({ resolve })('http://nowhere.test/x.csv'))).message).toMatch(/could not be resolved \(ENOTFOUND\)/);
  });

  it('fetches only http and https', async () => {
    const fetchList = createGuardedFetch({ resolve });
    for (const url of ['ftp://lists.test/a.csv', 'file:///etc/passwd', 'data:text/csv,email%0Aa@b.c', 'gopher://lists.test/']) {
      const error = await failure(fetchList(url));
      expect(error.reason).toBe('scheme');
      expect(error.message).toContain(url);
    }
    expect((await failure(fetchList('not a url'))).reason).toBe('url');
  });

  it('connects to the vetted address, keeping the host name for the server', async () => {
    resolutions = 0;
    const bytes = await local()(`http://lists.test:${port}/list.csv`);
    expect(new TextDecoder().decode(bytes)).toBe('email,name\nann@example.com,Ann\n');
    // One resolution, checked and then used: the system resolver (which knows no lists.test) is never asked.
    expect(resolutions).toBe(1);
    expect(hosts.at(-1)).toBe(`lists.test:${port}`);
  });

  it('stops at the size limit, declared or not', async () => {
    const declared = await failure(local({ maxBytes: 1000 })(`http://lists.test:${port}/big`));
    expect(declared.reason).toBe('size');
    expect(declared.message).toBe(`Refused to fetch http://lists.test:${port}/big: the list is larger than the 1 KB allowed`);
    const streamed = await failure(local({ maxBytes: 4000 })(`http://lists.test:${port}/stream`));
    expect(streamed.reason).toBe('size');
  });

  it('gives up after the time limit, also while resolving', async () => {
    const started = Date.now();
    const slow = await failure(local({ timeoutMs: 300 })(`http://lists.test:${port}/slow`));
    expect(slow.reason).toBe('timeout');
    expect(slow.message).toBe(`Could not fetch http://lists.test:${port}/slow: it took longer than 0.3 s`);
    expect(Date.now() - started).toBeLessThan(3000);
    const stuck = createGuardedFetch({ timeoutMs: 200, resolve: () => new Promise(() => undefined) });
    expect((await failure(stuck('http://stuck.test/a.csv'))).reason).toBe('timeout');
  });

  it('follows up to 3 redirects, vetting each target', async () => {
    expect(new TextDecoder().decode(await local()(`http://lists.test:${port}/hop/3`))).toContain('ann@example.com');
    expect((await failure(local()(`http://lists.test:${port}/hop/4`))).reason).toBe('redirects');

    const before = hits.length;
    const metadata = await failure(local()(`http://lists.test:${port}/to-metadata`));
    expect(metadata.reason).toBe('address');
    expect(metadata.message).toContain('169.254.169.254 is a link-local address');
    const internal = await failure(local()(`http://lists.test:${port}/to-internal`));
    expect(internal.message).toContain('internal.test resolves to 10.0.0.5');
    expect((await failure(local()(`http://lists.test:${port}/to-file`))).reason).toBe('scheme');
    // Only the redirecting requests reached the server, never a target.
    expect(hits.slice(before)).toEqual(['/to-metadata', '/to-internal', '/to-file']);
  });

  it('reports an HTTP error with its status', async () => {
    const error = await failure(local()(`http://lists.test:${port}/missing.csv`));
    expect(error.reason).toBe('status');
    expect(error.message).toBe(`Could not fetch http://lists.test:${port}/missing.csv: the server answered HTTP 404`);
  });
});
