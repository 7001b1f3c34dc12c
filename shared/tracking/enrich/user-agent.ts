/**
 * User-Agent → operating system, client (browser or mail client) and device type.
 *
 * Browsers are bowser's job (MIT, kept up to date); mail clients and mailbox image proxies are
 * ours, because bowser does not know them and calls Outlook "Microsoft Office", Thunderbird
 * "Mozilla" and Apple Mail "Safari". Bots are isbot's (Unlicense) list, except where that list
 * flags a mail proxy or client (GoogleImageProxy, YahooMailProxy, Outlook-Android): those are
 * recognised first, so a person opening in Gmail is not counted as a bot.
 */
import Bowser from 'bowser';
import { isbot } from 'isbot';

export interface DeviceInfo {
  /** e.g. 'Windows', 'macOS', 'iOS', 'Android', 'Linux'. */
  readonly os?: string;
  /** Browser or mail client: 'Chrome', 'Safari', 'Outlook', 'Apple Mail', 'Thunderbird', 'Gmail', 'Yahoo Mail' … */
  readonly client?: string;
  readonly clientKind?: 'browser' | 'mail-client' | 'proxy' | 'bot';
  readonly deviceType?: 'desktop' | 'mobile' | 'tablet' | 'unknown';
}

type DeviceType = NonNullable<DeviceInfo['deviceType']>;

/**
 * Real User-Agents stay under a few hundred characters (in-app browsers are the longest); the
 * header is attacker-controlled, so the regexes below never see more than this.
 */
export const MAX_USER_AGENT_LENGTH = 1024;

interface Parsed {
  readonly os?: string;
  readonly browser?: string;
  readonly platform?: string;
}

function bowserParse(ua: string): Parsed {
  try {
    const result = Bowser.parse(ua);
    return { os: result.os.name || undefined, browser: result.browser.name || undefined, platform: result.platform.type || undefined };
  } catch {
    return {};
  }
}

function deviceTypeOf(platform: string | undefined, os: string | undefined): DeviceType {
  if (platform === 'desktop' || platform === 'mobile' || platform === 'tablet') return platform;
  if (os === 'Windows' || os === 'macOS' || os === 'Linux' || os === 'Chrome OS') return 'desktop';
  return 'unknown';
}

function compact(info: DeviceInfo): DeviceInfo {
  return Object.fromEntries(Object.entries(info).filter(([, value]) => value !== undefined)) as DeviceInfo;
}

/**
 * Apple Mail (macOS, iOS, iPadOS) renders with the system WebKit view, which sends the platform
 * and WebKit tokens but — unlike Safari — no `Version/…` and no `Safari/…` token. Anchored at
 * both ends so in-app browsers on the same view (Facebook's `[FBAN…]`, Line, WeChat …) that
 * append their own tokens are not taken for Mail. Other Apple-platform mail apps using the same
 * view look identical; they are reported as Apple Mail.
 */
const appleMail = /^Mozilla\/5\.0 \((Macintosh|iPhone|iPad|iPod)[^)]*\) AppleWebKit\/[\d.]+ \(KHTML, like Gecko\)(?: Mobile\/\w+)?$/;

/** Mail clients and proxies that announce themselves, checked before bowser and isbot. */
function mailClient(ua: string, parsed: Parsed): DeviceInfo | undefined {
  // Gmail fetches every image through Google's proxy ("… (via ggpht.com GoogleImageProxy)"), on
  // the web and in its apps; the Windows/Firefox tokens in that UA are fixed, not the reader's.
  if (/GoogleImageProxy|via ggpht\.com/i.test(ua)) return { client: 'Gmail', clientKind: 'proxy', deviceType: 'unknown' };
  // Yahoo Mail (and AOL, on the same platform) proxies images as "YahooMailProxy; https://help.yahoo.com/…".
  if (/YahooMailProxy/i.test(ua)) return { client: 'Yahoo Mail', clientKind: 'proxy', deviceType: 'unknown' };
  // Outlook's mobile apps fetch with their own UA: "Outlook-iOS/<build>.prod.iphone", "Outlook-Android/2.0".
  if (/Outlook-iOS\//i.test(ua)) {
    return { os: 'iOS', client: 'Outlook', clientKind: 'mail-client', deviceType: /\.ipad\b/i.test(ua) ? 'tablet' : 'mobile' };
  }
  if (/Outlook-Android\//i.test(ua)) return { os: 'Android', client: 'Outlook', clientKind: 'mail-client', deviceType: 'mobile' };
  // Outlook for Mac: "MacOutlook/16.x (… Mac OS X …)".
  if (/MacOutlook\//i.test(ua)) return { os: 'macOS', client: 'Outlook', clientKind: 'mail-client', deviceType: 'desktop' };
  // Outlook for Windows (Win32) names itself inside an Office or IE-compatible UA:
  // "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.x; Pro)" or
  // "… Trident/7.0; … Microsoft Outlook 15.0.x; ms-office; MSOffice 15)".
  if (/Microsoft Outlook|\bms-office\b|\bMSOffice \d/i.test(ua)) {
    const os = parsed.os ?? 'Windows';
    return { os, client: 'Outlook', clientKind: 'mail-client', deviceType: deviceTypeOf(parsed.platform, os) };
  }
  // Windows 10/11 Mail renders in the UWP (EdgeHTML) WebView, which adds "WebView/x" to an Edge
  // UA; browsers never send it. Another UWP app showing web content would look the same.
  if (/\bWebView\/[\d.]+/.test(ua) && /Windows NT/.test(ua) && /\bEdge\//.test(ua)) {
    return { os: 'Windows', client: 'Windows Mail', clientKind: 'mail-client', deviceType: 'desktop' };
  }
  // Thunderbird keeps Firefox's Gecko UA with "Thunderbird/x" in place of "Firefox/x".
  if (/\bThunderbird\/[\d.]+/.test(ua)) {
    return { ...(parsed.os ? { os: parsed.os } : {}), client: 'Thunderbird', clientKind: 'mail-client', deviceType: deviceTypeOf(parsed.platform, parsed.os) };
  }
  const apple = appleMail.exec(ua);
  if (apple) {
    const platform = apple[1];
    const os = platform === 'Macintosh' ? 'macOS' : 'iOS';
    const deviceType: DeviceType = platform === 'Macintosh' ? 'desktop' : platform === 'iPad' ? 'tablet' : 'mobile';
    return { os, client: 'Apple Mail', clientKind: 'mail-client', deviceType };
  }
  return undefined;
}

/** bowser's name for an engine or a bare token, not a client anyone would recognise. */
const meaninglessClients = new Set(['Mozilla']);

/** Never throws; an absent or blank UA gives `{}`. */
export function parseUserAgent(ua: string | undefined): DeviceInfo {
  if (typeof ua !== 'string') return {};
  const text = ua.slice(0, MAX_USER_AGENT_LENGTH).trim();
  if (text === '') return {};
  try {
    const parsed = bowserParse(text);
    const mail = mailClient(text, parsed);
    if (mail) return compact(mail);
    const client = parsed.browser && !meaninglessClients.has(parsed.browser) ? parsed.browser : undefined;
    if (parsed.platform === 'bot' || isbot(text)) {
      // A bot's "device" is whatever it pretends to be: not worth a device type.
      return compact({ os: parsed.os, client, clientKind: 'bot', deviceType: 'unknown' });
    }
    return compact({ os: parsed.os, client, clientKind: client ? 'browser' : undefined, deviceType: deviceTypeOf(parsed.platform, parsed.os) });
  } catch {
    return {};
  }
}
