/**
 * Fetching an audience list from a URL the user typed, without letting that URL reach inside
 * the network the platform runs in (SSRF): the instance metadata service at 169.254.169.254,
 * VPC-internal hosts, localhost, the emulators.
 *
 * - http and https only;
 * - the host is resolved (every address, A and AAAA) and refused unless EVERY address is public
 *   unicast (isPublicAddress): one private answer among public ones is how rebinding attacks start;
 * - the connection goes to the vetted addresses themselves (a `lookup` handed to http.request),
 *   so a second DNS answer — DNS rebinding — cannot swap in another address between check and use;
 *   a fresh agent per request, so no pooled socket to some other address is reused;
 * - redirects (at most 3) are followed by hand, each target vetted the same way;
 * - a size limit (20 MB by default: a larger declared length is refused before reading, an
 *   undeclared one is cut off as soon as it passes the limit) and one deadline (15 s by default)
 *   over everything: DNS, connecting, redirects, the body.
 *
 * Every refusal is a UrlFetchError (a 400: the user's URL is at fault) naming the URL and why.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ValidationError } from '../errors';
import type { FetchList } from './ports';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Host name → every address it resolves to. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The operating system's resolver (what http.request would use), all addresses, in its order. */
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface GuardedFetchOptions {
  /** Default 20 MB. */
  readonly maxBytes?: number;
  /** For the whole fetch, redirects included. Default 15 s. */
  readonly timeoutMs?: number;
  /** Default 3. */
  readonly maxRedirects?: number;
  /** Default: the system resolver. Tests pass their own names. */
  readonly resolve?: Resolver;
  /**
   * Which addresses may be connected to. Default: public unicast only (isPublicAddress). Only
   * tests widen it, to reach a server on 127.0.0.1; nothing in production passes it.
   */
  readonly allowAddress?: (address: string) => boolean;
}

export const urlFetchDefaults = { maxBytes: 20 * 1024 * 1024, timeoutMs: 15_000, maxRedirects: 3 } as const;

export type UrlFetchFailure = 'url' | 'scheme' | 'dns' | 'address' | 'redirects' | 'status' | 'size' | 'timeout' | 'network';

export class UrlFetchError extends ValidationError {
  readonly url: string;
  readonly reason: UrlFetchFailure;
  constructor(url: string, reason: UrlFetchFailure, detail: string) {
    super(detail, [{ field: 'url', message: detail }]);
    this.url = url;
    this.reason = reason;
    // ValidationError's `name` is a literal type; set the runtime name for logs.
    Object.defineProperty(this, 'name', { value: 'UrlFetchError' });
  }
}

const globalUnicast = ipaddr.IPv6.parse('2000::');

/**
 * Public unicast: what ipaddr.js calls `unicast`, after unwrapping IPv4-mapped IPv6
 * (::ffff:127.0.0.1 is 127.0.0.1). So no loopback, private (10/8, 172.16/12, 192.168/16), link-local
 * (169.254/16: the metadata service; fe80::/10), carrier-grade NAT (100.64/10), multicast,
 * broadcast, unspecified, reserved and documentation ranges, unique-local IPv6 (fc00::/7), NAT64,
 * 6to4 and Teredo (which embed IPv4 addresses). IPv6 must also be global unicast (2000::/3):
 * ipaddr.js calls the deprecated IPv4-compatible ::a.b.c.d `unicast` too.
 */
export function isPublicAddress(text: string): boolean {
  if (!ipaddr.isValid(text)) return false;
  const address = ipaddr.process(text);
  if (address.range() !== 'unicast') return false;
  return address.kind() === 'ipv4' || address.match(globalUnicast, 3);
}

const rangeNames: Readonly<Record<string, string>> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  linkLocal: 'a link-local address (like the cloud metadata service)',
  carrierGradeNat: 'a carrier-grade NAT address',
  uniqueLocal: 'a private (unique local) IPv6 address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  unspecified: 'the unspecified address',
};

function describe(address: string): string {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const range = ipaddr.process(address).range();
  return rangeNames[range] ?? (range === 'unicast' ? 'outside the public internet' : `a special-purpose address (${range})`);
}

const describeBytes = (bytes: number) => (bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Connects only to the vetted addresses, whatever DNS says by the time the socket opens. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    const first = usable[0];
    if (options.all) callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error(`No IPv${family} address among the vetted ones`), { code: 'ENOTFOUND' }), '', 0);
  };
}

/** Rejects when the deadline passes, for steps that cannot be cancelled themselves (DNS). */
function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new Error('deadline passed'));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function request(url: URL, addresses: readonly ResolvedAddress[], signal: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(
      url,
      {
        method: 'GET',
        agent: false,
        lookup: pinnedLookup(addresses),
        signal,
        headers: { accept: 'text/csv, text/plain;q=0.9, */*;q=0.5', 'accept-encoding': 'identity', 'user-agent': 'Pigeon-audience-fetch/1.0' },
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

export function createGuardedFetch(options: GuardedFetchOptions = {}): FetchList {
  const maxBytes = options.maxBytes ?? urlFetchDefaults.maxBytes;
  const timeoutMs = options.timeoutMs ?? urlFetchDefaults.timeoutMs;
  const maxRedirects = options.maxRedirects ?? urlFetchDefaults.maxRedirects;
  const resolve = options.resolve ?? systemResolver;
  const allow = options.allowAddress ?? isPublicAddress;

  return async function fetchList(original: string): Promise<Uint8Array> {
    const refuse = (reason: UrlFetchFailure, why: string) => new UrlFetchError(original, reason, `Refused to fetch ${original}: ${why}`);
    const failed = (reason: UrlFetchFailure, why: string) => new UrlFetchError(original, reason, `Could not fetch ${original}: ${why}`);
    const parse = (text: string, base?: URL): URL => {
      let url: URL;
      try {
        url = new URL(text, base);
      } catch {
        throw refuse('url', base ? `it redirects to "${text}", which is not a URL` : 'it is not a URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('scheme', `only http:// and https:// lists can be fetched, not ${url.protocol}`);
      return url;
    };
    /** Every address of the URL's host, once all of them have passed. */
    const vet = async (url: URL, signal: AbortSignal): Promise<ResolvedAddress[]> => {
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      let addresses: ResolvedAddress[];
      if (ipaddr.isValid(host)) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
      else {
        try {
          addresses = [...(await beforeDeadline(resolve(host), signal))];
        } catch (error) {
          if (signal.aborted) throw error;
          throw failed('dns', `the host ${host} could not be resolved (${(error as { code?: string }).code ?? (error as Error).message})`);
        }
        if (addresses.length === 0) throw failed('dns', `the host ${host} has no address`);
      }
      const bad = addresses.find((a) => !allow(a.address));
      if (bad) {
        const which = bad.address === host ? `${host} is` : `${host} resolves to ${bad.address},`;
        throw refuse('address', `${which} ${describe(bad.address)}; only addresses on the public internet may be fetched`);
      }
      return addresses;
    };
    const read = (response: http.IncomingMessage, where: string): Promise<Uint8Array> => {
      const tooLarge = () => refuse('size', `the list${where} is larger than the ${describeBytes(maxBytes)} allowed`);
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        response.destroy();
        return Promise.reject(tooLarge());
      }
      return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            // Stop reading at once: nothing past the limit is downloaded.
            response.destroy();
            reject(tooLarge());
          } else chunks.push(chunk);
        });
        response.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks, size))));
        response.on('error', reject);
        response.on('close', () => {
          if (!response.complete) reject(new Error('the connection closed before the whole list arrived'));
        });
      });
    };

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let url = parse(original);
    const start = url.href;
    try {
      for (let redirects = 0; ; redirects++) {
        const where = url.href === start ? '' : ` (redirected to ${url.href})`;
        const addresses = await vet(url, controller.signal);
        const response = await request(url, addresses, controller.signal);
        const status = response.statusCode ?? 0;
        if (redirectStatuses.has(status)) {
          response.destroy();
          const location = response.headers.location;
          if (!location) throw failed('status', `${url.href} answered ${status} without saying where to`);
          if (redirects >= maxRedirects) throw refuse('redirects', `it redirects more than ${maxRedirects} times`);
          url = parse(location, url);
          continue;
        }
        if (status < 200 || status > 299) {
          response.destroy();
          throw failed('status', `the server answered HTTP ${status}${where}`);
        }
        return await read(response, where);
      }
    } catch (error) {
      if (error instanceof UrlFetchError) throw error;
      if (controller.signal.aborted) throw failed('timeout', `it took longer than ${+(timeoutMs / 1000).toFixed(1)} s`);
      throw failed('network', (error as Error).message || String(error));
    } finally {
      clearTimeout(timer);
    }
  };
}
