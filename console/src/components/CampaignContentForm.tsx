/**
 * A campaign's content (內容): name, type, subject, preheader, sender, reply-to, the recipient's
 * display name, charset, the HTML with a merge-tag helper, an optional text part, and the upload
 * of a whole EDM (ZIP with images, HTML or DOCX) that the API turns into the campaign's HTML.
 * Used to compose a new campaign and to edit one; every text is a LiquidJS template.
 */
import { Fragment, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { campaignTypes, mailCharsets, type Campaign, type CampaignInput, type CampaignsApi, type CampaignType, type ContentInput, type MailCharset } from '../campaigns-api';
import { type CustomField, labelOf } from '../catalog-api';
import { linkMergeTags } from '../engagement-api';
import { messageFor, type FormProblem } from '../form-errors';
import { errorText } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { putFile } from '../upload';
import { FormField } from './FormField';
import '../engagement.css';
import { formatBytes } from './jobs';

export interface ContentFormState {
  name: string;
  type: CampaignType;
  subject: string;
  preheader: string;
  fromName: string;
  fromEmail: string;
  replyTo: string;
  toName: string;
  charset: MailCharset;
  html: string;
  text: string;
}

export function formOf(campaign: Campaign): ContentFormState {
  const c = campaign.content;
  return {
    name: campaign.name,
    type: campaign.type,
    subject: c.subject,
    preheader: c.preheader ?? '',
    fromName: c.fromName ?? '',
    fromEmail: c.fromEmail,
    replyTo: (c.replyTo ?? []).join(', '),
    toName: c.toName ?? '',
    charset: c.charset,
    html: c.html,
    text: c.text ?? '',
  };
}

/** The write the form makes: content replaced whole, keeping what the form does not show (attachments, assets). */
export function inputOf(form: ContentFormState, base?: Campaign): CampaignInput & { name: string; content: ContentInput } {
  const optional = (value: string) => (value.trim() === '' ? undefined : value);
  const replyTo = form.replyTo
    .split(/[\s,;，；]+/)
    .map((address) => address.trim())
    .filter(Boolean);
  const keep = base?.content;
  const content: ContentInput = {
    subject: form.subject,
    fromEmail: form.fromEmail.trim(),
    html: form.html,
    charset: form.charset,
    ...(optional(form.preheader) !== undefined ? { preheader: form.preheader } : {}),
    ...(optional(form.fromName) !== undefined ? { fromName: form.fromName.trim() } : {}),
    ...(replyTo.length > 0 ? { replyTo } : {}),
    ...(optional(form.toName) !== undefined ? { toName: form.toName } : {}),
    ...(optional(form.text) !== undefined ? { text: form.text } : {}),
    ...(keep ? { attachments: keep.attachments } : {}),
    ...(keep?.assetsPrefix ? { assetsPrefix: keep.assetsPrefix } : {}),
    ...(keep?.source ? { source: keep.source } : {}),
  };
  return { name: form.name.trim(), type: form.type, content };
}

type TemplateInput = 'subject' | 'preheader' | 'html' | 'text';
const uploadAccept = '.zip,.html,.htm,.docx,application/zip,text/html,application/vnd.openxmlformats-officedocument.wordprocessingml.document';

function contentTypeOf(file: File): string {
  const name = file.name.toLowerCase();
  if (name.endsWith('.zip')) return 'application/zip';
  if (name.endsWith('.docx')) return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  if (name.endsWith('.html') || name.endsWith('.htm')) return 'text/html';
  return file.type || 'application/octet-stream';
}

/** Which form input an API problem field belongs to (`content.subject` → subject). */
const inputOfField = (field: string) => field.replace(/^content\./, '');

export function CampaignContentForm({
  form,
  onChange,
  readOnly,
  fields,
  problem,
  busy,
  submitLabel,
  onSubmit,
  upload,
  footer,
}: {
  form: ContentFormState;
  onChange: (change: (form: ContentFormState) => ContentFormState) => void;
  readOnly: boolean;
  fields: readonly CustomField[];
  problem: FormProblem;
  busy: boolean;
  submitLabel: string;
  onSubmit: () => void;
  /** The EDM upload: only for a saved campaign (the upload is filed under its id). */
  upload?: { campaigns: CampaignsApi; campaign: Campaign; onImported: (campaign: Campaign) => void };
  footer?: ReactNode;
}) {
  const { t } = useI18n();
  const id = useId();
  const refs = useRef<Partial<Record<TemplateInput, HTMLInputElement | HTMLTextAreaElement | null>>>({});
  const [target, setTarget] = useState<TemplateInput>('html');
  const set = <K extends keyof ContentFormState>(key: K, value: ContentFormState[K]) => onChange((state) => ({ ...state, [key]: value }));
  const error = (field: string) => messageFor(problem.fields, field);

  /** Puts a merge tag where the caret was in the last template input used, and the caret after it. */
  function insert(tag: string) {
    const element = refs.current[target];
    const value = form[target];
    const start = element?.selectionStart ?? value.length;
    const end = element?.selectionEnd ?? value.length;
    const next = value.slice(0, start) + tag + value.slice(end);
    set(target, next);
    requestAnimationFrame(() => {
      if (!element) return;
      element.focus();
      element.setSelectionRange(start + tag.length, start + tag.length);
    });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!readOnly) onSubmit();
  }

  const templateProps = (name: TemplateInput) => ({
    ref: (element: HTMLInputElement | HTMLTextAreaElement | null) => {
      refs.current[name] = element;
    },
    onFocus: () => setTarget(name),
  });

  return (
    <form onSubmit={submit} noValidate data-testid="campaign-content-form">
      {problem.message ? (
        <div className="notice notice--error" role="alert" data-testid="content-form-error">
          {problem.message}
        </div>
      ) : null}
      <div className="card card--padded">
        <div className="form-grid">
          <FormField id={`${id}-name`} label={t('content.name')} error={error('name')} testId="campaign-name" hint={t('content.nameHint')}>
            <input value={form.name} onChange={(e) => set('name', e.target.value)} disabled={readOnly} autoComplete="off" data-testid="campaign-name" />
          </FormField>
          <FormField id={`${id}-type`} label={t('content.type')} error={error('type')} hint={t(`campaignTypeHint.${form.type}`)}>
            <select value={form.type} onChange={(e) => set('type', e.target.value as CampaignType)} disabled={readOnly} data-testid="campaign-type">
              {campaignTypes.map((type) => (
                <option key={type} value={type}>
                  {t(`campaignType.${type}`)}
                </option>
              ))}
            </select>
          </FormField>
          <FormField id={`${id}-subject`} label={t('content.subject')} error={error('content.subject')} testId="campaign-subject" wide hint={t('content.subjectHint')}>
            <input value={form.subject} onChange={(e) => set('subject', e.target.value)} disabled={readOnly} autoComplete="off" data-testid="campaign-subject" {...templateProps('subject')} />
          </FormField>
          <FormField id={`${id}-preheader`} label={t('content.preheader')} error={error('content.preheader')} wide hint={t('content.preheaderHint')}>
            <input value={form.preheader} onChange={(e) => set('preheader', e.target.value)} disabled={readOnly} autoComplete="off" data-testid="campaign-preheader" {...templateProps('preheader')} />
          </FormField>
          <FormField id={`${id}-from-name`} label={t('content.fromName')} error={error('content.fromName')}>
            <input value={form.fromName} onChange={(e) => set('fromName', e.target.value)} disabled={readOnly} autoComplete="off" data-testid="campaign-from-name" />
          </FormField>
          <FormField id={`${id}-from-email`} label={t('content.fromEmail')} error={error('content.fromEmail')} testId="campaign-from-email">
            <input type="email" value={form.fromEmail} onChange={(e) => set('fromEmail', e.target.value)} disabled={readOnly} autoComplete="off" data-testid="campaign-from-email" />
          </FormField>
          <FormField id={`${id}-reply-to`} label={t('content.replyTo')} error={error('content.replyTo')} hint={t('content.replyToHint')}>
            <input value={form.replyTo} onChange={(e) => set('replyTo', e.target.value)} disabled={readOnly} autoComplete="off" data-testid="campaign-reply-to" />
          </FormField>
          <FormField id={`${id}-to-name`} label={t('content.toName')} error={error('content.toName')} hint={t('content.toNameHint')}>
            <input value={form.toName} onChange={(e) => set('toName', e.target.value)} disabled={readOnly} autoComplete="off" data-testid="campaign-to-name" />
          </FormField>
          <FormField id={`${id}-charset`} label={t('content.charset')} error={error('content.charset')} hint={t('content.charsetHint')}>
            <select value={form.charset} onChange={(e) => set('charset', e.target.value as MailCharset)} disabled={readOnly} data-testid="campaign-charset">
              {mailCharsets.map((charset) => (
                <option key={charset} value={charset}>
                  {charset}
                </option>
              ))}
            </select>
          </FormField>
        </div>
      </div>

      <div className="card card--padded">
        <h2 className="content-section__title">{t('content.body')}</h2>
        {upload && !readOnly ? <EdmUpload {...upload} /> : null}
        {!readOnly ? <MergeTags fields={fields} target={target} onInsert={insert} /> : null}
        <FormField id={`${id}-html`} label={t('content.html')} error={error('content.html')} testId="campaign-html" hint={t('content.htmlHint')}>
          <textarea
            className="code-editor"
            value={form.html}
            onChange={(e) => set('html', e.target.value)}
            disabled={readOnly}
            rows={16}
            spellCheck={false}
            data-testid="campaign-html"
            {...templateProps('html')}
          />
        </FormField>
        <details className="overrides" open={form.text !== ''}>
          <summary>{t('content.textToggle')}</summary>
          <FormField id={`${id}-text`} label={t('content.text')} error={error('content.text')} hint={t('content.textHint')}>
            <textarea value={form.text} onChange={(e) => set('text', e.target.value)} disabled={readOnly} rows={8} data-testid="campaign-text" {...templateProps('text')} />
          </FormField>
        </details>
        {Object.keys(problem.fields).some((field) => !knownFields.has(inputOfField(field)) && !knownFields.has(field)) ? (
          <ul className="field__error content-form__other-errors">
            {Object.entries(problem.fields)
              .filter(([field]) => !knownFields.has(inputOfField(field)) && !knownFields.has(field))
              .map(([field, message]) => (
                <li key={field}>
                  {field}: {message}
                </li>
              ))}
          </ul>
        ) : null}
        {!readOnly ? (
          <div className="form-actions">
            {footer}
            <button type="submit" className="button button--primary" disabled={busy} data-testid="content-save">
              {busy ? t('common.saving') : submitLabel}
            </button>
          </div>
        ) : null}
      </div>
    </form>
  );
}

const knownFields = new Set(['name', 'type', 'subject', 'preheader', 'fromName', 'fromEmail', 'replyTo', 'toName', 'charset', 'html', 'text']);

/** Buttons that insert merge tags where the caret was in the subject, preheader, HTML or text. */
function MergeTags({ fields, target, onInsert }: { fields: readonly CustomField[]; target: TemplateInput; onInsert: (tag: string) => void }) {
  const { t, language } = useI18n();
  const [other, setOther] = useState('');
  const standard = ['email', 'mobile', 'company', 'title', 'city'] as const;
  // The page links (取消訂閱, 轉寄給朋友, 留言, 訂閱) follow the name; each button's title says what it opens.
  const tags: { id: string; label: string; tag: string; hint?: string }[] = [
    { id: 'name', label: t('mergeTag.name'), tag: `{{ name | default: "${t('mergeTag.defaultName')}" }}` },
    ...linkMergeTags.map((link) => ({ id: link.id, label: t(`mergeTag.${link.id}`), tag: link.tag, hint: t(`mergeTagHint.${link.id}`) })),
    { id: 'qrcode', label: t('mergeTag.qrcode'), tag: '{% qrcode email %}' },
    { id: 'barcode', label: t('mergeTag.barcode'), tag: '{% barcode custom.code, "code128" %}' },
  ];
  return (
    <>
      <div className="merge-tags" role="group" aria-label={t('mergeTag.label')} data-testid="merge-tags">
        <span className="merge-tags__label">
          {t('mergeTag.label')} <span className="muted">{t('mergeTag.into', { input: t(`mergeTag.target.${target}`) })}</span>
        </span>
        {tags.map((item) => (
          <button
            key={item.id}
            type="button"
            className="button button--small merge-tags__button"
            title={item.hint ? `${item.tag} — ${item.hint}` : item.tag}
            onMouseDown={(e) => e.preventDefault() /* keep the caret where it is */}
            onClick={() => onInsert(item.tag)}
            data-testid={`merge-${item.id}`}
          >
            {item.label}
          </button>
        ))}
        <select
          className="select"
          value={other}
          aria-label={t('mergeTag.otherField')}
          onChange={(e) => {
            const value = e.target.value;
            setOther('');
            if (value) onInsert(`{{ ${value} }}`);
          }}
          data-testid="merge-field"
        >
          <option value="">{t('mergeTag.otherField')}</option>
          <optgroup label={t('mergeTag.standardFields')}>
            {standard.map((field) => (
              <option key={field} value={field}>
                {t(`field.${field}`)} · {`{{ ${field} }}`}
              </option>
            ))}
          </optgroup>
          {fields.length > 0 ? (
            <optgroup label={t('mergeTag.customFields')}>
              {fields.map((field) => (
                <option key={field.name} value={`custom.${field.name}`}>
                  {labelOf(field.label, language, field.name)} · {`{{ custom.${field.name} }}`}
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
      </div>
      <details className="link-tags" data-testid="link-tags">
        <summary>{t('mergeTag.links')}</summary>
        <dl>
          {linkMergeTags.map((link) => (
            <Fragment key={link.id}>
              <dt>{link.tag}</dt>
              <dd>{t(`mergeTagHint.${link.id}`)}</dd>
            </Fragment>
          ))}
        </dl>
      </details>
    </>
  );
}

type UploadState =
  | { kind: 'idle' }
  | { kind: 'uploading'; sent: number; total: number }
  | { kind: 'importing' }
  | { kind: 'done'; warnings: readonly string[]; fileName: string }
  | { kind: 'error'; message: string };

/** Upload a ZIP (an EDM with its images), HTML or DOCX; the API makes it the campaign's HTML. */
function EdmUpload({ campaigns, campaign, onImported }: { campaigns: CampaignsApi; campaign: Campaign; onImported: (campaign: Campaign) => void }) {
  const { t, locale } = useI18n();
  const [file, setFile] = useState<File | undefined>();
  const [state, setState] = useState<UploadState>({ kind: 'idle' });
  const busy = state.kind === 'uploading' || state.kind === 'importing';

  async function run() {
    if (!file) return;
    setState({ kind: 'uploading', sent: 0, total: file.size });
    try {
      const target = await campaigns.contentUpload(campaign.id, { fileName: file.name, contentType: contentTypeOf(file), size: file.size });
      try {
        await putFile(target.uploadUrl, file, target.headers ?? {}, (sent) => setState({ kind: 'uploading', sent, total: file.size }));
      } catch (failure) {
        setState({ kind: 'error', message: t('content.uploadFailed', { reason: failure instanceof Error ? failure.message : String(failure) }) });
        return;
      }
      setState({ kind: 'importing' });
      const result = await campaigns.contentImport(campaign.id, target.key);
      onImported(result.campaign);
      setState({ kind: 'done', warnings: result.warnings ?? [], fileName: file.name });
      setFile(undefined);
    } catch (failure) {
      setState({ kind: 'error', message: errorText(t, failure) });
    }
  }

  return (
    <div className="edm-upload" data-testid="edm-upload">
      <div className="edm-upload__row">
        <label className="button button--small edm-upload__pick">
          <input
            type="file"
            accept={uploadAccept}
            className="visually-hidden"
            onChange={(e) => {
              setFile(e.target.files?.[0]);
              setState({ kind: 'idle' });
              e.target.value = '';
            }}
            data-testid="edm-file"
          />
          {t('content.uploadPick')}
        </label>
        <span className="edm-upload__file">
          {file ? (
            <>
              <strong>{file.name}</strong> <span className="muted">({formatBytes(file.size, locale)})</span>
            </>
          ) : (
            <span className="muted">{t('content.uploadHint')}</span>
          )}
        </span>
        <button type="button" className="button button--small button--primary" disabled={!file || busy} onClick={() => void run()} data-testid="edm-upload-start">
          {state.kind === 'uploading' ? t('content.uploading') : state.kind === 'importing' ? t('content.importing') : t('content.uploadStart')}
        </button>
      </div>
      {state.kind === 'uploading' ? <progress className="edm-upload__progress" max={state.total} value={state.sent} aria-label={t('content.uploading')} /> : null}
      {state.kind === 'error' ? (
        <p className="notice notice--error" role="alert" data-testid="edm-upload-error">
          {state.message}
        </p>
      ) : null}
      {state.kind === 'done' ? (
        <div className={`notice ${state.warnings.length > 0 ? 'notice--warning' : 'notice--success'}`} role="status" data-testid="edm-upload-done">
          {t('content.imported', { name: state.fileName })}
          {state.warnings.length > 0 ? (
            <ul data-testid="edm-upload-warnings">
              {state.warnings.map((warning, index) => (
                <li key={index}>{warning}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
