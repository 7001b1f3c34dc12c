/**
 * User-Agent parsing for tracking events: browsers through bowser, mail clients and mailbox image
 * proxies through our own rules (checked first, so isbot's list does not call Gmail a bot), bots
 * through isbot; absent, blank, odd and absurdly long input never throws.
 */
import { describe, expect, it } from 'vitest';
import { MAX_USER_AGENT_LENGTH, parseUserAgent, type DeviceInfo } from '../../shared/tracking/enrich';

const cases: readonly (readonly [string, string, DeviceInfo])[] = [
  // Browsers
  [
    'Chrome on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    { os: 'Windows', client: 'Chrome', clientKind: 'browser', deviceType: 'desktop' },
  ],
  [
    'Edge on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87',
    { os: 'Windows', client: 'Microsoft Edge', clientKind: 'browser', deviceType: 'desktop' },
  ],
  [
    'Safari on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    { os: 'macOS', client: 'Safari', clientKind: 'browser', deviceType: 'desktop' },
  ],
  [
    'Safari on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    { os: 'iOS', client: 'Safari', clientKind: 'browser', deviceType: 'mobile' },
  ],
  [
    'Chrome on an Android phone',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36',
    { os: 'Android', client: 'Chrome', clientKind: 'browser', deviceType: 'mobile' },
  ],
  [
    'Chrome on an Android tablet',
    'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Safari/537.36',
    { os: 'Android', client: 'Chrome', clientKind: 'browser', deviceType: 'tablet' },
  ],
  [
    'Firefox on Linux',
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
    { os: 'Linux', client: 'Firefox', clientKind: 'browser', deviceType: 'desktop' },
  ],
  // Mail clients
  [
    'Outlook 2016+ / Microsoft 365 on Windows',
    'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)',
    { os: 'Windows', client: 'Outlook', clientKind: 'mail-client', deviceType: 'desktop' },
  ],
  [
    'Outlook 2013 on Windows (IE engine, ms-office token)',
    'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.2; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; .NET CLR 2.0.50727; Microsoft Outlook 15.0.4420; ms-office; MSOffice 15)',
    { os: 'Windows', client: 'Outlook', clientKind: 'mail-client', deviceType: 'desktop' },
  ],
  ['Outlook for Mac', 'MacOutlook/16.89.24091630 (Intelx64 Mac OS X 14.6.1 (Build 23G93))', { os: 'macOS', client: 'Outlook', clientKind: 'mail-client', deviceType: 'desktop' }],
  ['Outlook for iOS', 'Outlook-iOS/709.2226530.prod.iphone (4.2411.0)', { os: 'iOS', client: 'Outlook', clientKind: 'mail-client', deviceType: 'mobile' }],
  ['Outlook for Android', 'Outlook-Android/2.0', { os: 'Android', client: 'Outlook', clientKind: 'mail-client', deviceType: 'mobile' }],
  [
    'Windows Mail (UWP WebView)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; WebView/3.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045',
    { os: 'Windows', client: 'Windows Mail', clientKind: 'mail-client', deviceType: 'desktop' },
  ],
  [
    'Thunderbird on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.3.1',
    { os: 'Windows', client: 'Thunderbird', clientKind: 'mail-client', deviceType: 'desktop' },
  ],
  [
    'Thunderbird on Linux',
    'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.15.0',
    { os: 'Linux', client: 'Thunderbird', clientKind: 'mail-client', deviceType: 'desktop' },
  ],
  [
    'Apple Mail on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
    { os: 'macOS', client: 'Apple Mail', clientKind: 'mail-client', deviceType: 'desktop' },
  ],
  [
    'Apple Mail on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    { os: 'iOS', client: 'Apple Mail', clientKind: 'mail-client', deviceType: 'mobile' },
  ],
  [
    'Apple Mail on iPad',
    'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    { os: 'iOS', client: 'Apple Mail', clientKind: 'mail-client', deviceType: 'tablet' },
  ],
  // Mailbox image proxies
  [
    "Gmail's image proxy",
    'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
    { client: 'Gmail', clientKind: 'proxy', deviceType: 'unknown' },
  ],
  ["Yahoo Mail's image proxy", 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html', { client: 'Yahoo Mail', clientKind: 'proxy', deviceType: 'unknown' }],
];

describe('parseUserAgent', () => {
  it.each(cases)('%s', (_label, ua, expected) => {
    expect(parseUserAgent(ua)).toEqual(expected);
  });

  it('does not take an in-app browser on Apple WebKit for Apple Mail', () => {
    const facebook = parseUserAgent(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.37.107;FBBV/620000000]',
    );
    expect(facebook.client).not.toBe('Apple Mail');
    expect(facebook).toMatchObject({ os: 'iOS', deviceType: 'mobile' });
    // Chrome on iOS runs on the same view but names itself.
    expect(parseUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1').client).toBe('Chrome');
  });

  it.each([
    ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'],
    ['headless Chrome', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36'],
    ['curl', 'curl/8.5.0'],
    ['python-requests', 'python-requests/2.32.3'],
    ['the bare MPP user agent', 'Mozilla/5.0'],
  ])('marks %s as a bot', (_label, ua) => {
    expect(parseUserAgent(ua)).toMatchObject({ clientKind: 'bot', deviceType: 'unknown' });
  });

  it('gives {} for an absent or blank user agent, and never throws', () => {
    expect(parseUserAgent(undefined)).toEqual({});
    expect(parseUserAgent('')).toEqual({});
    expect(parseUserAgent('  \t ')).toEqual({});
    for (const odd of [null, 42, {}, ['x']]) expect(() => parseUserAgent(odd as unknown as string)).not.toThrow();
    expect(parseUserAgent('\u0000\uffff(((((;;;;')).toEqual(expect.any(Object));
  });

  it('reads only the first MAX_USER_AGENT_LENGTH characters of an absurdly long user agent', () => {
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
    const padded = `${chrome} ${'A'.repeat(MAX_USER_AGENT_LENGTH)} Thunderbird/128.0`;
    // The Thunderbird token lies past the cut: not seen.
    expect(parseUserAgent(padded)).toMatchObject({ os: 'Windows', client: 'Chrome' });
    expect(() => parseUserAgent(`Mozilla/5.0 (${'('.repeat(1_000_000)}`)).not.toThrow();
  });
});
