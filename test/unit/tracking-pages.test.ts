/**
 * The public tracking pages: the language from Accept-Language, self-contained documents that
 * are not indexed and send no referrer, every value escaped, both languages, accessible forms
 * (labels, error summary, aria links) and problem pages that reveal nothing.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issueCaptcha } from '../../shared/tracking/pages/captcha';
import { pickLanguage } from '../../shared/tracking/pages/language';
import { escapeHtml, html } from '../../shared/tracking/pages/layout';
import {
  commentDonePage,
  commentPage,
  forwardDonePage,
  forwardPage,
  maskEmail,
  problemPage,
  subscribeCheckEmailPage,
  subscribeConfirmedPage,
  subscribePage,
  unsubscribeDonePage,
  unsubscribePage,
  type PageResult,
} from '../../shared/tracking/pages/pages';

const key = randomBytes(32);
const captcha = issueCaptcha(key, Date.now());
const evil = '<script>alert(1)</script>';
const evilAttr = '"><img src=x onerror=alert(1)>';
const action = 'https://t.example.com/f/abc';

/** Checks what every page must be: self-contained, noindex, no referrer, consistent ids. */
function wellFormed(page: PageResult, lang: 'zh-TW' | 'en'): string {
  const doc = page.html;
  expect(doc.startsWith('<!DOCTYPE html>\n')).toBe(true);
  expect(doc).toContain(`<html lang="${lang}">`);
  expect(doc).toContain('<meta name="robots" content="noindex">');
  expect(doc).toContain('<meta name="referrer" content="no-referrer">');
  expect(doc).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  expect(doc).toContain('<meta charset="utf-8">');
  expect(doc).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  expect(doc).not.toMatch(/<script|<link|<iframe|@import|url\(/i);
  expect(doc).not.toMatch(/\s(?:src|href)="(?:https?:)?\/\//i);
  expect(doc.match(/<h1>/g)).toHaveLength(1);
  const ids = [...doc.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(ids).size).toBe(ids.length);
  for (const m of doc.matchAll(/\s(?:for|aria-describedby)="([^"]+)"/g)) {
    for (const id of (m[1] as string).split(' ')) expect(ids).toContain(id);
  }
  for (const m of doc.matchAll(/href="#([^"]+)"/g)) expect(ids).toContain(m[1]);
  return doc;
}

function noHostileMarkup(doc: string): void {
  expect(doc).not.toContain('<script>');
  expect(doc).not.toContain('<img src=x');
  expect(doc).not.toContain('onerror=alert(1)>');
}

describe('pickLanguage', () => {
  it.each([
    [undefined, 'zh-TW'],
    ['', 'zh-TW'],
    ['zh-TW', 'zh-TW'],
    ['zh', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh-Hant-TW,zh;q=0.9', 'zh-TW'],
    ['zh-HK', 'zh-TW'],
    ['zh_TW', 'zh-TW'],
    ['en-US,en;q=0.9', 'en'],
    ['ja-JP', 'en'],
    ['zh-CN', 'en'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-TW'],
    ['fr-FR,zh-TW;q=0.8,en;q=0.5', 'zh-TW'],
    ['en;q=0.8,zh-TW;q=0.9', 'zh-TW'],
    ['zh-TW;q=0,en', 'en'],
    ['*', 'en'],
    ['garbage;;;,,', 'en'],
  ] as const)('%s → %s', (header, expected) => {
    expect(pickLanguage(header)).toBe(expected);
  });
});

describe('html escaping', () => {
  it('escapes every interpolated value but keeps built markup', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\``)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;');
    const inner = html`<b>${evil}</b>`;
    expect(html`<p>${inner}${[html`<i>1</i>`, '<u>']}${undefined}${null}${false}${0}</p>`.value).toBe(
      '<p><b>&lt;script&gt;alert(1)&lt;/script&gt;</b><i>1</i>&lt;u&gt;0</p>',
    );
  });
});

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('john.doe@example.com')).toBe('j***@example.com');
    expect(maskEmail('a@example.com')).toBe('a***@example.com');
    expect(maskEmail('林小明@例子.台灣')).toBe('林***@例子.台灣');
    expect(maskEmail('"a@b"@example.com')).toBe('"***@example.com');
    expect(maskEmail(maskEmail('john@example.com'))).toBe('j***@example.com');
    expect(maskEmail('not-an-address')).toBe('***');
    expect(maskEmail('@example.com')).toBe('***');
  });
});

describe('unsubscribe pages', () => {
  const categories = [
    { id: 'news', name: '每週新聞', subscribed: true },
    { id: 'promo', name: evil, subscribed: true },
    { id: 'old', name: 'Old list', subscribed: false },
  ];

  it('offers all mail or chosen categories, masks the address, carries the CSRF value', () => {
    const page = unsubscribePage({ lang: 'zh-TW', action, email: 'john.doe@example.com', categories, csrf: 'csrf-123', });
    expect(page.status).toBe(200);
    const doc = wellFormed(page, 'zh-TW');
    expect(doc).toContain('j***@example.com');
    expect(doc).not.toContain('john.doe');
    expect(doc).toContain(`<form method="post" action="${action}"`);
    expect(doc).toContain('<input type="hidden" name="csrf" value="csrf-123">');
    expect(doc).toMatch(/<input type="radio" name="scope" value="all"[^>]* checked>/);
    expect(doc).toContain('<input type="radio" name="scope" value="categories"');
    expect(doc).toContain('<input type="checkbox" name="category" value="news"');
    expect(doc).toContain('來自此寄件者的所有郵件');
    expect(doc).toMatch(/<input type="checkbox" disabled> <span>Old list（已取消訂閱）<\/span>/);
    expect(doc).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(doc).toContain(`form-action &#39;self&#39; https://t.example.com`);
    noHostileMarkup(doc);
  });

  it('has only the all-mail choice when there are no categories, in English', () => {
    const doc = wellFormed(unsubscribePage({ lang: 'en', action: '/u/tok', email: 'j***@example.com', categories: [], csrf: 'c' }), 'en');
    expect(doc).toContain('<input type="hidden" name="scope" value="all">');
    expect(doc).not.toContain('type="radio"');
    expect(doc).toContain('Unsubscribe</button>');
    expect(doc).toContain('This page manages the mail sent to j***@example.com.');
  });

  it('shows a category error with 422', () => {
    const page = unsubscribePage({ lang: 'en', action, email: 'a@b.c', categories, csrf: 'c', errors: { category: 'choose_category' } });
    expect(page.status).toBe(422);
    const doc = wellFormed(page, 'en');
    expect(doc).toContain('role="alert"');
    expect(doc).toContain('Choose at least one category.');
  });

  it('refuses a script URL as the action (a programming error)', () => {
    expect(() => unsubscribePage({ lang: 'en', action: 'javascript:alert(1)', email: 'a@b.c', categories: [], csrf: 'c' })).toThrow(TypeError);
    expect(() => unsubscribePage({ lang: 'en', action: '//evil.example/x', email: 'a@b.c', categories: [], csrf: 'c' })).toThrow(TypeError);
  });

  it('confirms all or the categories left, with an optional resubscribe form', () => {
    const all = wellFormed(unsubscribeDonePage({ lang: 'zh-TW', scope: 'all' }), 'zh-TW');
    expect(all).toContain('您將不再收到此寄件者寄出的郵件。');
    expect(all).not.toContain('<form');
    const some = unsubscribeDonePage({ lang: 'en', scope: { categories: ['Weekly', evil] }, resubscribeAction: '/u/tok/resubscribe', csrf: 'x"y' });
    expect(some.status).toBe(200);
    const doc = wellFormed(some, 'en');
    expect(doc).toContain('<li>Weekly</li><li>&lt;script&gt;alert(1)&lt;/script&gt;</li>');
    expect(doc).toContain('<form method="post" action="/u/tok/resubscribe">');
    expect(doc).toContain('<input type="hidden" name="csrf" value="x&quot;y">');
    expect(doc).toContain('Resubscribe</button>');
    noHostileMarkup(doc);
  });
});

describe('subscribe pages', () => {
  const categories = [
    { id: 'news', name: 'News' },
    { id: 'deals', name: `Deals ${evil}` },
  ];

  it('asks for e-mail, name, categories and the CAPTCHA', () => {
    const page = subscribePage({ lang: 'en', action, categories, csrf: 'c1', captcha });
    expect(page.status).toBe(200);
    const doc = wellFormed(page, 'en');
    expect(doc).toMatch(/<input type="email" id="f-email" name="email" value="" maxlength="254" autocomplete="email" required/);
    expect(doc).toMatch(/<input type="text" id="f-name" name="name"/);
    expect(doc).toContain('Your name (optional)');
    expect(doc).toContain('<input type="checkbox" name="category" value="news">');
    expect(doc).toContain(`<img src="${captcha.imageDataUri}"`);
    expect(doc).toContain(`<input type="hidden" name="captcha_token" value="${captcha.token}">`);
    expect(doc).toMatch(/<input type="text" id="f-captcha" name="captcha"[^>]* autocomplete="off"/);
    expect(doc).toContain('Subscribe</button>');
    noHostileMarkup(doc);
  });

  it('shows errors and the values typed, escaped, with 422', () => {
    const page = subscribePage({
      lang: 'zh-TW',
      action,
      categories,
      csrf: 'c1',
      captcha,
      errors: { email: 'invalid_email', captcha: 'captcha_wrong', form: evil },
      values: { email: evilAttr, name: evil, categories: ['deals'] },
    });
    expect(page.status).toBe(422);
    const doc = wellFormed(page, 'zh-TW');
    expect(doc).toContain('請輸入有效的電子郵件地址。');
    expect(doc).toContain('驗證碼不正確');
    expect(doc).toContain('<li><a href="#f-email">請輸入有效的電子郵件地址。</a></li>');
    expect(doc).toContain('<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>');
    expect(doc).toMatch(/id="f-email"[^>]* aria-describedby="e-email" aria-invalid="true"/);
    expect(doc).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expect(doc).toContain('<input type="checkbox" name="category" value="deals" checked>');
    expect(doc).toContain('<input type="checkbox" name="category" value="news">');
    noHostileMarkup(doc);
  });

  it('ticks a single category by default', () => {
    const doc = subscribePage({ lang: 'en', action, categories: [{ id: 'only', name: 'Only' }], csrf: 'c', captcha }).html;
    expect(doc).toContain('<input type="checkbox" name="category" value="only" checked>');
  });

  it('refuses a CAPTCHA image that is not a raster data URI', () => {
    expect(() => subscribePage({ lang: 'en', action, categories, csrf: 'c', captcha: { imageDataUri: 'data:image/svg+xml;base64,PHN2Zz4=', token: 't' } })).toThrow(TypeError);
    expect(() => subscribePage({ lang: 'en', action, categories, csrf: 'c', captcha: { imageDataUri: 'https://evil.example/a.png', token: 't' } })).toThrow(TypeError);
  });

  it('tells the visitor to check e-mail, then confirms, in both languages', () => {
    expect(wellFormed(subscribeCheckEmailPage({ lang: 'zh-TW' }), 'zh-TW')).toContain('請查收確認信');
    expect(wellFormed(subscribeCheckEmailPage({ lang: 'en' }), 'en')).toContain('Check your e-mail');
    const confirmed = subscribeConfirmedPage({ lang: 'en', categories: ['News', evil] });
    expect(confirmed.status).toBe(200);
    const doc = wellFormed(confirmed, 'en');
    expect(doc).toContain('Subscription confirmed');
    expect(doc).toContain('<li>News</li>');
    noHostileMarkup(doc);
    expect(wellFormed(subscribeConfirmedPage({ lang: 'zh-TW', categories: [] }), 'zh-TW')).toContain('訂閱完成');
  });
});

describe('forward pages', () => {
  it('asks for the name, up to maxFriends addresses, a note and the CAPTCHA', () => {
    const page = forwardPage({ lang: 'zh-TW', action, campaignName: `年終特賣 ${evil}`, maxFriends: 3, csrf: 'c', captcha });
    const doc = wellFormed(page, 'zh-TW');
    expect(doc).toContain('轉寄給朋友');
    expect(doc).toContain('將「年終特賣 &lt;script&gt;alert(1)&lt;/script&gt;」轉寄給您的朋友。');
    expect(doc.match(/<input type="email" id="f-friend_\d"/g)).toHaveLength(3);
    expect(doc).toMatch(/id="f-friend_1"[^>]* required/);
    expect(doc).not.toMatch(/id="f-friend_2"[^>]* required/);
    expect(doc).toContain('朋友的電子郵件（最多 3 位）');
    expect(doc).toMatch(/<textarea id="f-note" name="note" maxlength="1000"/);
    expect(doc).toMatch(/id="f-name" name="name"[^>]* required/);
    noHostileMarkup(doc);
  });

  it('clamps maxFriends and keeps values after errors, escaped', () => {
    const page = forwardPage({
      lang: 'en',
      action,
      campaignName: 'Sale',
      maxFriends: 500,
      csrf: 'c',
      captcha,
      errors: { friend_2: 'invalid_email', note: 'too_long' },
      values: { name: evil, friends: ['a@example.com', evilAttr], note: `</textarea>${evil}` },
    });
    expect(page.status).toBe(422);
    const doc = wellFormed(page, 'en');
    expect(doc.match(/<input type="email" id="f-friend_\d+"/g)).toHaveLength(20);
    expect(doc).toContain('value="a@example.com"');
    expect(doc).toContain('&lt;/textarea&gt;&lt;script&gt;');
    expect(doc).toContain('<a href="#f-friend_2">Enter a valid e-mail address.</a>');
    expect(doc).toContain('<a href="#f-note">This is too long.</a>');
    noHostileMarkup(doc);
    expect(forwardPage({ lang: 'en', action, campaignName: 'S', maxFriends: 0, csrf: 'c', captcha }).html.match(/id="f-friend_\d+"/g)).toHaveLength(1);
  });

  it('confirms the count in both languages', () => {
    expect(wellFormed(forwardDonePage({ lang: 'zh-TW', count: 3 }), 'zh-TW')).toContain('已將郵件轉寄給 3 位朋友');
    expect(forwardDonePage({ lang: 'en', count: 1 }).html).toContain('forwarded to 1 friend.');
    expect(forwardDonePage({ lang: 'en', count: 2 }).html).toContain('forwarded to 2 friends.');
  });
});

describe('comment pages', () => {
  it('asks for an optional name, a message of at most 2000 characters and the CAPTCHA', () => {
    const page = commentPage({ lang: 'en', action, campaignName: evil, csrf: 'c', captcha, values: { name: evil, message: `</textarea>${evil}` } });
    expect(page.status).toBe(200);
    const doc = wellFormed(page, 'en');
    expect(doc).toContain('Your name (optional)');
    expect(doc).toMatch(/<textarea id="f-message" name="message" maxlength="2000" rows="8" required aria-describedby="h-message">&lt;\/textarea&gt;/);
    expect(doc).toContain('Up to 2000 characters.');
    expect(doc).toContain('name="captcha_token"');
    noHostileMarkup(doc);
  });

  it('in Chinese with an error, then thanks', () => {
    const page = commentPage({ lang: 'zh-TW', action, campaignName: '春季活動', csrf: 'c', captcha, errors: { message: 'required' } });
    expect(page.status).toBe(422);
    const doc = wellFormed(page, 'zh-TW');
    expect(doc).toContain('關於「春季活動」，歡迎留下您的意見。');
    expect(doc).toContain('此欄位為必填。');
    expect(doc).toMatch(/aria-describedby="h-message e-message" aria-invalid="true"/);
    expect(wellFormed(commentDonePage({ lang: 'zh-TW' }), 'zh-TW')).toContain('感謝您的留言');
    expect(wellFormed(commentDonePage({ lang: 'en' }), 'en')).toContain('Thank you for your comment');
  });
});

describe('problem pages', () => {
  it.each([400, 403, 404, 405, 410, 413, 429] as const)('%i is generic, in both languages', (status) => {
    for (const lang of ['zh-TW', 'en'] as const) {
      const page = problemPage({ lang, status });
      expect(page.status).toBe(status);
      const doc = wellFormed(page, lang);
      expect(doc).not.toContain('<form');
      const main = doc.slice(doc.indexOf('<main>'));
      expect(main).not.toMatch(/@|stack|Error|token|<input/i);
    }
  });

  it('says a bad link is not valid or has expired', () => {
    expect(problemPage({ lang: 'en', status: 404 }).html).toContain('This link is not valid or has expired.');
    expect(problemPage({ lang: 'zh-TW', status: 404 }).html).toContain('此連結無效或已過期。');
  });

  it('renders an unlisted status as 400', () => {
    expect(problemPage({ lang: 'en', status: 500 as never }).status).toBe(400);
  });
});
