/**
 * The public pages a recipient sees without logging in: unsubscribe, subscribe (double opt-in),
 * forward to a friend, comment, and the generic problem page. Each function returns the status
 * and the complete HTML; the HTTP handler sends it (Content-Type text/html; charset=utf-8).
 *
 * Every page is bilingual (zh-TW / en, see pickLanguage) and every value shown is escaped.
 * A form page with `errors` returns 422 and shows an error summary plus each field's message.
 *
 * The forms POST these fields (names in FIELDS):
 *   unsubscribe   csrf, scope ('all' | 'categories'), category (repeated: ids to leave)
 *   resubscribe   csrf (when given)
 *   subscribe     csrf, email, name, category (repeated: ids to join), captcha_token, captcha
 *   forward       csrf, name, friend_1 … friend_<maxFriends>, note, captcha_token, captcha
 *   comment       csrf, name, message, captcha_token, captcha
 *
 * `errors` maps a field name (or 'form' for the whole form) to an ERROR_MESSAGES code
 * ('required', 'invalid_email', …), shown in the page's language, or to literal text.
 */
import { type Captcha } from './captcha';
import { type PageLanguage } from './language';
import { checkedImageDataUri, checkedUrl, html, layout, type SafeHtml } from './layout';

export interface PageResult {
  readonly status: number;
  readonly html: string;
}

export const FIELDS = {
  csrf: 'csrf',
  scope: 'scope',
  category: 'category',
  email: 'email',
  name: 'name',
  /** friend_1 … friend_<maxFriends> */
  friendPrefix: 'friend_',
  note: 'note',
  message: 'message',
  captchaToken: 'captcha_token',
  captchaAnswer: 'captcha',
} as const;

/** Field limits the forms enforce in the browser; the handler must check them again. */
export const LIMITS = { email: 254, name: 100, note: 1000, message: 2000, maxFriends: 20, captchaAnswer: 16 } as const;

export type ErrorCode =
  | 'required'
  | 'invalid_email'
  | 'too_long'
  | 'choose_category'
  | 'captcha_wrong'
  | 'captcha_expired'
  | 'duplicate'
  | 'too_many'
  | 'try_again';

export type ProblemStatus = 400 | 403 | 404 | 405 | 410 | 413 | 429 | 503;

export type FieldErrors = Readonly<Record<string, string>>;

interface Texts {
  readonly errors: Readonly<Record<ErrorCode, string>>;
  readonly errorSummary: string;
  readonly optional: string;
  readonly captchaLabel: string;
  readonly captchaHint: string;
  readonly captchaAlt: string;
  readonly email: string;
  readonly yourName: string;
  readonly submit: string;
  readonly problems: Readonly<Record<ProblemStatus, { readonly title: string; readonly text: string }>>;
  readonly unsubscribe: {
    readonly title: string;
    readonly intro: (email: string) => string;
    readonly question: string;
    readonly all: string;
    readonly some: string;
    readonly alreadyOut: string;
    readonly onlyAll: string;
    readonly button: string;
  };
  readonly unsubscribeDone: {
    readonly title: string;
    readonly all: string;
    readonly some: string;
    readonly mistake: string;
    readonly resubscribe: string;
  };
  readonly subscribe: {
    readonly title: string;
    readonly intro: string;
    readonly categories: string;
    readonly consent: string;
    readonly button: string;
    readonly checkTitle: string;
    readonly checkText: string;
    readonly checkSpam: string;
    readonly confirmedTitle: string;
    readonly confirmedText: string;
    readonly confirmedList: string;
  };
  readonly forward: {
    readonly title: string;
    readonly intro: (campaign: string) => string;
    readonly friends: (max: number) => string;
    readonly friend: (n: number) => string;
    readonly note: string;
    readonly button: string;
    readonly doneTitle: string;
    readonly doneText: (count: number) => string;
  };
  readonly comment: {
    readonly title: string;
    readonly intro: (campaign: string) => string;
    readonly message: string;
    readonly messageHint: (max: number) => string;
    readonly button: string;
    readonly doneTitle: string;
    readonly doneText: string;
  };
}

const TEXTS: Readonly<Record<PageLanguage, Texts>> = {
  'zh-TW': {
    errors: {
      required: '此欄位為必填。',
      invalid_email: '請輸入有效的電子郵件地址。',
      too_long: '內容太長。',
      choose_category: '請至少勾選一個類別。',
      captcha_wrong: '驗證碼不正確，請輸入新圖片中的字元。',
      captcha_expired: '驗證碼已過期，請輸入新圖片中的字元。',
      duplicate: '這個地址重複了。',
      too_many: '超過可填寫的數量。',
      try_again: '無法處理您的要求，請再試一次。',
    },
    errorSummary: '請修正以下問題：',
    optional: '（選填）',
    captchaLabel: '驗證碼',
    captchaHint: '請輸入圖片中的 5 個字元（不分大小寫）。看不清楚時，請重新整理頁面以取得新圖片。',
    captchaAlt: '驗證碼圖片：5 個扭曲的字元',
    email: '電子郵件',
    yourName: '您的姓名',
    submit: '送出',
    problems: {
      400: { title: '無法處理此要求', text: '送出的內容不完整或格式不正確，請返回後再試一次。' },
      403: { title: '無法完成此要求', text: '此要求未被允許。請重新開啟郵件中的連結後再試一次。' },
      404: { title: '找不到此頁面', text: '此連結無效或已過期。' },
      405: { title: '無法完成此要求', text: '此頁面不支援這個操作。' },
      410: { title: '連結已過期', text: '此連結已過期，無法再使用。' },
      413: { title: '內容太大', text: '送出的內容太大，請縮短後再試一次。' },
      429: { title: '請稍後再試', text: '短時間內的要求太多，請稍候幾分鐘再試。' },
      503: { title: '請稍後再試', text: '系統暫時無法記錄您的操作，請稍候片刻再試一次。' },
    },
    unsubscribe: {
      title: '取消訂閱',
      intro: (email) => `此頁面管理寄給 ${email} 的郵件。`,
      question: '您想取消哪些郵件？',
      all: '來自此寄件者的所有郵件',
      some: '只取消下列勾選的電子報類別',
      alreadyOut: '（已取消訂閱）',
      onlyAll: '取消後，您將不再收到此寄件者寄出的郵件。',
      button: '取消訂閱',
    },
    unsubscribeDone: {
      title: '已取消訂閱',
      all: '您將不再收到此寄件者寄出的郵件。',
      some: '您已取消訂閱下列電子報類別：',
      mistake: '不小心取消了嗎？',
      resubscribe: '重新訂閱',
    },
    subscribe: {
      title: '訂閱電子報',
      intro: '填寫下列資料訂閱。我們會寄一封確認信給您，點選信中的連結後才會開始寄送。',
      categories: '想收到的電子報類別',
      consent: '您可以隨時透過每封郵件中的連結取消訂閱。',
      button: '訂閱',
      checkTitle: '請查收確認信',
      checkText: '我們已寄出一封含有確認連結的郵件。請點選信中的連結完成訂閱。',
      checkSpam: '若幾分鐘內沒有收到，請檢查垃圾郵件資料夾。',
      confirmedTitle: '訂閱完成',
      confirmedText: '感謝您的訂閱！',
      confirmedList: '您將收到下列電子報類別：',
    },
    forward: {
      title: '轉寄給朋友',
      intro: (campaign) => `將「${campaign}」轉寄給您的朋友。`,
      friends: (max) => `朋友的電子郵件（最多 ${max} 位）`,
      friend: (n) => `朋友 ${n} 的電子郵件`,
      note: '給朋友的話',
      button: '轉寄',
      doneTitle: '已轉寄',
      doneText: (count) => `已將郵件轉寄給 ${count} 位朋友，謝謝您的分享！`,
    },
    comment: {
      title: '留言給我們',
      intro: (campaign) => `關於「${campaign}」，歡迎留下您的意見。`,
      message: '留言內容',
      messageHint: (max) => `最多 ${max} 字。`,
      button: '送出留言',
      doneTitle: '感謝您的留言',
      doneText: '我們已收到您的留言。',
    },
  },
  en: {
    errors: {
      required: 'This field is required.',
      invalid_email: 'Enter a valid e-mail address.',
      too_long: 'This is too long.',
      choose_category: 'Choose at least one category.',
      captcha_wrong: 'The code was not right. Type the characters in the new image.',
      captcha_expired: 'The code has expired. Type the characters in the new image.',
      duplicate: 'This address is a duplicate.',
      too_many: 'Too many entries.',
      try_again: 'Your request could not be processed. Please try again.',
    },
    errorSummary: 'Please correct the following:',
    optional: ' (optional)',
    captchaLabel: 'Verification code',
    captchaHint: 'Type the 5 characters in the image (not case-sensitive). Cannot read it? Reload the page for a new image.',
    captchaAlt: 'Verification image: 5 distorted characters',
    email: 'E-mail',
    yourName: 'Your name',
    submit: 'Submit',
    problems: {
      400: { title: 'Bad request', text: 'What was sent is incomplete or not valid. Please go back and try again.' },
      403: { title: 'Request refused', text: 'This request is not allowed. Please open the link in the e-mail again and retry.' },
      404: { title: 'Page not found', text: 'This link is not valid or has expired.' },
      405: { title: 'Request refused', text: 'This page does not support that action.' },
      410: { title: 'Link expired', text: 'This link has expired and can no longer be used.' },
      413: { title: 'Too large', text: 'What was sent is too large. Please shorten it and try again.' },
      429: { title: 'Please try again later', text: 'Too many requests in a short time. Please wait a few minutes and try again.' },
      503: { title: 'Please try again', text: 'Your action could not be recorded just now. Please try again in a moment.' },
    },
    unsubscribe: {
      title: 'Unsubscribe',
      intro: (email) => `This page manages the mail sent to ${email}.`,
      question: 'Which mail do you want to stop?',
      all: 'All mail from this sender',
      some: 'Only the newsletter categories ticked below',
      alreadyOut: ' (already unsubscribed)',
      onlyAll: 'You will no longer receive mail from this sender.',
      button: 'Unsubscribe',
    },
    unsubscribeDone: {
      title: 'You are unsubscribed',
      all: 'You will no longer receive mail from this sender.',
      some: 'You have been unsubscribed from these newsletter categories:',
      mistake: 'Unsubscribed by mistake?',
      resubscribe: 'Resubscribe',
    },
    subscribe: {
      title: 'Subscribe',
      intro: 'Fill in the form to subscribe. We will send you a confirmation e-mail; mailing starts only after you click its link.',
      categories: 'Newsletter categories',
      consent: 'You can unsubscribe at any time with the link in every e-mail.',
      button: 'Subscribe',
      checkTitle: 'Check your e-mail',
      checkText: 'We have sent you an e-mail with a confirmation link. Click the link to complete your subscription.',
      checkSpam: 'If it has not arrived within a few minutes, please check your spam folder.',
      confirmedTitle: 'Subscription confirmed',
      confirmedText: 'Thank you for subscribing!',
      confirmedList: 'You will receive these newsletter categories:',
    },
    forward: {
      title: 'Forward to a friend',
      intro: (campaign) => `Forward “${campaign}” to your friends.`,
      friends: (max) => (max === 1 ? "Your friend's e-mail" : `Your friends' e-mail addresses (up to ${max})`),
      friend: (n) => `Friend ${n} e-mail`,
      note: 'A note to your friends',
      button: 'Forward',
      doneTitle: 'Forwarded',
      doneText: (count) => `The message was forwarded to ${count} ${count === 1 ? 'friend' : 'friends'}. Thank you for sharing!`,
    },
    comment: {
      title: 'Leave a comment',
      intro: (campaign) => `Tell us what you think about “${campaign}”.`,
      message: 'Your comment',
      messageHint: (max) => `Up to ${max} characters.`,
      button: 'Send comment',
      doneTitle: 'Thank you for your comment',
      doneText: 'We have received your comment.',
    },
  },
};

function texts(lang: PageLanguage): Texts {
  return TEXTS[lang] ?? TEXTS['zh-TW'];
}

// ---------------------------------------------------------------------------------------------
// Masking

/**
 * An address for display: the first character of the local part, then ***, then the domain
 * (j***@example.com). Idempotent, so an address masked twice looks the same.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return '***';
  const first = Array.from(email.slice(0, at))[0] ?? '';
  return `${first}***@${email.slice(at + 1)}`;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

function hasErrors(errors: FieldErrors | undefined): errors is FieldErrors {
  return errors !== undefined && Object.keys(errors).length > 0;
}

function message(t: Texts, value: string): string {
  return Object.hasOwn(t.errors, value) ? t.errors[value as ErrorCode] : value;
}

const fieldId = (name: string) => `f-${name}`;
const errorId = (name: string) => `e-${name}`;

/** The error summary: focusable target for screen readers, each entry linking to its field. */
function errorSummary(t: Texts, errors: FieldErrors | undefined, fields: readonly string[]): SafeHtml {
  if (!hasErrors(errors)) return html``;
  const entries = Object.entries(errors);
  const items = entries.map(([name, value]) =>
    fields.includes(name) ? html`<li><a href="#${fieldId(name)}">${message(t, value)}</a></li>` : html`<li>${message(t, value)}</li>`,
  );
  return html`<div class="alert" role="alert" tabindex="-1" id="errors"><p><strong>${t.errorSummary}</strong></p><ul>${items}</ul></div>`;
}

function fieldError(t: Texts, errors: FieldErrors | undefined, name: string): SafeHtml {
  const value = errors?.[name];
  return value === undefined ? html`` : html`<p class="error" id="${errorId(name)}">${message(t, value)}</p>`;
}

/** aria-describedby (hint, error) and aria-invalid; groups (fieldset, radio) take no aria-invalid. */
function describedBy(errors: FieldErrors | undefined, name: string, hintId?: string, group = false): SafeHtml {
  const ids = [hintId, errors?.[name] !== undefined ? errorId(name) : undefined].filter((id) => id !== undefined);
  const invalid = errors?.[name] !== undefined && !group ? html` aria-invalid="true"` : html``;
  return ids.length > 0 ? html` aria-describedby="${ids.join(' ')}"${invalid}` : invalid;
}

interface InputOptions {
  readonly name: string;
  readonly label: string;
  readonly type: 'text' | 'email';
  readonly value?: string;
  readonly required?: boolean;
  readonly maxLength: number;
  readonly autocomplete: string;
}

function input(t: Texts, errors: FieldErrors | undefined, o: InputOptions): SafeHtml {
  const attrs = html`${o.required ? html` required` : html``}${o.type === 'email' ? html` inputmode="email" autocapitalize="off" spellcheck="false"` : html``}`;
  return html`<div class="field"><label for="${fieldId(o.name)}">${o.label}${o.required ? '' : t.optional}</label>${fieldError(t, errors, o.name)}<input type="${o.type}" id="${fieldId(o.name)}" name="${o.name}" value="${o.value ?? ''}" maxlength="${o.maxLength}" autocomplete="${o.autocomplete}"${attrs}${describedBy(errors, o.name)}></div>`;
}

function hidden(name: string, value: string): SafeHtml {
  return html`<input type="hidden" name="${name}" value="${value}">`;
}

function captchaField(t: Texts, errors: FieldErrors | undefined, captcha: Captcha): SafeHtml {
  const name = FIELDS.captchaAnswer;
  return html`<div class="field captcha"><label for="${fieldId(name)}">${t.captchaLabel}</label><p class="hint" id="h-${name}">${t.captchaHint}</p><img src="${checkedImageDataUri(captcha.imageDataUri)}" alt="${t.captchaAlt}" width="170" height="56">${fieldError(t, errors, name)}<input type="text" id="${fieldId(name)}" name="${name}" maxlength="${LIMITS.captchaAnswer}" autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false" required${describedBy(errors, name, `h-${name}`)}>${hidden(FIELDS.captchaToken, captcha.token)}</div>`;
}

function submit(label: string): SafeHtml {
  return html`<button type="submit">${label}</button>`;
}

function form(action: string, csrf: string, content: SafeHtml): SafeHtml {
  return html`<form method="post" action="${checkedUrl(action)}" accept-charset="utf-8">${hidden(FIELDS.csrf, csrf)}${content}</form>`;
}

function page(lang: PageLanguage, title: string, body: SafeHtml, status = 200, formActions: readonly string[] = []): PageResult {
  return { status, html: layout({ lang, title, body: html`<h1>${title}</h1>${body}`, formActions }) };
}

// ---------------------------------------------------------------------------------------------
// Unsubscribe

export interface UnsubscribeCategory {
  readonly id: string;
  readonly name: string;
  readonly subscribed: boolean;
}

export interface UnsubscribePageInput {
  readonly lang: PageLanguage;
  /** The form's POST URL. */
  readonly action: string;
  /** The recipient's address; shown masked (maskEmail is applied, so a masked value is fine). */
  readonly email: string;
  readonly categories: readonly UnsubscribeCategory[];
  readonly csrf: string;
  /** E.g. { category: 'choose_category' } when scope=categories came with no category. */
  readonly errors?: FieldErrors;
}

export function unsubscribePage({ lang, action, email, categories, csrf, errors }: UnsubscribePageInput): PageResult {
  const t = texts(lang);
  const u = t.unsubscribe;
  let choices: SafeHtml;
  if (categories.length === 0) {
    choices = html`<p>${u.onlyAll}</p>${hidden(FIELDS.scope, 'all')}`;
  } else {
    const boxes = categories.map((c, i) =>
      c.subscribed
        ? html`<label class="choice"><input type="checkbox" name="${FIELDS.category}" value="${c.id}" id="${fieldId(`${FIELDS.category}-${i}`)}"> <span>${c.name}</span></label>`
        : html`<label class="choice disabled"><input type="checkbox" disabled> <span>${c.name}${u.alreadyOut}</span></label>`,
    );
    choices = html`<fieldset><legend>${u.question}</legend>
<label class="choice"><input type="radio" name="${FIELDS.scope}" value="all" id="${fieldId(FIELDS.scope)}" checked> <span>${u.all}</span></label>
<label class="choice"><input type="radio" name="${FIELDS.scope}" value="categories" id="${fieldId(FIELDS.category)}"${describedBy(errors, FIELDS.category, undefined, true)}> <span>${u.some}</span></label>
${fieldError(t, errors, FIELDS.category)}<div class="indent">${boxes}</div>
</fieldset>`;
  }
  const body = html`<p>${u.intro(maskEmail(email))}</p>
${errorSummary(t, errors, [FIELDS.category])}${form(action, csrf, html`${choices}${submit(u.button)}`)}`;
  return page(lang, u.title, body, hasErrors(errors) ? 422 : 200, [action]);
}

export interface UnsubscribeDonePageInput {
  readonly lang: PageLanguage;
  /** 'all', or the names of the categories left. */
  readonly scope: 'all' | { readonly categories: readonly string[] };
  /** When given, a "Resubscribe" button POSTs here. */
  readonly resubscribeAction?: string;
  /** The resubscribe form's CSRF value, when it needs one. */
  readonly csrf?: string;
}

export function unsubscribeDonePage({ lang, scope, resubscribeAction, csrf }: UnsubscribeDonePageInput): PageResult {
  const t = texts(lang);
  const d = t.unsubscribeDone;
  const what =
    scope === 'all' ? html`<p>${d.all}</p>` : html`<p>${d.some}</p><ul>${scope.categories.map((name) => html`<li>${name}</li>`)}</ul>`;
  const again =
    resubscribeAction === undefined
      ? html``
      : html`<p class="muted">${d.mistake}</p><form method="post" action="${checkedUrl(resubscribeAction)}">${csrf === undefined ? '' : hidden(FIELDS.csrf, csrf)}<button type="submit" class="secondary">${d.resubscribe}</button></form>`;
  return page(lang, d.title, html`${what}${again}`, 200, resubscribeAction === undefined ? [] : [resubscribeAction]);
}

// ---------------------------------------------------------------------------------------------
// Subscribe (double opt-in)

export interface SubscribePageInput {
  readonly lang: PageLanguage;
  readonly action: string;
  readonly categories: readonly { readonly id: string; readonly name: string }[];
  readonly csrf: string;
  /** A fresh CAPTCHA each time the page is shown (issueCaptcha). */
  readonly captcha: Captcha;
  readonly errors?: FieldErrors;
  /** What the visitor typed, shown again after an error; categories are the ids ticked. */
  readonly values?: { readonly email?: string; readonly name?: string; readonly categories?: readonly string[] };
}

export function subscribePage({ lang, action, categories, csrf, captcha, errors, values }: SubscribePageInput): PageResult {
  const t = texts(lang);
  const s = t.subscribe;
  const ticked = new Set(values?.categories ?? (categories.length === 1 ? categories.map((c) => c.id) : []));
  const categoryField =
    categories.length === 0
      ? html``
      : html`<fieldset id="${fieldId(FIELDS.category)}" tabindex="-1"${describedBy(errors, FIELDS.category, undefined, true)}><legend>${s.categories}</legend>${fieldError(t, errors, FIELDS.category)}${categories.map(
          (c) =>
            html`<label class="choice"><input type="checkbox" name="${FIELDS.category}" value="${c.id}"${ticked.has(c.id) ? html` checked` : html``}> <span>${c.name}</span></label>`,
        )}</fieldset>`;
  const content = html`${input(t, errors, { name: FIELDS.email, label: t.email, type: 'email', value: values?.email, required: true, maxLength: LIMITS.email, autocomplete: 'email' })}
${input(t, errors, { name: FIELDS.name, label: t.yourName, type: 'text', value: values?.name, maxLength: LIMITS.name, autocomplete: 'name' })}
${categoryField}
${captchaField(t, errors, captcha)}
<p class="muted">${s.consent}</p>
${submit(s.button)}`;
  const body = html`<p>${s.intro}</p>
${errorSummary(t, errors, [FIELDS.email, FIELDS.name, FIELDS.category, FIELDS.captchaAnswer])}${form(action, csrf, content)}`;
  return page(lang, s.title, body, hasErrors(errors) ? 422 : 200, [action]);
}

export function subscribeCheckEmailPage({ lang }: { readonly lang: PageLanguage }): PageResult {
  const s = texts(lang).subscribe;
  return page(lang, s.checkTitle, html`<p>${s.checkText}</p><p class="muted">${s.checkSpam}</p>`);
}

export function subscribeConfirmedPage({ lang, categories }: { readonly lang: PageLanguage; readonly categories: readonly string[] }): PageResult {
  const s = texts(lang).subscribe;
  const list = categories.length === 0 ? html`` : html`<p>${s.confirmedList}</p><ul>${categories.map((name) => html`<li>${name}</li>`)}</ul>`;
  return page(lang, s.confirmedTitle, html`<p>${s.confirmedText}</p>${list}<p class="muted">${s.consent}</p>`);
}

// ---------------------------------------------------------------------------------------------
// Forward to a friend

export interface ForwardPageInput {
  readonly lang: PageLanguage;
  readonly action: string;
  readonly campaignName: string;
  /** How many friend inputs to show (clamped to 1 … LIMITS.maxFriends). */
  readonly maxFriends: number;
  readonly csrf: string;
  readonly captcha: Captcha;
  /** Keys: name, friend_1 … friend_N, note, captcha, form. */
  readonly errors?: FieldErrors;
  readonly values?: { readonly name?: string; readonly friends?: readonly string[]; readonly note?: string };
}

export function friendField(n: number): string {
  return `${FIELDS.friendPrefix}${n}`;
}

export function forwardPage({ lang, action, campaignName, maxFriends, csrf, captcha, errors, values }: ForwardPageInput): PageResult {
  const t = texts(lang);
  const f = t.forward;
  const max = Math.max(1, Math.min(LIMITS.maxFriends, Math.floor(Number.isFinite(maxFriends) ? maxFriends : 1)));
  const friendNames = Array.from({ length: max }, (_, i) => friendField(i + 1));
  const friends = friendNames.map((name, i) =>
    input(t, errors, { name, label: f.friend(i + 1), type: 'email', value: values?.friends?.[i], required: i === 0, maxLength: LIMITS.email, autocomplete: 'off' }),
  );
  const content = html`${input(t, errors, { name: FIELDS.name, label: t.yourName, type: 'text', value: values?.name, required: true, maxLength: LIMITS.name, autocomplete: 'name' })}
<fieldset><legend>${f.friends(max)}</legend>${friends}</fieldset>
<div class="field"><label for="${fieldId(FIELDS.note)}">${f.note}${t.optional}</label>${fieldError(t, errors, FIELDS.note)}<textarea id="${fieldId(FIELDS.note)}" name="${FIELDS.note}" maxlength="${LIMITS.note}" rows="4"${describedBy(errors, FIELDS.note)}>${values?.note ?? ''}</textarea></div>
${captchaField(t, errors, captcha)}
${submit(f.button)}`;
  const body = html`<p>${f.intro(campaignName)}</p>
${errorSummary(t, errors, [FIELDS.name, ...friendNames, FIELDS.note, FIELDS.captchaAnswer])}${form(action, csrf, content)}`;
  return page(lang, f.title, body, hasErrors(errors) ? 422 : 200, [action]);
}

export function forwardDonePage({ lang, count }: { readonly lang: PageLanguage; readonly count: number }): PageResult {
  const f = texts(lang).forward;
  return page(lang, f.doneTitle, html`<p>${f.doneText(Math.max(0, Math.floor(count)))}</p>`);
}

// ---------------------------------------------------------------------------------------------
// Comment

export interface CommentPageInput {
  readonly lang: PageLanguage;
  readonly action: string;
  readonly campaignName: string;
  readonly csrf: string;
  readonly captcha: Captcha;
  /** Keys: name, message, captcha, form. */
  readonly errors?: FieldErrors;
  readonly values?: { readonly name?: string; readonly message?: string };
}

export function commentPage({ lang, action, campaignName, csrf, captcha, errors, values }: CommentPageInput): PageResult {
  const t = texts(lang);
  const c = t.comment;
  const content = html`${input(t, errors, { name: FIELDS.name, label: t.yourName, type: 'text', value: values?.name, maxLength: LIMITS.name, autocomplete: 'name' })}
<div class="field"><label for="${fieldId(FIELDS.message)}">${c.message}</label><p class="hint" id="h-${FIELDS.message}">${c.messageHint(LIMITS.message)}</p>${fieldError(t, errors, FIELDS.message)}<textarea id="${fieldId(FIELDS.message)}" name="${FIELDS.message}" maxlength="${LIMITS.message}" rows="8" required${describedBy(errors, FIELDS.message, `h-${FIELDS.message}`)}>${values?.message ?? ''}</textarea></div>
${captchaField(t, errors, captcha)}
${submit(c.button)}`;
  const body = html`<p>${c.intro(campaignName)}</p>
${errorSummary(t, errors, [FIELDS.name, FIELDS.message, FIELDS.captchaAnswer])}${form(action, csrf, content)}`;
  return page(lang, c.title, body, hasErrors(errors) ? 422 : 200, [action]);
}

export function commentDonePage({ lang }: { readonly lang: PageLanguage }): PageResult {
  const c = texts(lang).comment;
  return page(lang, c.doneTitle, html`<p>${c.doneText}</p>`);
}

// ---------------------------------------------------------------------------------------------
// Problems

/**
 * A generic error page for the status: fixed text only (never the token, address, path or a
 * stack). An unlisted status renders as 400.
 */
export function problemPage({ lang, status }: { readonly lang: PageLanguage; readonly status: ProblemStatus }): PageResult {
  const t = texts(lang);
  const known = Object.hasOwn(t.problems, status) ? status : 400;
  const p = t.problems[known];
  return page(lang, p.title, html`<p>${p.text}</p>`, known);
}
