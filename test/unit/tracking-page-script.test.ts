/**
 * Multi-layer tracking: the landing-page script (/p.js) run against a fake browser (node:vm with
 * just the pieces it touches) and the pgn_t parameter the click redirect appends.
 */
import { runInContext, createContext } from 'node:vm';
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { appendTrackingParam, pageTrackingScript } from '../../shared/tracking/pages/page-script';

const base = 'https://t.example.com/track';
const token = 'AQx9kZ_-3vTqLw8yR2mN5pC7aB1dE4fG6hJ0sU';

interface FakeNode {
  tagName?: string;
  href?: string;
  parentNode?: FakeNode | null;
}

interface Browser {
  beacons: string[];
  images: string[];
  replaced: string[];
  cookieWrites: string[];
  session: Map<string, string>;
  listeners: { type: string; capture: unknown }[];
  location: { href: string; search: string; protocol: string };
  click(target: FakeNode): void;
}

function browse(
  href: string,
  options: { referrer?: string; cookie?: string; session?: Record<string, string>; sendBeacon?: boolean; beaconRefuses?: boolean; script?: string } = {},
): Browser {
  const url = new URL(href);
  const location = { href, search: url.search, protocol: url.protocol };
  const session = new Map(Object.entries(options.session ?? {}));
  const handlers: ((event: { target: FakeNode }) => void)[] = [];
  const b: Browser = {
    beacons: [],
    images: [],
    replaced: [],
    cookieWrites: [],
    session,
    listeners: [],
    location,
    click: (target) => handlers.forEach((h) => h({ target })),
  };
  const document = {
    referrer: options.referrer ?? '',
    get cookie() {
      return options.cookie ?? '';
    },
    set cookie(value: string) {
      b.cookieWrites.push(value);
    },
    addEventListener(type: string, handler: (event: { target: FakeNode }) => void, capture: unknown) {
      b.listeners.push({ type, capture });
      if (type === 'click') handlers.push(handler);
    },
  };
  const history = {
    state: null,
    replaceState(_state: unknown, _title: string, next: string) {
      b.replaced.push(next);
      const u = new URL(next, location.href);
      location.href = u.href;
      location.search = u.search;
    },
  };
  const sessionStorage = { getItem: (k: string) => session.get(k) ?? null, setItem: (k: string, v: string) => void session.set(k, String(v)) };
  const navigator = options.sendBeacon === false ? {} : { sendBeacon: (u: string) => (b.beacons.push(u), !options.beaconRefuses) };
  function Image(this: { src?: string }) {
    return {
      set src(v: string) {
        b.images.push(v);
      },
    };
  }
  const context = createContext({ location, document, history, sessionStorage, navigator, Image });
  (context as { window?: unknown }).window = context;
  runInContext(options.script ?? pageTrackingScript(base), context);
  return b;
}

const view = (page: string, referrer = '') => `${base}/v/${token}?u=${encodeURIComponent(page)}&r=${encodeURIComponent(referrer)}`;

describe('page tracking script', () => {
  it('is small ES5 with no dependencies', () => {
    const script = pageTrackingScript(base);
    expect(Buffer.byteLength(script)).toBeLessThan(2048);
    const messages = new Linter().verify(script, { languageOptions: { ecmaVersion: 5, sourceType: 'script' } });
    expect(messages.filter((m) => m.fatal)).toEqual([]);
    expect(script).not.toMatch(/\b(import|require|fetch)\b/);
    expect(script).toContain(JSON.stringify(base));
  });

  it('takes the token from the URL, keeps it, strips it from the address bar and reports the view', () => {
    const b = browse(`https://shop.example/sale/a?x=1&pgn_t=${token}&y=2#top`, { referrer: 'https://mail.example/inbox' });
    expect(b.replaced).toEqual(['https://shop.example/sale/a?x=1&y=2#top']);
    expect(b.location.href).not.toContain('pgn_t');
    expect(b.session.get('pgn_t')).toBe(token);
    expect(b.cookieWrites).toHaveLength(1);
    expect(b.cookieWrites[0]).toMatch(new RegExp(`^pgn_t=${token};path=/;max-age=1800;SameSite=Lax;Secure$`));
    expect(b.beacons).toEqual([view('https://shop.example/sale/a?x=1&y=2#top', 'https://mail.example/inbox')]);
    expect(b.images).toEqual([]);
  });

  it('strips the only parameter entirely and sets no Secure cookie on http', () => {
    const b = browse(`http://shop.example/?pgn_t=${token}`);
    expect(b.replaced).toEqual(['http://shop.example/']);
    expect(b.cookieWrites[0]).not.toContain('Secure');
    expect(b.beacons).toEqual([view('http://shop.example/')]);
  });

  it('reports clicks on links (also on an element inside the link), marked k=1', () => {
    const b = browse(`https://shop.example/?pgn_t=${token}`);
    expect(b.listeners).toEqual([{ type: 'click', capture: true }]);
    const link: FakeNode = { tagName: 'A', href: 'https://shop.example/product/9?c=red', parentNode: null };
    b.click({ tagName: 'IMG', parentNode: { tagName: 'SPAN', parentNode: link } });
    b.click({ tagName: 'a', href: 'https://other.example/x' });
    b.click({ tagName: 'DIV', parentNode: null });
    b.click({ tagName: 'A', href: 'javascript:void(0)' });
    expect(b.beacons.slice(1)).toEqual([
      `${base}/v/${token}?u=${encodeURIComponent('https://shop.example/product/9?c=red')}&k=1`,
      `${base}/v/${token}?u=${encodeURIComponent('https://other.example/x')}&k=1`,
    ]);
  });

  it('continues the path on the next page from sessionStorage or the cookie', () => {
    const fromSession = browse('https://shop.example/next', { session: { pgn_t: token }, referrer: 'https://shop.example/sale' });
    expect(fromSession.replaced).toEqual([]);
    expect(fromSession.beacons).toEqual([view('https://shop.example/next', 'https://shop.example/sale')]);
    expect(fromSession.cookieWrites[0]).toContain('max-age=1800'); // renewed
    const fromCookie = browse('https://shop.example/other', { cookie: `a=1; pgn_t=${token}; b=2` });
    expect(fromCookie.beacons).toEqual([view('https://shop.example/other')]);
    expect(fromCookie.session.get('pgn_t')).toBe(token);
  });

  it('falls back to an image request without sendBeacon or when it refuses', () => {
    const without = browse(`https://shop.example/?pgn_t=${token}`, { sendBeacon: false });
    expect(without.images).toEqual([view('https://shop.example/')]);
    const refused = browse(`https://shop.example/?pgn_t=${token}`, { beaconRefuses: true });
    expect(refused.images).toEqual([view('https://shop.example/')]);
  });

  it('does nothing without a token, or with a malformed one', () => {
    for (const b of [browse('https://shop.example/page?x=1'), browse('https://shop.example/?pgn_t=%3Cscript%3E'), browse('https://shop.example/', { cookie: 'pgn_t=short' })]) {
      expect(b.beacons).toEqual([]);
      expect(b.images).toEqual([]);
      expect(b.listeners).toEqual([]);
      expect(b.cookieWrites).toEqual([]);
      expect(b.session.size).toBe(0);
    }
  });

  it('never breaks the host page, even with storage or history throwing', () => {
    const script = pageTrackingScript(base);
    const context = createContext({
      location: { href: `https://shop.example/?pgn_t=${token}`, search: `?pgn_t=${token}`, protocol: 'https:' },
      document: { referrer: '', cookie: '', addEventListener: () => undefined },
      history: { replaceState: () => { throw new Error('SecurityError'); } },
      get sessionStorage() {
        throw new Error('denied');
      },
      navigator: {},
      Image: function Image() { return {}; },
    });
    (context as { window?: unknown }).window = context;
    expect(() => runInContext(script, context)).not.toThrow();
  });

  it('embeds the base URL safely and refuses a non-http one', () => {
    const script = pageTrackingScript('https://t.example.com/a</script><b>/');
    expect(script).not.toContain('</script>');
    expect(script).toContain('"https://t.example.com/a\\u003c/script\\u003e\\u003cb\\u003e"');
    expect(() => pageTrackingScript('javascript:alert(1)')).toThrow(TypeError);
    expect(() => pageTrackingScript('https://t.example.com/?q=1')).toThrow(TypeError);
  });
});

describe('appendTrackingParam', () => {
  it('adds pgn_t to the query, keeping the rest and the fragment', () => {
    expect(appendTrackingParam('https://shop.example/sale', token)).toBe(`https://shop.example/sale?pgn_t=${token}`);
    expect(appendTrackingParam('https://shop.example/sale?utm_source=edm&x=%E4%BF%A1', token)).toBe(`https://shop.example/sale?utm_source=edm&x=%E4%BF%A1&pgn_t=${token}`);
    expect(appendTrackingParam('https://shop.example/p#reviews', token)).toBe(`https://shop.example/p?pgn_t=${token}#reviews`);
    expect(appendTrackingParam('HTTP://shop.example/p?a=1#x?y=2', token)).toBe(`HTTP://shop.example/p?a=1&pgn_t=${token}#x?y=2`);
    expect(appendTrackingParam('https://shop.example/p?', token)).toBe(`https://shop.example/p?pgn_t=${token}`);
    expect(appendTrackingParam('https://shop.example/p?a=1&', token)).toBe(`https://shop.example/p?a=1&pgn_t=${token}`);
  });

  it('replaces a pgn_t already there', () => {
    expect(appendTrackingParam(`https://shop.example/?pgn_t=old&a=1`, token)).toBe(`https://shop.example/?a=1&pgn_t=${token}`);
  });

  it('leaves other schemes alone', () => {
    for (const url of ['mailto:sales@example.com?subject=Hi', 'tel:+886212345678', 'javascript:alert(1)', '/relative/path', 'ftp://files.example/x', '#top']) {
      expect(appendTrackingParam(url, token)).toBe(url);
    }
  });

  it('produces a URL the script then strips back to the original', () => {
    const original = 'https://shop.example/sale?x=1#top';
    const b = browse(appendTrackingParam(original, token));
    expect(b.replaced).toEqual([original]);
    expect(b.beacons).toEqual([view(original)]);
  });
});
