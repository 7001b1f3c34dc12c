/**
 * 預覽 (preview): the saved content rendered for one recipient exactly as the mail worker will
 * render it (POST /campaigns/{id}/preview), for a contact picked by search or for a typed e-mail
 * and merge fields, with the pre-send check's findings. The HTML shows in a sandboxed iframe
 * (`sandbox=""`: no scripts, no forms, no navigation, its own origin).
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, type ApiClient, type Contact } from '../api';
import { type CampaignsApi, type PresendFinding, type PreviewRequest, type PreviewResult } from '../campaigns-api';
import { errorText } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { formatBytes } from './jobs';

type Who = 'sample' | 'contact' | 'typed';
type State = { kind: 'idle' } | { kind: 'loading' } | { kind: 'error'; message: string; status?: number } | { kind: 'ready'; result: PreviewResult; for: string };

export function CampaignPreview({ api, campaigns, campaignId, unsaved }: { api: ApiClient; campaigns: CampaignsApi; campaignId: string; unsaved: boolean }) {
  const { t, locale } = useI18n();
  const id = useId();
  const [who, setWho] = useState<Who>('typed');
  const [contact, setContact] = useState<Contact | undefined>();
  const [email, setEmail] = useState('');
  const [fieldsText, setFieldsText] = useState('{\n  "name": ""\n}');
  const [fieldsError, setFieldsError] = useState<string | undefined>();
  const [state, setState] = useState<State>({ kind: 'idle' });

  async function run(event?: FormEvent) {
    event?.preventDefault();
    setFieldsError(undefined);
    let input: PreviewRequest = {};
    let label = t('preview.sample');
    if (who === 'contact') {
      if (!contact) {
        setState({ kind: 'error', message: t('preview.pickContact') });
        return;
      }
      input = { contactId: contact.id };
      label = contact.name ? `${contact.name} <${contact.email ?? ''}>` : (contact.email ?? contact.id);
    } else if (who === 'typed') {
      let fields: Record<string, unknown> | undefined;
      if (fieldsText.trim() !== '') {
        try {
          const parsed: unknown = JSON.parse(fieldsText);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          fields = parsed as Record<string, unknown>;
        } catch {
          setFieldsError(t('preview.fieldsInvalid'));
          return;
        }
      }
      input = { ...(email.trim() ? { email: email.trim() } : {}), ...(fields ? { fields } : {}) };
      label = email.trim() || t('preview.typedRecipient');
    }
    setState({ kind: 'loading' });
    try {
      const result = await campaigns.preview(campaignId, input);
      setState({ kind: 'ready', result, for: label });
    } catch (error) {
      setState({ kind: 'error', message: errorText(t, error), ...(error instanceof ApiError ? { status: error.status } : {}) });
    }
  }

  return (
    <div className="preview-layout">
      <form className="card card--padded preview-form" onSubmit={(e) => void run(e)} noValidate data-testid="preview-form">
        <h2>{t('preview.recipient')}</h2>
        {unsaved ? (
          <p className="notice notice--warning" data-testid="preview-unsaved">
            {t('preview.unsaved')}
          </p>
        ) : null}
        <fieldset className="option-group">
          <legend className="visually-hidden">{t('preview.recipient')}</legend>
          <label className="choice choice--block">
            <input type="radio" name={`${id}-who`} checked={who === 'typed'} onChange={() => setWho('typed')} data-testid="preview-who-typed" />
            {t('preview.typed')}
          </label>
          <label className="choice choice--block">
            <input type="radio" name={`${id}-who`} checked={who === 'contact'} onChange={() => setWho('contact')} data-testid="preview-who-contact" />
            {t('preview.contact')}
          </label>
          <label className="choice choice--block">
            <input type="radio" name={`${id}-who`} checked={who === 'sample'} onChange={() => setWho('sample')} data-testid="preview-who-sample" />
            {t('preview.sampleChoice')}
          </label>
        </fieldset>
        {who === 'typed' ? (
          <>
            <div className="field">
              <label htmlFor={`${id}-email`}>{t('preview.email')}</label>
              <input id={`${id}-email`} type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" data-testid="preview-email" />
            </div>
            <div className={`field${fieldsError ? ' field--invalid' : ''}`}>
              <label htmlFor={`${id}-fields`}>{t('preview.fields')}</label>
              <textarea
                id={`${id}-fields`}
                className="code-editor"
                rows={6}
                value={fieldsText}
                onChange={(e) => setFieldsText(e.target.value)}
                spellCheck={false}
                aria-invalid={fieldsError ? true : undefined}
                aria-describedby={`${id}-fields-hint`}
                data-testid="preview-fields"
              />
              <p id={`${id}-fields-hint`} className="field__hint">
                {t('preview.fieldsHint')}
              </p>
              {fieldsError ? (
                <p className="field__error" data-testid="preview-fields-error">
                  {fieldsError}
                </p>
              ) : null}
            </div>
          </>
        ) : who === 'contact' ? (
          <ContactPicker api={api} selected={contact} onSelect={setContact} />
        ) : (
          <p className="muted">{t('preview.sampleHint')}</p>
        )}
        <div className="form-actions form-actions--start">
          <button type="submit" className="button button--primary" disabled={state.kind === 'loading'} data-testid="preview-run">
            {state.kind === 'loading' ? t('preview.rendering') : t('preview.run')}
          </button>
        </div>
      </form>

      <section className="card card--padded preview-result" aria-live="polite" aria-label={t('preview.result')} data-testid="preview-result">
        {state.kind === 'idle' ? <p className="muted">{t('preview.idle')}</p> : null}
        {state.kind === 'loading' ? (
          <div className="state state--compact" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('preview.rendering')}
          </div>
        ) : null}
        {state.kind === 'error' ? (
          <div className="notice notice--error" role="alert" data-testid="preview-error" data-status={state.status}>
            <strong>{state.status === 503 ? t('preview.unavailable') : t('preview.failed')}</strong> {state.message}
          </div>
        ) : null}
        {state.kind === 'ready' ? <Rendered result={state.result} recipient={state.for} locale={locale} /> : null}
      </section>
    </div>
  );
}

function Rendered({ result, recipient, locale }: { result: PreviewResult; recipient: string; locale: string }) {
  const { t } = useI18n();
  const [part, setPart] = useState<'html' | 'text'>('html');
  const errors = result.findings.filter((f) => f.severity === 'error');
  const warnings = result.findings.filter((f) => f.severity !== 'error');
  return (
    <div data-testid="preview-rendered">
      <p className="muted">{t('preview.for', { recipient })}</p>
      <dl className="envelope">
        <div>
          <dt>{t('preview.subject')}</dt>
          <dd data-testid="preview-subject">{result.subject}</dd>
        </div>
        <div>
          <dt>{t('preview.from')}</dt>
          <dd data-testid="preview-from">{result.from}</dd>
        </div>
        <div>
          <dt>{t('preview.to')}</dt>
          <dd data-testid="preview-to">{result.to}</dd>
        </div>
        <div>
          <dt>{t('preview.charset')}</dt>
          <dd data-testid="preview-charset">{result.charset}</dd>
        </div>
        <div>
          <dt>{t('preview.size')}</dt>
          <dd data-testid="preview-size">{formatBytes(result.sizeBytes, locale)}</dd>
        </div>
        {result.attachmentNames.length > 0 ? (
          <div>
            <dt>{t('preview.attachments')}</dt>
            <dd data-testid="preview-attachments">
              {result.attachmentNames.map((name) => (
                <span key={name} className="tag">
                  {name}
                </span>
              ))}
            </dd>
          </div>
        ) : null}
      </dl>
      <Findings errors={errors} warnings={warnings} />
      <div className="segmented" role="tablist" aria-label={t('preview.part')}>
        <button type="button" role="tab" aria-selected={part === 'html'} className={`segmented__item${part === 'html' ? ' segmented__item--active' : ''}`} onClick={() => setPart('html')} data-testid="preview-part-html">
          HTML
        </button>
        <button type="button" role="tab" aria-selected={part === 'text'} className={`segmented__item${part === 'text' ? ' segmented__item--active' : ''}`} onClick={() => setPart('text')} data-testid="preview-part-text">
          {t('preview.textPart')}
        </button>
      </div>
      {part === 'html' ? (
        <iframe className="preview-frame" sandbox="" srcDoc={result.html} title={t('preview.htmlTitle', { subject: result.subject })} data-testid="preview-html" />
      ) : (
        <pre className="preview-text" data-testid="preview-text">
          {result.text}
        </pre>
      )}
    </div>
  );
}

function Findings({ errors, warnings }: { errors: readonly PresendFinding[]; warnings: readonly PresendFinding[] }) {
  const { t } = useI18n();
  if (errors.length === 0 && warnings.length === 0) {
    return (
      <p className="notice notice--success" data-testid="preview-findings-none">
        {t('preview.noFindings')}
      </p>
    );
  }
  return (
    <div className="findings" data-testid="preview-findings">
      <h3>{t('preview.findings')}</h3>
      <ul>
        {[...errors, ...warnings].map((finding, index) => (
          <li key={`${finding.code}-${index}`} className={`finding finding--${finding.severity === 'error' ? 'error' : 'warning'}`} data-testid="preview-finding" data-severity={finding.severity} data-code={finding.code}>
            <span className="finding__severity">{finding.severity === 'error' ? t('preview.findingError') : t('preview.findingWarning')}</span>
            <span>{finding.message}</span>
            <span className="finding__code mono">{finding.code}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Search contacts (GET /contacts?q=) and pick one. */
function ContactPicker({ api, selected, onSelect }: { api: ApiClient; selected?: Contact; onSelect: (contact: Contact) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<{ kind: 'idle' } | { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: readonly Contact[] }>({ kind: 'idle' });

  useEffect(() => {
    const text = q.trim();
    if (text === '') {
      setResults({ kind: 'idle' });
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      setResults({ kind: 'loading' });
      api.listContacts({ q: text, limit: 10 }).then(
        (page) => live && setResults({ kind: 'ready', items: page.items }),
        (error: unknown) => live && setResults({ kind: 'error', message: errorText(t, error) }),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // Not keyed on t: a language switch must not search again.
  }, [api, q]);

  return (
    <div className="contact-picker">
      <div className="field">
        <label htmlFor={`${id}-q`}>{t('preview.searchContact')}</label>
        <input id={`${id}-q`} type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('preview.searchPlaceholder')} autoComplete="off" data-testid="preview-contact-search" />
      </div>
      {selected ? (
        <p className="contact-picker__selected" data-testid="preview-contact-selected">
          {t('preview.selected')} <strong>{selected.name ?? selected.email}</strong> {selected.name && selected.email ? <span className="muted">{selected.email}</span> : null}
        </p>
      ) : null}
      {results.kind === 'loading' ? <span className="spinner spinner--small" aria-label={t('common.loading')} /> : null}
      {results.kind === 'error' ? (
        <p className="field__error" role="alert">
          {results.message}
        </p>
      ) : null}
      {results.kind === 'ready' ? (
        results.items.length === 0 ? (
          <p className="muted">{t('preview.noContacts')}</p>
        ) : (
          <ul className="contact-picker__results" data-testid="preview-contact-results">
            {results.items.map((contact) => (
              <li key={contact.id}>
                <button
                  type="button"
                  className={`contact-picker__item${selected?.id === contact.id ? ' contact-picker__item--selected' : ''}`}
                  onClick={() => onSelect(contact)}
                  aria-pressed={selected?.id === contact.id}
                  data-testid="preview-contact-option"
                >
                  <span className="table__strong">{contact.name ?? contact.email ?? contact.id}</span>
                  {contact.name && contact.email ? <span className="muted table__sub">{contact.email}</span> : null}
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </div>
  );
}
