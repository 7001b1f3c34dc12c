/**
 * Was a tracked open, click or page view a person, or a machine acting on the message?
 *
 * Machine events are kept (the lake records everything) but shown apart and never counted in
 * human figures or loyalty scores. The rules run in order and the first that matches names the
 * reason; each is a heuristic from how mailbox providers and security gateways are documented or
 * widely reported to behave, and errs towards "human" where a person plausibly could have acted.
 */
import { isbot } from 'isbot';
import { inRanges, parseCidrs, parsePublicIp } from './ip';
import { parseUserAgent, type DeviceInfo } from './user-agent';

export type MachineReason = 'apple-mpp' | 'mail-proxy-prefetch' | 'security-scanner' | 'bot-user-agent' | 'no-user-agent' | 'head-request' | 'too-fast';

export interface MachineVerdict {
  readonly machine: boolean;
  readonly reason?: MachineReason;
}

export interface MachineInput {
  readonly kind: 'open' | 'click' | 'page';
  readonly method: string;
  readonly userAgent?: string;
  readonly ip?: string;
  readonly device: DeviceInfo;
  /** ms epoch when the message was sent (token issue time). */
  readonly sentAt?: number;
  /** ms epoch of this request. */
  readonly at: number;
}

/**
 * Apple's own address space (AS714): 17.0.0.0/8 and its IPv6 allocations from ARIN, RIPE and
 * APNIC. Apple Mail Privacy Protection loads remote content through Apple's relays; an Apple
 * Mail UA arriving from Apple's network is that relay, not the reader's device.
 */
const appleNetworks = parseCidrs(['17.0.0.0/8', '2620:149::/32', '2a01:b740::/32', '2403:300::/32']);

/**
 * Security gateways and link scanners that follow every link (and often load every image) of
 * an incoming message before, or without, a person: by vendor name in the UA, by Microsoft's
 * Safe Links / link-preview fetcher (BingPreview), and by the HTTP libraries such scanners and
 * scripts use — no mail client or browser sends these.
 */
const securityScanners: readonly RegExp[] = [
  /barracuda/i,
  /mimecast/i,
  /proofpoint/i,
  /BingPreview/i,
  /trend ?micro|\bTMUFE\b/i,
  /symantec|messagelabs/i,
  /sophos/i,
  /fireeye|trellix/i,
  /ironport/i,
  /forcepoint|websense/i,
  /fortiguard/i,
  /python-requests|python-urllib|python-httpx|aiohttp/i,
  /^curl\/|\bcurl\/\d/i,
  /^wget\/|\bwget\/\d/i,
  /Go-http-client/i,
  /(^|[\s(;])Java\/\d/,
  /Apache-HttpClient/i,
  /libwww-perl/i,
  /node-fetch|\baxios\/|\bundici\b/i,
];

/**
 * Office apps probe a link's server (HEAD/OPTIONS with these UAs) before opening it in the
 * browser: the person's real click follows with a browser UA, so the probe itself is a machine.
 */
const linkProbes = /Microsoft Office (Existence|Protocol) Discovery/i;

/**
 * An open by a mailbox image proxy this soon after sending is the provider caching images on
 * delivery, not the reader: delivery alone takes seconds, and a person still has to notice and
 * open the message. `sentAt` is the token's issue time (before SES even accepts the message), so
 * the real gap after delivery is shorter still: the rule can only under-count prefetches.
 */
const PROXY_PREFETCH_WINDOW_MS = 30_000;

/** A click within 10 s of sending is a gateway following links on arrival; people read first. */
const CLICK_TOO_FAST_MS = 10_000;

/**
 * A direct (non-proxy) open within 2 s of sending is a gateway scanner fetching images while the
 * message is still being delivered: no person receives, notices and opens a message that fast.
 */
const OPEN_TOO_FAST_MS = 2_000;

function verdict(reason: MachineReason): MachineVerdict {
  return { machine: true, reason };
}

const human: MachineVerdict = { machine: false };

export function classifyMachine(input: MachineInput): MachineVerdict {
  try {
    return classify(input);
  } catch {
    // Never let enrichment fail an event: undecidable means human, as in the rules' default.
    return human;
  }
}

function classify(input: MachineInput): MachineVerdict {
  // Browsers and mail clients GET images and links; HEAD is how link checkers and scanners ask
  // "is this URL alive?" without downloading it.
  if (input.method.trim().toUpperCase() === 'HEAD') return verdict('head-request');

  const ua = (input.userAgent ?? '').trim();
  // Every browser and mail client sends a User-Agent; only scripts and some scanners omit it.
  if (ua === '') return verdict('no-user-agent');

  if (securityScanners.some((pattern) => pattern.test(ua))) return verdict('security-scanner');
  if (linkProbes.test(ua)) return verdict('bot-user-agent');

  // The caller normally passes parseUserAgent(userAgent); parse here if it passed nothing.
  const device = input.device.client !== undefined || input.device.clientKind !== undefined ? input.device : parseUserAgent(ua);
  const elapsed = input.sentAt !== undefined && Number.isFinite(input.sentAt) ? input.at - input.sentAt : undefined;

  if (input.kind === 'open') {
    // Apple Mail Privacy Protection preloads every image of a message on delivery, through
    // Apple's relays, whether or not it is ever read. Its preload requests carry the bare UA
    // "Mozilla/5.0" (no platform, no engine: no browser or mail client sends that), and an Apple
    // Mail UA from Apple's own network is the same relay. Either way the open says nothing.
    if (ua === 'Mozilla/5.0') return verdict('apple-mpp');
    if (device.client === 'Apple Mail') {
      const address = parsePublicIp(input.ip);
      if (address && inRanges(address, appleNetworks)) return verdict('apple-mpp');
    }
    // Proxies other than Gmail's may cache a message's images when it arrives (see the window
    // above). Gmail's proxy is exempt: it fetches when the message is displayed, so a Gmail
    // open is the reader's, only with Google's address instead of theirs.
    if (device.clientKind === 'proxy' && device.client !== 'Gmail' && elapsed !== undefined && elapsed < PROXY_PREFETCH_WINDOW_MS) {
      return verdict('mail-proxy-prefetch');
    }
  }

  // isbot flags the mail proxies and some mail clients too (its list has "Yahoo", "Outlook-Android"
  // …), so it only speaks for UAs parseUserAgent did not recognise as mail.
  const isMail = device.clientKind === 'mail-client' || device.clientKind === 'proxy';
  if (device.clientKind === 'bot' || (!isMail && isbot(ua))) return verdict('bot-user-agent');

  if (elapsed !== undefined) {
    if (input.kind === 'click' && elapsed < CLICK_TOO_FAST_MS) return verdict('too-fast');
    if (input.kind === 'open' && device.clientKind !== 'proxy' && elapsed < OPEN_TOO_FAST_MS) return verdict('too-fast');
  }
  return human;
}
