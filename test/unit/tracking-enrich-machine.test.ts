/**
 * Machine activity: Apple Mail Privacy Protection preloads, mailbox proxies caching images on
 * delivery, security scanners and link probes, bots, requests without a User-Agent, HEAD requests
 * and clicks faster than a person — each named by its reason; ordinary opens and clicks from
 * Chrome, iPhone Mail, Outlook and Gmail, and page views from browsers, stay human.
 */
import { describe, expect, it } from 'vitest';
import { classifyMachine, parseUserAgent, type MachineInput } from '../../shared/tracking/enrich';

const UA = {
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  iphoneSafari: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  iphoneMail: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  macMail: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
  outlook: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)',
  outlookAndroid: 'Outlook-Android/2.0',
  thunderbird: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.3.1',
  gmail: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  yahoo: 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html',
  mpp: 'Mozilla/5.0',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  headless: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36',
} as const;

const sentAt = Date.parse('2026-11-29T09:00:00Z');
const minutes = (n: number) => sentAt + n * 60_000;
const seconds = (n: number) => sentAt + n * 1_000;

/** A request as the tracking handler would classify it: the device parsed from the same UA. */
function classify(input: Partial<MachineInput> & { kind: MachineInput['kind'] }) {
  const userAgent = 'userAgent' in input ? input.userAgent : UA.chrome;
  return classifyMachine({
    method: 'GET',
    ip: '203.66.1.1',
    sentAt,
    at: minutes(30),
    ...input,
    userAgent,
    device: input.device ?? parseUserAgent(userAgent),
  });
}

describe('human activity', () => {
  it.each([
    ['Chrome', UA.chrome, '61.216.1.1'],
    ['iPhone Mail (MPP off, own network)', UA.iphoneMail, '2001:b000:168::1234'],
    ['Mac Mail', UA.macMail, '::ffff:140.112.8.116'],
    ['Outlook on Windows', UA.outlook, '168.95.1.1'],
    ['Outlook for Android', UA.outlookAndroid, '61.216.1.1'],
    ['Thunderbird', UA.thunderbird, '61.216.1.1'],
    ["Gmail's image proxy", UA.gmail, '66.249.84.1'],
  ])('an open in %s is human', (_label, userAgent, ip) => {
    expect(classify({ kind: 'open', userAgent, ip })).toEqual({ machine: false });
  });

  it("a Gmail proxy open right after sending is still human: Gmail fetches when the message is shown", () => {
    expect(classify({ kind: 'open', userAgent: UA.gmail, at: seconds(5) })).toEqual({ machine: false });
  });

  it.each([
    ['Chrome', UA.chrome],
    ['Safari on iPhone', UA.iphoneSafari],
    ['Outlook (a click opens the browser, but an Outlook UA is a person too)', UA.outlook],
  ])('a click from %s a minute after sending is human', (_label, userAgent) => {
    expect(classify({ kind: 'click', userAgent, at: minutes(1) })).toEqual({ machine: false });
  });

  it('a page view from a browser is human, however soon after sending and whatever the token time', () => {
    expect(classify({ kind: 'page', userAgent: UA.iphoneSafari, at: seconds(1) })).toEqual({ machine: false });
    expect(classify({ kind: 'page', userAgent: UA.chrome, sentAt: undefined })).toEqual({ machine: false });
  });

  it('without a send time no timing rule applies', () => {
    expect(classify({ kind: 'click', sentAt: undefined, at: sentAt })).toEqual({ machine: false });
    expect(classify({ kind: 'open', userAgent: UA.yahoo, sentAt: undefined, at: sentAt })).toEqual({ machine: false });
  });
});

describe('Apple Mail Privacy Protection', () => {
  it('an open with the bare "Mozilla/5.0" user agent is an MPP preload, from any address', () => {
    expect(classify({ kind: 'open', userAgent: UA.mpp, ip: '104.28.1.1' })).toEqual({ machine: true, reason: 'apple-mpp' });
    expect(classify({ kind: 'open', userAgent: UA.mpp, ip: undefined })).toEqual({ machine: true, reason: 'apple-mpp' });
  });

  it.each([
    ['IPv4 17.0.0.0/8', '17.58.63.1'],
    ['IPv4-mapped IPv6', '::ffff:17.58.63.1'],
    ['IPv4-mapped IPv6, hex form', '::ffff:113a:3f01'],
    ["Apple's ARIN IPv6 block", '2620:149:a44::12'],
    ["Apple's RIPE IPv6 block", '2a01:b740:a42::1'],
    ["Apple's APNIC IPv6 block", '2403:300:a0c::5'],
  ])("an Apple Mail open from Apple's network (%s) is an MPP preload", (_label, ip) => {
    expect(classify({ kind: 'open', userAgent: UA.iphoneMail, ip })).toEqual({ machine: true, reason: 'apple-mpp' });
    expect(classify({ kind: 'open', userAgent: UA.macMail, ip })).toEqual({ machine: true, reason: 'apple-mpp' });
  });

  it("an Apple Mail open from outside Apple's network is the reader's", () => {
    for (const ip of ['18.0.0.1', '16.255.255.255', '2620:14a::1', '61.216.1.1', undefined, 'garbage']) {
      expect(classify({ kind: 'open', userAgent: UA.iphoneMail, ip })).toEqual({ machine: false });
    }
  });

  it("a browser from Apple's network is not MPP (an Apple employee reading in Chrome)", () => {
    expect(classify({ kind: 'open', userAgent: UA.chrome, ip: '17.1.2.3' })).toEqual({ machine: false });
  });

  it('MPP preloads only opens: a bare "Mozilla/5.0" click is a bot', () => {
    expect(classify({ kind: 'click', userAgent: UA.mpp })).toEqual({ machine: true, reason: 'bot-user-agent' });
  });
});

describe('mail proxies prefetching on delivery', () => {
  it("a Yahoo proxy open within seconds of sending is a prefetch; later it is the reader's", () => {
    expect(classify({ kind: 'open', userAgent: UA.yahoo, at: seconds(4) })).toEqual({ machine: true, reason: 'mail-proxy-prefetch' });
    expect(classify({ kind: 'open', userAgent: UA.yahoo, at: seconds(29) })).toEqual({ machine: true, reason: 'mail-proxy-prefetch' });
    expect(classify({ kind: 'open', userAgent: UA.yahoo, at: minutes(12) })).toEqual({ machine: false });
  });
});

describe('security scanners', () => {
  it.each([
    ['Barracuda', 'Barracuda Sentinel (EE)'],
    ['Mimecast', 'Mozilla/5.0 (compatible; Mimecast URL Protect)'],
    ['Proofpoint', 'Mozilla/5.0 (compatible; Proofpoint URL Defense)'],
    ['Microsoft Safe Links / BingPreview', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b'],
    ['Trend Micro', 'Mozilla/5.0 (compatible; TrendMicro Email Security)'],
    ['python-requests', 'python-requests/2.32.3'],
    ['curl', 'curl/8.5.0'],
    ['Go', 'Go-http-client/2.0'],
    ['Java', 'Java/17.0.2'],
    ['Apache HttpClient', 'Apache-HttpClient/4.5.14 (Java/17.0.2)'],
  ])('%s is a security scanner, on clicks and opens alike', (_label, userAgent) => {
    expect(classify({ kind: 'click', userAgent })).toEqual({ machine: true, reason: 'security-scanner' });
    expect(classify({ kind: 'open', userAgent })).toEqual({ machine: true, reason: 'security-scanner' });
  });

  it('a click within 10 s of sending is too fast for a person, whatever the browser', () => {
    expect(classify({ kind: 'click', userAgent: UA.chrome, at: seconds(3) })).toEqual({ machine: true, reason: 'too-fast' });
    expect(classify({ kind: 'click', userAgent: UA.iphoneSafari, at: seconds(9.9) })).toEqual({ machine: true, reason: 'too-fast' });
    expect(classify({ kind: 'click', userAgent: UA.chrome, at: seconds(10) })).toEqual({ machine: false });
  });

  it('a direct open within 2 s of sending is a gateway fetching images on delivery', () => {
    expect(classify({ kind: 'open', userAgent: UA.outlook, at: seconds(1) })).toEqual({ machine: true, reason: 'too-fast' });
    expect(classify({ kind: 'open', userAgent: UA.outlook, at: seconds(20) })).toEqual({ machine: false });
  });

  it("Office's link probe before opening the browser is a machine", () => {
    expect(classify({ kind: 'click', userAgent: 'Microsoft Office Existence Discovery' })).toEqual({ machine: true, reason: 'bot-user-agent' });
  });
});

describe('bots, missing user agents and HEAD requests', () => {
  it.each([
    ['Googlebot', UA.googlebot],
    ['headless Chrome', UA.headless],
  ])('%s is a bot on every kind of event', (_label, userAgent) => {
    for (const kind of ['open', 'click', 'page'] as const) expect(classify({ kind, userAgent })).toEqual({ machine: true, reason: 'bot-user-agent' });
  });

  it('a request without a user agent is a machine', () => {
    for (const userAgent of [undefined, '', '   ']) {
      for (const kind of ['open', 'click', 'page'] as const) expect(classify({ kind, userAgent })).toEqual({ machine: true, reason: 'no-user-agent' });
    }
  });

  it('a HEAD request is a machine, even with a browser user agent', () => {
    for (const method of ['HEAD', 'head']) {
      for (const kind of ['open', 'click', 'page'] as const) expect(classify({ kind, method })).toEqual({ machine: true, reason: 'head-request' });
    }
  });

  it('parses the user agent itself when the caller passes no device', () => {
    expect(classify({ kind: 'open', userAgent: UA.iphoneMail, ip: '17.1.1.1', device: {} })).toEqual({ machine: true, reason: 'apple-mpp' });
    expect(classify({ kind: 'open', userAgent: UA.gmail, device: {} })).toEqual({ machine: false });
  });

  it('never throws on odd input', () => {
    const odd = { kind: 'click', method: undefined, userAgent: 42, ip: {}, device: {}, at: Number.NaN } as unknown as MachineInput;
    expect(() => classifyMachine(odd)).not.toThrow();
  });
});
